"""Which windows a summary compares (contract §5), worked out from a date, never from a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dapanoskop.model import Window


def add_months(month_start: date, months: int) -> date:
    """The first day of the month `months` away from `month_start`'s month."""
    index = month_start.year * 12 + (month_start.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_window(month_start: date) -> Window:
    """The whole calendar month that starts at (or contains) `month_start`."""
    first = month_start.replace(day=1)
    return Window(first, add_months(first, 1))


def parse_period(label: str) -> date:
    """`YYYY-MM` -> first day of that month; raises ValueError on anything else."""
    year, sep, month = label.partition("-")
    if not (sep and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
        raise ValueError(f"period {label!r} is not of the form YYYY-MM")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class SummarySpec:
    """The windows one `summary.json` is built from."""

    period: str
    is_mtd: bool
    current: Window
    prev_month: Window
    yoy: Window
    like_for_like: Window | None = None

    @property
    def comparison(self) -> Window:
        """The window the current one is compared with for storage: M-1, or like-for-like."""
        return self.like_for_like or self.prev_month

    def windows(self) -> tuple[Window, ...]:
        """Every distinct window of this summary."""
        found = [self.current, self.prev_month, self.yoy]
        if self.like_for_like is not None:
            found.append(self.like_for_like)
        return tuple(dict.fromkeys(found))


def complete_month_spec(month_start: date) -> SummarySpec:
    """Summary of the complete month M: compares M with M-1 and M-12."""
    first = month_start.replace(day=1)
    return SummarySpec(
        period=month_window(first).label,
        is_mtd=False,
        current=month_window(first),
        prev_month=month_window(add_months(first, -1)),
        yoy=month_window(add_months(first, -12)),
    )


def mtd_spec(today: date) -> SummarySpec:
    """Month-to-date summary on day d > 1: [M-01, today) against M-1, M-12 and like-for-like.

    The like-for-like window covers the same number of days (d-1) from the start of M-1,
    cut at the end of M-1 when M-1 is shorter (e.g. 31 March against February).
    """
    if today.day == 1:
        raise ValueError("there is no month-to-date period on the first day of a month")
    first = today.replace(day=1)
    prev_first = add_months(first, -1)
    like_for_like_end = min(prev_first + timedelta(days=today.day - 1), first)
    return SummarySpec(
        period=month_window(first).label,
        is_mtd=True,
        current=Window(first, today),
        prev_month=month_window(prev_first),
        yoy=month_window(add_months(first, -12)),
        like_for_like=Window(prev_first, like_for_like_end),
    )


def daily_specs(today: date) -> list[SummarySpec]:
    """What a daily run writes: month-to-date M (not on the 1st) and the complete month M-1."""
    specs = [] if today.day == 1 else [mtd_spec(today)]
    specs.append(complete_month_spec(add_months(today.replace(day=1), -1)))
    return specs


def backfill_specs(today: date, months: int) -> list[SummarySpec]:
    """The `months` complete months before today's month, newest first."""
    first = today.replace(day=1)
    return [complete_month_spec(add_months(first, -n)) for n in range(1, months + 1)]
