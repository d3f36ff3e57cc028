from datetime import date

import pytest

from dapanoskop.model import Window
from dapanoskop.periods import (
    backfill_specs,
    complete_month_spec,
    daily_specs,
    mtd_spec,
    parse_period,
)


def test_complete_month_compares_with_previous_month_and_same_month_last_year() -> None:
    spec = complete_month_spec(date(2026, 1, 1))
    assert spec.period == "2026-01"
    assert spec.current == Window(date(2026, 1, 1), date(2026, 2, 1))
    assert spec.prev_month == Window(date(2025, 12, 1), date(2026, 1, 1))
    assert spec.yoy == Window(date(2025, 1, 1), date(2025, 2, 1))
    assert spec.comparison == spec.prev_month


@pytest.mark.parametrize(
    ("today", "current_end", "lfl_start", "lfl_end"),
    [
        (date(2026, 11, 2), date(2026, 11, 2), date(2026, 10, 1), date(2026, 10, 2)),
        (date(2026, 11, 26), date(2026, 11, 26), date(2026, 10, 1), date(2026, 10, 26)),
        # 31 March after a 28-day February: 30 days of March against all 28 of February.
        (date(2027, 3, 31), date(2027, 3, 31), date(2027, 2, 1), date(2027, 3, 1)),
        (date(2027, 3, 30), date(2027, 3, 30), date(2027, 2, 1), date(2027, 3, 1)),
        # 30 March after a 29-day February: 29 days against 29 days.
        (date(2028, 3, 30), date(2028, 3, 30), date(2028, 2, 1), date(2028, 3, 1)),
        (date(2028, 3, 29), date(2028, 3, 29), date(2028, 2, 1), date(2028, 2, 29)),
        # January compares with December of the year before.
        (date(2027, 1, 15), date(2027, 1, 15), date(2026, 12, 1), date(2026, 12, 15)),
    ],
)
def test_month_to_date_like_for_like_window_without_settle_days(
    today: date, current_end: date, lfl_start: date, lfl_end: date
) -> None:
    spec = mtd_spec(today, settle_days=0)
    assert spec.is_mtd
    assert spec.current == Window(today.replace(day=1), current_end)
    assert spec.like_for_like == Window(lfl_start, lfl_end)
    assert spec.comparison == spec.like_for_like
    assert spec.prev_month.start == lfl_start
    assert spec.data_through == date.fromordinal(current_end.toordinal() - 1)


@pytest.mark.parametrize(
    ("today", "settle", "current_end", "lfl_end", "through"),
    [
        # Day 3 with 1 settle day: 1 and 2 Nov would be in, 2 Nov is still loading -> 1 Nov.
        (date(2026, 11, 3), 1, date(2026, 11, 2), date(2026, 10, 2), date(2026, 11, 1)),
        (date(2026, 11, 3), 0, date(2026, 11, 3), date(2026, 10, 3), date(2026, 11, 2)),
        # Day 15: 13 complete days (1-13 Nov) against 1-13 Oct.
        (date(2026, 11, 15), 1, date(2026, 11, 14), date(2026, 10, 14), date(2026, 11, 13)),
        (date(2026, 11, 15), 3, date(2026, 11, 12), date(2026, 10, 12), date(2026, 11, 11)),
        # 31 March, 1 settle day: 29 days of March against all 28 of February.
        (date(2027, 3, 31), 1, date(2027, 3, 30), date(2027, 3, 1), date(2027, 3, 29)),
    ],
)
def test_month_to_date_ends_settle_days_before_today(
    today: date, settle: int, current_end: date, lfl_end: date, through: date
) -> None:
    spec = mtd_spec(today, settle_days=settle)
    assert spec.current == Window(today.replace(day=1), current_end)
    assert spec.like_for_like == Window(spec.prev_month.start, lfl_end)
    assert spec.data_through == through


@pytest.mark.parametrize(
    ("today", "settle", "writes_mtd"),
    [
        (date(2026, 12, 1), 0, False),
        (date(2026, 12, 2), 0, True),
        (date(2026, 12, 2), 1, False),  # only 1 Dec, still loading: behaves like the 1st
        (date(2026, 12, 3), 1, True),
        (date(2026, 12, 4), 3, False),
        (date(2026, 12, 5), 3, True),
    ],
)
def test_a_day_with_an_empty_month_to_date_behaves_like_the_first(
    today: date, settle: int, writes_mtd: bool
) -> None:
    periods = [(s.period, s.is_mtd) for s in daily_specs(today, settle)]
    expected = [("2026-12", True)] if writes_mtd else []
    assert periods == [*expected, ("2026-11", False)]
    if not writes_mtd:
        with pytest.raises(ValueError, match="no month-to-date period"):
            mtd_spec(today, settle)


def test_complete_months_have_no_data_through() -> None:
    assert complete_month_spec(date(2026, 10, 1)).data_through is None


def test_mtd_yoy_is_the_whole_month_a_year_before() -> None:
    spec = mtd_spec(date(2027, 1, 15))
    assert spec.period == "2027-01"
    assert spec.yoy == Window(date(2026, 1, 1), date(2026, 2, 1))


def test_backfill_lists_complete_months_newest_first() -> None:
    assert [s.period for s in backfill_specs(date(2026, 2, 10), 3)] == [
        "2026-01",
        "2025-12",
        "2025-11",
    ]


def test_window_label_and_hours() -> None:
    window = Window(date(2028, 2, 1), date(2028, 2, 10))
    assert window.label == "2028-02"
    assert window.hours == 9 * 24
    assert window.hours_in_month == 29 * 24
    assert not window.is_whole_month


def test_window_may_not_cross_a_month_boundary() -> None:
    with pytest.raises(ValueError, match="crosses a month boundary"):
        Window(date(2026, 1, 15), date(2026, 2, 15))


@pytest.mark.parametrize("label", ["2026-1", "26-01", "2026/01", "2026-13", ""])
def test_parse_period_rejects_malformed_labels(label: str) -> None:
    with pytest.raises(ValueError):
        parse_period(label)
