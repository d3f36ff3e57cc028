"""GetCostAndUsage time handling: month splitting, DAILY, Estimated and retention."""

from __future__ import annotations

from datetime import date

import pytest
from localce_support import TODAY, item

from dapanoskop.localce import LocalCostExplorer

ITEMS = [
    item(date(2026, 9, 15), "1.00", tags={"App": "a"}),
    item(date(2026, 10, 15), "2.00", tags={"App": "a"}),
    item(date(2026, 11, 10), "4.00", tags={"App": "b"}),
    item(date(2026, 11, 26), "8.00", tags={"App": "b"}),  # today: outside [.., 11-26)
]


def periods(response) -> list[tuple[str, str, str | None, bool]]:
    return [
        (
            r["TimePeriod"]["Start"],
            r["TimePeriod"]["End"],
            r["Total"].get("UnblendedCost", {}).get("Amount"),
            r["Estimated"],
        )
        for r in response["ResultsByTime"]
    ]


def test_monthly_splits_at_month_boundaries_with_a_partial_last_month():
    client = LocalCostExplorer(ITEMS, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod={"Start": "2026-09-01", "End": "2026-11-26"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    # September and October are closed (October closes on 4 November); November is current.
    assert periods(response) == [
        ("2026-09-01", "2026-10-01", "1.00", False),
        ("2026-10-01", "2026-11-01", "2.00", False),
        ("2026-11-01", "2026-11-26", "4.00", True),
    ]


def test_monthly_starting_mid_month_starts_the_first_period_there():
    client = LocalCostExplorer(ITEMS, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod={"Start": "2026-09-16", "End": "2026-10-16"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    # 09-15 is before the start; 10-15 is inside
    assert periods(response) == [
        ("2026-09-16", "2026-10-01", "0", False),
        ("2026-10-01", "2026-10-16", "2.00", False),
    ]


def test_daily_gives_one_result_per_day_even_without_groups():
    client = LocalCostExplorer(ITEMS, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod={"Start": "2026-11-09", "End": "2026-11-12"},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "TAG", "Key": "App"}],
    )
    results = response["ResultsByTime"]
    assert [(r["TimePeriod"]["Start"], r["TimePeriod"]["End"]) for r in results] == [
        ("2026-11-09", "2026-11-10"),
        ("2026-11-10", "2026-11-11"),
        ("2026-11-11", "2026-11-12"),
    ]
    assert [r["Groups"] for r in results] == [
        [],
        [{"Keys": ["App$b"], "Metrics": {"UnblendedCost": {"Amount": "4.00", "Unit": "USD"}}}],
        [],
    ]
    assert all(r["Total"] == {} and r["Estimated"] for r in results)


@pytest.mark.parametrize(
    ("today", "days_after", "october_estimated"),
    [
        (date(2026, 11, 1), 3, True),
        (date(2026, 11, 3), 3, True),
        (date(2026, 11, 4), 3, False),  # 1 November + 3 days = 4 November: closed
        (date(2026, 11, 1), 0, False),
        (date(2026, 11, 1), 10, True),
    ],
)
def test_the_previous_month_stays_estimated_for_a_few_days(today, days_after, october_estimated):
    lce = LocalCostExplorer(ITEMS, today, estimated_days_after_month_end=days_after)
    response = lce.client().get_cost_and_usage(
        TimePeriod={"Start": "2026-10-01", "End": "2026-11-02"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    october, november = response["ResultsByTime"]
    assert october["Estimated"] is october_estimated
    assert november["Estimated"] is True  # the current month is always estimated


def test_daily_results_take_the_estimate_of_their_own_month():
    lce = LocalCostExplorer(ITEMS, date(2026, 11, 2))
    response = lce.client().get_cost_and_usage(
        TimePeriod={"Start": "2026-09-30", "End": "2026-10-02"},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
    )
    # 30 September: September closed on 4 October; 1 October: October still open on 2 November
    assert [r["Estimated"] for r in response["ResultsByTime"]] == [False, True]


def test_start_within_retention_is_answered():
    # today 2026-11-26, 13 months of retention: the earliest start is 2025-10-01
    client = LocalCostExplorer(ITEMS, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod={"Start": "2025-10-01", "End": "2025-11-01"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    assert periods(response) == [("2025-10-01", "2025-11-01", "0", False)]


@pytest.mark.parametrize(
    ("retention", "start"),
    [(13, "2025-09-30"), (13, "2024-01-01"), (3, "2026-07-31"), (13, "2026-11-27")],
)
def test_start_outside_retention_or_after_today_is_data_unavailable(retention, start):
    lce = LocalCostExplorer(ITEMS, TODAY, retention_months=retention)
    client = lce.client()
    with pytest.raises(client.exceptions.DataUnavailableException):
        client.get_cost_and_usage(
            TimePeriod={"Start": start, "End": "2026-12-01"},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
        )
    assert lce.request_count() == 1  # not retried
