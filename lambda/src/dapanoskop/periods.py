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

    @property
    def data_through(self) -> date | None:
        """Month-to-date: the last day the current window includes; None for a whole month."""
        return self.current.end - timedelta(days=1) if self.is_mtd else None

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


# Days at the end of the month to date that are left out because Cost Explorer is still
# loading them ("AWS billing information updates up to three times daily": a day is complete
# about a day later). Default of MTD_SETTLE_DAYS; see README "Complete days".
DEFAULT_SETTLE_DAYS = 1


def mtd_end(today: date, settle_days: int = DEFAULT_SETTLE_DAYS) -> date:
    """The exclusive end of the month-to-date window: `today - settle_days`."""
    return today - timedelta(days=settle_days)


def has_mtd(today: date, settle_days: int = DEFAULT_SETTLE_DAYS) -> bool:
    """False when the month-to-date window would be empty: the day behaves like the 1st."""
    return mtd_end(today, settle_days) > today.replace(day=1)


def mtd_spec(today: date, settle_days: int = DEFAULT_SETTLE_DAYS) -> SummarySpec:
    """Month-to-date summary: [M-01, today - settle_days) against M-1, M-12 and like-for-like.

    The like-for-like window covers the same number of days from the start of M-1, cut at the
    end of M-1 when M-1 is shorter (e.g. 31 March against February).
    """
    if not has_mtd(today, settle_days):
        raise ValueError(
            f"there is no month-to-date period on {today} with {settle_days} settle days"
        )
    first = today.replace(day=1)
    end = mtd_end(today, settle_days)
    prev_first = add_months(first, -1)
    like_for_like_end = min(prev_first + (end - first), first)
    return SummarySpec(
        period=month_window(first).label,
        is_mtd=True,
        current=Window(first, end),
        prev_month=month_window(prev_first),
        yoy=month_window(add_months(first, -12)),
        like_for_like=Window(prev_first, like_for_like_end),
    )


def daily_specs(today: date, settle_days: int = DEFAULT_SETTLE_DAYS) -> list[SummarySpec]:
    """What a daily run writes: month-to-date M (when it has a complete day) and month M-1."""
    specs = [mtd_spec(today, settle_days)] if has_mtd(today, settle_days) else []
    specs.append(complete_month_spec(add_months(today.replace(day=1), -1)))
    return specs


def backfill_specs(today: date, months: int) -> list[SummarySpec]:
    """The `months` complete months before today's month, newest first."""
    first = today.replace(day=1)
    return [complete_month_spec(add_months(first, -n)) for n in range(1, months + 1)]
