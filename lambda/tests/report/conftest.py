"""Shared report fixtures: contract-valid history folders written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_history_fixture import build_history


@pytest.fixture(scope="session")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """14 complete months (2025-09..2026-10) and the month-to-date period 2026-11."""
    return build_history(tmp_path_factory.mktemp("history"))


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same history with markup in a workload, a cost center and a usage type."""
    return build_history(tmp_path_factory.mktemp("hostile"), hostile=True)
