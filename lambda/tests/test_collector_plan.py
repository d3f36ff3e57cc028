from datetime import date

from dapanoskop.collector import chain_windows, earliest_available, plan_windows
from dapanoskop.model import Grouping, Window
from dapanoskop.periods import backfill_specs, daily_specs, month_window


def month(year: int, month_: int) -> Window:
    return month_window(date(year, month_, 1))


def test_daily_run_needs_three_requests_per_cost_center_grouping() -> None:
    # Day 26 of November, 1 settle day: MTD [11-01, 11-25) + complete October.
    plan = plan_windows(daily_specs(date(2026, 11, 26)), has_cost_category=True)
    mtd = Window(date(2026, 11, 1), date(2026, 11, 25))
    lfl = Window(date(2026, 10, 1), date(2026, 10, 25))
    assert plan[Grouping.WORKLOAD_USAGE_TYPE] == {
        mtd,
        month(2026, 10),
        month(2026, 9),
        month(2025, 11),
        month(2025, 10),
    }
    assert plan[Grouping.WORKLOAD_COST_CENTER] == plan[Grouping.WORKLOAD_USAGE_TYPE] | {lfl}
    # Storage compares current with the comparison window only: no year-ago months.
    assert plan[Grouping.SERVICE_USAGE_TYPE] == {mtd, lfl, month(2026, 10), month(2026, 9)}
    # Record types: the three periods of each summary (its usage-type rows).
    assert plan[Grouping.RECORD_TYPE_USAGE_TYPE] == plan[Grouping.WORKLOAD_USAGE_TYPE]

    assert chain_windows(plan[Grouping.WORKLOAD_COST_CENTER]) == [
        [month(2025, 10), month(2025, 11)],
        [month(2026, 9), month(2026, 10), mtd],
        [lfl],
    ]
    assert chain_windows(plan[Grouping.SERVICE_USAGE_TYPE]) == [
        [month(2026, 9), month(2026, 10), mtd],
        [lfl],
    ]


def test_without_cost_category_like_for_like_comes_from_usage_types() -> None:
    plan = plan_windows(daily_specs(date(2026, 11, 26)), has_cost_category=False)
    assert Grouping.WORKLOAD_COST_CENTER not in plan
    assert Window(date(2026, 10, 1), date(2026, 10, 25)) in plan[Grouping.WORKLOAD_USAGE_TYPE]


def test_backfill_of_13_months_is_one_run_of_25_months() -> None:
    plan = plan_windows(backfill_specs(date(2026, 11, 26), 13), has_cost_category=True)
    chains = chain_windows(plan[Grouping.WORKLOAD_COST_CENTER])
    assert len(chains) == 1
    assert chains[0][0] == month(2024, 10)  # yoy of October 2025
    assert chains[0][-1] == month(2026, 10)
    assert len(chains[0]) == 25


def test_earliest_available_month() -> None:
    assert earliest_available(date(2026, 11, 26), 13) == date(2025, 10, 1)
    assert earliest_available(date(2026, 1, 1), 38) == date(2022, 11, 1)
