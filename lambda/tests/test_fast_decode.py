"""Cost Explorer answers decoded into Arrow instead of by botocore's shape parser: the same
answers, and the same lines whether a page comes decoded or as botocore's dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from dapanoskop.cepages import _tag_values, _usage_window
from dapanoskop.cepages import page_parts as _usage_page
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.model import UsageLine
from tests.test_reuse import NOV_26, _items

REQUEST: dict[str, Any] = {
    "TimePeriod": {"Start": "2025-10-01", "End": "2026-11-25"},
    "Granularity": "MONTHLY",
    "Metrics": ["UnblendedCost", "UsageQuantity"],
    "GroupBy": [{"Type": "TAG", "Key": "App"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
}


def _pages(client: Any, request: dict[str, Any] = REQUEST) -> list[dict[str, Any]]:
    pages, token = [], None
    while True:
        page = client.get_cost_and_usage(**request, **({"NextPageToken": token} if token else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        token = page.get("NextPageToken")
        if not token:
            return pages


def _as_read(page: dict[str, Any]) -> dict[str, Any]:
    """What the pipeline reads of a page: periods (time, estimated, groups as dicts), token,
    account names."""
    periods = [
        {
            "TimePeriod": result["TimePeriod"],
            "Estimated": result["Estimated"],
            "Groups": list(
                result["Groups"].to_pylist()
                if isinstance(result["Groups"], pa.Array)
                else result["Groups"]
            ),
        }
        for result in page["ResultsByTime"]
    ]
    read = {"ResultsByTime": periods, "NextPageToken": page.get("NextPageToken")}
    if "DimensionValueAttributes" in page:
        read["DimensionValueAttributes"] = page["DimensionValueAttributes"]
    return read


def test_every_page_is_the_answer_botocore_parses() -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=7)
    plain = _pages(fake.client())
    hooked_client = fake.client()
    CostExplorer(hooked_client)  # registers the hook on this client

    hooked = _pages(hooked_client)

    assert all(isinstance(r["Groups"], pa.Array) for page in hooked for r in page["ResultsByTime"])
    assert [_as_read(page) for page in hooked] == [_as_read(page) for page in plain]
    assert len(plain) > 10
    # estimated and final periods, negative amounts, empty tag values all came through
    periods = [r for page in plain for r in page["ResultsByTime"]]
    assert {r["Estimated"] for r in periods} == {True, False}
    assert any(g["Keys"][0] == "App$" for r in periods for g in r["Groups"])
    assert any(g["Metrics"]["UnblendedCost"]["Amount"].startswith("-") for r in periods
               for g in r["Groups"])  # fmt: skip


def test_linked_account_names_come_through() -> None:
    fake = LocalCostExplorer(
        _items(),
        NOV_26.date(),
        page_size=2,
        account_names={"111111111111": "Forschung-Ü", "222222222222": "web"},
    )
    request = {**REQUEST, "GroupBy": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]}
    plain = _pages(fake.client(), request)
    hooked_client = fake.client()
    CostExplorer(hooked_client)

    hooked = _pages(hooked_client, request)

    assert [_as_read(page) for page in hooked] == [_as_read(page) for page in plain]
    assert any(page["DimensionValueAttributes"] for page in hooked)


def test_a_decoded_page_and_botocores_dicts_give_the_same_lines() -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=50)
    client = fake.client()
    CostExplorer(client)
    decoded = client.get_cost_and_usage(**REQUEST)["ResultsByTime"][0]["Groups"]

    from_arrow = _usage_window([_usage_page(decoded), _usage_page(decoded[:2])])
    from_dicts = _usage_window(
        [_usage_page(decoded.to_pylist()), _usage_page(decoded[:2].to_pylist())]
    )

    assert from_arrow == from_dicts
    assert len(from_arrow) == len(decoded) + 2 > 5


def test_a_group_without_usage_quantity_has_none_and_no_unit() -> None:
    groups = [
        {"Keys": ["App$web", "Tax"], "Metrics": {"UnblendedCost": {"Amount": "3.25"}}},
    ]
    with_quantity = [
        {
            "Keys": ["App$", "USE1-BoxUsage"],
            "Metrics": {
                "UnblendedCost": {"Amount": "1E-10", "Unit": "USD"},
                "UsageQuantity": {"Amount": "2.5", "Unit": "Hrs"},
            },
        }
    ]

    lines = _usage_window([_usage_page(groups), _usage_page(with_quantity)])

    assert lines == (
        UsageLine("web", "Tax", Decimal("3.25"), Decimal(0), ""),
        UsageLine("", "USE1-BoxUsage", Decimal("1E-10"), Decimal("2.5"), "Hrs"),
    )


def test_error_answers_are_still_botocore_errors() -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date())
    client = fake.client()
    CostExplorer(client)
    fake.fail_next("GetCostAndUsage", "DataUnavailableException")

    with pytest.raises(client.exceptions.DataUnavailableException):
        client.get_cost_and_usage(**REQUEST)


def test_tag_values_are_what_follows_the_key_whatever_the_script() -> None:
    keys = pa.array(["Kostenstelle-ü$Forschung", "Kostenstelle-ü$", "Kostenstelle-ü$a$b"])
    assert _tag_values(keys).to_pylist() == ["Forschung", "", "a$b"]
    # keys without the common prefix (none are documented) are taken apart one by one
    assert _tag_values(pa.array(["App$web", "plain"])).to_pylist() == ["web", "plain"]
