"""Fixtures for the local Cost Explorer tests."""

from __future__ import annotations

from typing import Any

import pytest
from localce_support import TODAY, october_items

from dapanoskop.localce import LocalCostExplorer


@pytest.fixture
def october() -> LocalCostExplorer:
    """The fake loaded with the six October line items, today 2026-11-26."""
    return LocalCostExplorer(october_items(), TODAY)


@pytest.fixture
def october_ce(october: LocalCostExplorer) -> Any:
    """A boto3 `ce` client answered by the `october` fake."""
    return october.client()
