"""Cost Explorer answers decoded by `json` instead of botocore's shape parser: the same answers."""

from __future__ import annotations

from typing import Any

import pytest

from dapanoskop.costexplorer import CostExplorer
from dapanoskop.localce import LocalCostExplorer
from tests.test_reuse import NOV_26, _items

REQUEST: dict[str, Any] = {
    "TimePeriod": {"Start": "2025-10-01", "End": "2026-11-25"},
    "Granularity": "MONTHLY",
    "Metrics": ["UnblendedCost", "UsageQuantity"],
    "GroupBy": [{"Type": "TAG", "Key": "App"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
}


def _pages(client: Any) -> list[dict[str, Any]]:
    pages, token = [], None
    while True:
        page = client.get_cost_and_usage(**REQUEST, **({"NextPageToken": token} if token else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        token = page.get("NextPageToken")
        if not token:
            return pages


def test_every_page_is_the_answer_botocore_parses() -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=7)
    plain = _pages(fake.client())
    hooked_client = fake.client()
    CostExplorer(hooked_client)  # registers the hook on this client

    hooked = _pages(hooked_client)

    assert hooked == plain
    assert len(plain) > 10
    # estimated and final periods, negative amounts, empty tag values all came through
    periods = [r for page in plain for r in page["ResultsByTime"]]
    assert {r["Estimated"] for r in periods} == {True, False}
    assert any(g["Keys"][0] == "App$" for r in periods for g in r["Groups"])


def test_error_answers_are_still_botocore_errors() -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date())
    client = fake.client()
    CostExplorer(client)
    fake.fail_next("GetCostAndUsage", "DataUnavailableException")

    with pytest.raises(client.exceptions.DataUnavailableException):
        client.get_cost_and_usage(**REQUEST)
