"""GetCostAndUsage pagination: page size, split periods, tokens and their refusals."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal

import pytest
from localce_support import TODAY, amounts, fetch_all, item, merge_pages

from dapanoskop.localce import LocalCostExplorer

# October: App a1..a5 costing 1..5; November: App b1 = 0.5, b2 = 0.25; September: nothing.
ITEMS = [item(date(2026, 10, i), str(i), tags={"App": f"a{i}"}) for i in range(1, 6)] + [
    item(date(2026, 11, 3), "0.5", tags={"App": "b1"}),
    item(date(2026, 11, 4), "0.25", tags={"App": "b2"}),
]
REQUEST = {
    "TimePeriod": {"Start": "2026-09-01", "End": "2026-11-26"},
    "Granularity": "MONTHLY",
    "Metrics": ["UnblendedCost"],
    "GroupBy": [{"Type": "TAG", "Key": "App"}],
}


def page_layout(pages) -> list[list[tuple[str, list[str]]]]:
    """Per page: (period start, group keys) of each result."""
    return [
        [
            (r["TimePeriod"]["Start"], [g["Keys"][0] for g in r["Groups"]])
            for r in p["ResultsByTime"]
        ]
        for p in pages
    ]


def test_a_page_holds_at_most_page_size_groups_and_periods_continue_on_the_next_page():
    lce = LocalCostExplorer(ITEMS, TODAY, page_size=2)
    pages = fetch_all(lce.client(), **REQUEST)
    assert page_layout(pages) == [
        [("2026-09-01", []), ("2026-10-01", ["App$a1", "App$a2"])],
        [("2026-10-01", ["App$a3", "App$a4"])],
        [("2026-10-01", ["App$a5"]), ("2026-11-01", ["App$b1"])],
        [("2026-11-01", ["App$b2"])],
    ]
    assert lce.request_count("GetCostAndUsage") == 4  # one billed request per page
    assert all(p["GroupDefinitions"] == REQUEST["GroupBy"] for p in pages)


def test_merged_pages_add_up_exactly_to_the_ungrouped_totals():
    lce = LocalCostExplorer(ITEMS, TODAY, page_size=2)
    client = lce.client()
    merged = merge_pages(fetch_all(client, **REQUEST))
    assert amounts(merged[("2026-10-01", "2026-11-01")]) == {
        "App$a1": "1",
        "App$a2": "2",
        "App$a3": "3",
        "App$a4": "4",
        "App$a5": "5",
    }
    grouped_sums = {
        start: str(sum((Decimal(a) for a in amounts(groups).values()), Decimal(0)))
        for (start, _end), groups in merged.items()
    }
    ungrouped = client.get_cost_and_usage(**{k: v for k, v in REQUEST.items() if k != "GroupBy"})
    totals = {
        r["TimePeriod"]["Start"]: r["Total"]["UnblendedCost"]["Amount"]
        for r in ungrouped["ResultsByTime"]
    }
    # September: nothing; October: 1 + 2 + 3 + 4 + 5 = 15; November: 0.5 + 0.25 = 0.75
    assert totals == {"2026-09-01": "0", "2026-10-01": "15", "2026-11-01": "0.75"}
    assert grouped_sums == totals


def test_an_answer_that_fits_has_no_token():
    lce = LocalCostExplorer(ITEMS, TODAY, page_size=7)
    [page] = fetch_all(lce.client(), **REQUEST)
    assert "NextPageToken" not in page


def test_the_same_parameters_in_another_order_are_not_a_changed_request():
    lce = LocalCostExplorer(ITEMS, TODAY, page_size=2)
    client = lce.client()
    first = client.get_cost_and_usage(**REQUEST)
    reordered = dict(reversed(list(REQUEST.items())))
    second = client.get_cost_and_usage(**reordered, NextPageToken=first["NextPageToken"])
    assert [g["Keys"] for g in second["ResultsByTime"][0]["Groups"]] == [["App$a3"], ["App$a4"]]


def test_changing_parameters_between_pages_is_request_changed():
    client = LocalCostExplorer(ITEMS, TODAY, page_size=2).client()
    first = client.get_cost_and_usage(**REQUEST)
    changed = {**REQUEST, "Metrics": ["UnblendedCost", "UsageQuantity"]}
    with pytest.raises(client.exceptions.RequestChangedException):
        client.get_cost_and_usage(**changed, NextPageToken=first["NextPageToken"])


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        "eyJ2IjogMX0=",  # {"v": 1}: decodes, but carries no position
    ],
)
def test_a_token_the_service_did_not_issue_is_invalid(token):
    client = LocalCostExplorer(ITEMS, TODAY, page_size=2).client()
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.get_cost_and_usage(**REQUEST, NextPageToken=token)


def test_a_well_formed_token_pointing_past_the_answer_is_invalid():
    client = LocalCostExplorer(ITEMS, TODAY, page_size=2).client()
    first = client.get_cost_and_usage(**REQUEST)
    payload = json.loads(base64.urlsafe_b64decode(first["NextPageToken"]))
    payload["p"] = 9  # there are three periods
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.get_cost_and_usage(**REQUEST, NextPageToken=forged)
