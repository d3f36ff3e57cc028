"""The numbers the report shows that summary.json does not hold directly.

Pure functions over parsed records, exact `Decimal` arithmetic, no formatting: rounding
happens only when a number is turned into text (render.py). Everything a reader could check by
hand (changes, movers, averages, storage-class volumes) is computed here so it can be tested
with hand-computed values.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dapanoskop.categories import Category, is_hot_usage_type, storage_service
from dapanoskop.model import Status
from dapanoskop.periods import add_months, parse_period
from dapanoskop.report.records import CostCenter, Summary, UsageTypeRow, Workload

HUNDRED = Decimal(100)
CATEGORY_ORDER = (Category.STORAGE, Category.COMPUTE, Category.SUPPORT, Category.OTHER)


@dataclass(frozen=True)
class Change:
    """Current against a baseline. `pct` is None when there is nothing to divide by.

    `available` is False when the baseline period had no data (contract `unavailable`): then
    neither the amount nor the percentage means anything and the page says so.
    """

    amount: Decimal | None
    pct: Decimal | None
    available: bool = True


UNAVAILABLE = Change(amount=None, pct=None, available=False)


def change(current: Decimal, baseline: Decimal | None, status: Status = Status.FINAL) -> Change:
    """`current - baseline` and the change in percent of the baseline's size.

    The percentage divides by |baseline| so that its sign always says "went up" or "went
    down", also when the baseline is negative (a month dominated by credits).
    """
    if baseline is None or status is Status.UNAVAILABLE:
        return UNAVAILABLE
    amount = current - baseline
    pct = None if baseline == 0 else amount / abs(baseline) * HUNDRED
    return Change(amount=amount, pct=pct)


def point_change(current: Decimal, baseline: Decimal | None) -> Change:
    """Change of a percentage (e.g. hot-tier share) in percentage points, never in percent."""
    if baseline is None:
        return UNAVAILABLE
    return Change(amount=current - baseline, pct=None)


# ---------------------------------------------------------------- headline


@dataclass(frozen=True)
class Headline:
    """The totals at the top of a period, with what they are compared with.

    For a month-to-date period "month over month" is the like-for-like window (the same days
    of the previous month), and "year over year" compares the forecast with last year's whole
    month, because a partial month against a whole one would always look like a drop.
    """

    current: Decimal
    mom_baseline: Decimal | None
    mom: Change
    yoy_baseline: Decimal
    yoy: Change
    forecast: Decimal | None
    forecast_baseline: Decimal | None
    forecast_pct: Decimal | None


def headline(summary: Summary) -> Headline:
    totals = summary.totals
    prev_status = summary.status_of("prev_month")
    yoy_status = summary.status_of("yoy")
    if summary.is_mtd:
        mom_baseline = totals.mtd_prior_partial
        yoy = (
            change(totals.forecast, totals.yoy, yoy_status)
            if totals.forecast is not None
            else UNAVAILABLE
        )
    else:
        mom_baseline = totals.prev_month
        yoy = change(totals.current, totals.yoy, yoy_status)
    return Headline(
        current=totals.current,
        mom_baseline=mom_baseline,
        mom=change(totals.current, mom_baseline, prev_status),
        yoy_baseline=totals.yoy,
        yoy=yoy,
        forecast=totals.forecast,
        forecast_baseline=totals.prev_complete,
        forecast_pct=totals.forecast_delta_pct,
    )


# ---------------------------------------------------------------- cost centers and movers


@dataclass(frozen=True)
class CostRow:
    """One line of the cost-center table: a cost center or one of its workloads."""

    name: str
    current: Decimal
    mom_baseline: Decimal | None
    mom: Change
    yoy_baseline: Decimal
    yoy: Change
    workloads: tuple[CostRow, ...] = ()
    is_split_charge: bool = False  # a split-charge source: its cost is allocated to others
    split_in: Decimal | None = None  # split charges received this period
    split_out: Decimal | None = None  # split charges given away this period


def cost_rows(summary: Summary) -> tuple[CostRow, ...]:
    """Cost centers with their workloads, in the summary's order (cost descending).

    Month-to-date rows compare with the like-for-like window; their year-over-year change is
    left out (a partial month against last year's whole month says nothing).
    """
    prev_status = summary.status_of("prev_month")
    yoy_status = Status.UNAVAILABLE if summary.is_mtd else summary.status_of("yoy")

    def row(item: CostCenter | Workload, workloads: tuple[CostRow, ...] = ()) -> CostRow:
        baseline = _prior_partial(item) if summary.is_mtd else item.prev_month
        return CostRow(
            name=item.name,
            current=item.current,
            mom_baseline=baseline,
            mom=change(item.current, baseline, prev_status),
            yoy_baseline=item.yoy,
            yoy=change(item.current, item.yoy, yoy_status),
            workloads=workloads,
            **(_split(item) if isinstance(item, CostCenter) else {}),
        )

    return tuple(
        row(center, tuple(row(workload) for workload in center.workloads))
        for center in summary.cost_centers
    )


@dataclass(frozen=True)
class AccountRow:
    """One line of the account table: name (or id), id, cost, and its changes."""

    name: str
    id: str
    current: Decimal
    prev_month: Decimal
    mom: Change
    yoy_baseline: Decimal
    yoy: Change


def account_rows(summary: Summary) -> tuple[AccountRow, ...] | None:
    """The summary's linked accounts in its order; None when it lists none.

    Month to date, accounts have no like-for-like figure, so no change is shown against the
    previous whole month (it would mislead).
    """
    if summary.accounts is None:
        return None
    prev_status = Status.UNAVAILABLE if summary.is_mtd else summary.status_of("prev_month")
    yoy_status = Status.UNAVAILABLE if summary.is_mtd else summary.status_of("yoy")
    return tuple(
        AccountRow(
            name=account.name or account.id,
            id=account.id,
            current=account.current,
            prev_month=account.prev_month,
            mom=change(account.current, account.prev_month, prev_status),
            yoy_baseline=account.yoy,
            yoy=change(account.current, account.yoy, yoy_status),
        )
        for account in summary.accounts
    )


def _split(center: CostCenter) -> dict[str, Any]:
    return {
        "is_split_charge": center.is_split_charge,
        "split_in": center.split_in,
        "split_out": center.split_out,
    }


def _prior_partial(item: CostCenter | Workload) -> Decimal:
    """A workload missing from mtd_comparison had no cost in the like-for-like window."""
    return item.prior_partial if item.prior_partial is not None else Decimal(0)


@dataclass(frozen=True)
class Mover:
    cost_center: str
    workload: str
    baseline: Decimal
    current: Decimal
    delta: Decimal
    pct: Decimal | None


def movers(rows: Sequence[CostRow], limit: int = 5) -> tuple[list[Mover], list[Mover]]:
    """The workloads with the largest increase and the largest decrease, in dollars.

    A workload is taken per cost center, as the table lists it, so a mover can be found in
    the table. Ties are broken by cost center and workload name to keep the output stable.
    Nothing moves when the baseline is unavailable.
    """
    found = [
        Mover(
            cost_center=center.name,
            workload=workload.name,
            baseline=workload.mom_baseline,
            current=workload.current,
            delta=workload.mom.amount,
            pct=workload.mom.pct,
        )
        for center in rows
        for workload in center.workloads
        if workload.mom.amount is not None and workload.mom_baseline is not None
    ]
    ups = sorted(
        (m for m in found if m.delta > 0), key=lambda m: (-m.delta, m.cost_center, m.workload)
    )
    downs = sorted(
        (m for m in found if m.delta < 0), key=lambda m: (m.delta, m.cost_center, m.workload)
    )
    return ups[:limit], downs[:limit]


# ---------------------------------------------------------------- trend


def trailing_average(totals: Mapping[str, Decimal], window: int = 3) -> dict[str, Decimal]:
    """Average of each month and the `window - 1` calendar months before it.

    Only where all of those months are present: a gap (or a month that is still in progress,
    which the caller leaves out) would make the average jump for no real reason.
    """
    averages = {}
    for period in sorted(totals):
        first = parse_period(period)
        months = [_label(add_months(first, -back)) for back in range(window)]
        if all(month in totals for month in months):
            averages[period] = sum((totals[m] for m in months), Decimal(0)) / window
    return averages


@dataclass(frozen=True)
class TrendPoint:
    period: str
    is_mtd: bool
    total: Decimal
    by_series: tuple[Decimal, ...]  # aligned with Trend.series
    average: Decimal | None
    forecast: Decimal | None


@dataclass(frozen=True)
class Trend:
    series: tuple[str, ...]  # cost center names, biggest first; maybe a final "others" bucket
    points: tuple[TrendPoint, ...]  # oldest first


OTHERS_LABEL = "All other cost centers"


def trend(summaries: Iterable[Summary], max_series: int = 6) -> Trend:
    """Monthly cost by cost center over every period, with the 3-month average.

    Cost centers are ranked by their cost over all periods; beyond `max_series` - 1 they are
    added up into one bucket, because more than about six patterns cannot be told apart.
    Month-to-date periods are shown but left out of the average.
    """
    ordered = sorted(summaries, key=lambda s: s.period)
    overall: dict[str, Decimal] = defaultdict(Decimal)
    for summary in ordered:
        for center in summary.cost_centers:
            overall[center.name] += center.current
    ranked = sorted(overall, key=lambda name: (-overall[name], name))
    if len(ranked) > max_series:
        kept, series = ranked[: max_series - 1], (*ranked[: max_series - 1], OTHERS_LABEL)
    else:
        kept, series = ranked, tuple(ranked)
    complete = {
        s.period: s.totals.current
        for s in ordered
        if not s.is_mtd and s.status_of("current") is not Status.UNAVAILABLE
    }
    averages = trailing_average(complete)
    points = []
    for summary in ordered:
        by_name = {center.name: center.current for center in summary.cost_centers}
        values = [by_name.get(name, Decimal(0)) for name in kept]
        if len(series) > len(kept):
            values.append(sum((v for n, v in by_name.items() if n not in kept), Decimal(0)))
        points.append(
            TrendPoint(
                period=summary.period,
                is_mtd=summary.is_mtd,
                total=summary.totals.current,
                by_series=tuple(values),
                average=averages.get(summary.period),
                forecast=summary.totals.forecast if summary.is_mtd else None,
            )
        )
    return Trend(series=series, points=tuple(points))


# ---------------------------------------------------------------- categories


@dataclass(frozen=True)
class CategoryShare:
    category: str
    cost: Decimal
    share_pct: Decimal | None  # of the period's total; None when the total is not positive
    change: Change


def category_split(
    rows: Iterable[UsageTypeRow], period: str, baseline_period: str | None
) -> list[CategoryShare]:
    """Storage / Compute / Support / Other cost of `period`, each against `baseline_period`.

    All four categories are always listed, in that order, so periods line up when switching.
    `baseline_period` None means "no comparison" (a month-to-date period, whose previous
    month in the file is the whole month, not the like-for-like window).
    """
    current: dict[str, Decimal] = defaultdict(Decimal)
    baseline: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.period == period:
            current[row.category] += row.cost
        elif baseline_period is not None and row.period == baseline_period:
            baseline[row.category] += row.cost
    total = sum(current.values(), Decimal(0))
    names = [str(c) for c in CATEGORY_ORDER]
    names += sorted(set(current) - set(names))  # a category this version does not know
    return [
        CategoryShare(
            category=name,
            cost=current[name],
            share_pct=current[name] / total * HUNDRED if total > 0 else None,
            change=(
                change(current[name], baseline[name])
                if baseline_period is not None
                else UNAVAILABLE
            ),
        )
        for name in names
    ]


# ---------------------------------------------------------------- storage


@dataclass(frozen=True)
class StorageChanges:
    cost: Change
    volume: Change
    cost_per_tib: Change
    hot_share: Change  # in percentage points


def storage_changes(summary: Summary) -> StorageChanges:
    s = summary.storage
    status = summary.status_of("prev_month")
    volume_baseline = None if s.prev_volume_bytes is None else Decimal(s.prev_volume_bytes)
    return StorageChanges(
        cost=change(s.cost, s.prev_cost, status),
        volume=change(Decimal(s.volume_bytes), volume_baseline, status),
        cost_per_tib=change(s.cost_per_tib, s.prev_cost_per_tib, status),
        hot_share=point_change(s.hot_pct, s.prev_hot_pct),
    )


@dataclass(frozen=True)
class StorageClassVolume:
    service: str
    usage_type: str  # without region prefix: classes are added up over regions
    name: str
    is_hot: bool
    avg_bytes: Decimal
    share_pct: Decimal
    change: Change


def days_in(period: str) -> int:
    first = parse_period(period)
    return calendar.monthrange(first.year, first.month)[1]


def elapsed_days(summary: Summary) -> int:
    """Days the current window covers: the whole month, or month start through data_through.

    Schema 1 month-to-date summaries have no data_through; their window ended on the day of
    the run, taken from `collected_at` (the same clock the pipeline used to choose it).
    """
    days = days_in(summary.period)
    if not summary.is_mtd:
        return days
    start = parse_period(summary.period)
    if summary.data_through is not None:
        return min(max((summary.data_through - start).days + 1, 1), days)
    return min(max((summary.collected_at.date() - start).days, 1), days)


def storage_class_volumes(summary: Summary) -> list[StorageClassVolume] | None:
    """Average bytes per storage class from summary.json, in its order (biggest first).

    The summary scopes them by service exactly like `storage_metrics` (S3 Standard and EFS
    Standard share a usage type but are two classes), so their volumes add up to the total
    shown above them. None for a schema 1 summary, which has no `storage_classes`.
    """
    if summary.storage_classes is None:
        return None
    total = sum((Decimal(c.avg_bytes) for c in summary.storage_classes), Decimal(0))
    status = summary.status_of("prev_month")
    found = []
    for entry in summary.storage_classes:
        kind = storage_service(entry.service, entry.usage_type)
        found.append(
            StorageClassVolume(
                service=entry.service,
                usage_type=entry.usage_type,
                name=entry.name,
                is_hot=kind is not None and is_hot_usage_type(kind, entry.usage_type),
                avg_bytes=Decimal(entry.avg_bytes),
                share_pct=Decimal(entry.avg_bytes) / total * HUNDRED if total > 0 else Decimal(0),
                change=change(Decimal(entry.avg_bytes), Decimal(entry.prev_avg_bytes), status),
            )
        )
    return found


# ---------------------------------------------------------------- tagging


@dataclass(frozen=True)
class TaggingPoint:
    period: str
    tagged_pct: Decimal
    is_mtd: bool


def tagging_trend(summaries: Iterable[Summary]) -> list[TaggingPoint]:
    """Tagged share of cost per period, oldest first."""
    return [
        TaggingPoint(s.period, s.tagging.tagged_pct, s.is_mtd)
        for s in sorted(summaries, key=lambda s: s.period)
    ]


def tagging_change(summary: Summary, previous: Summary | None) -> Change:
    """Tagged share against the previous month's summary, in percentage points."""
    if previous is None:
        return UNAVAILABLE
    return point_change(summary.tagging.tagged_pct, previous.tagging.tagged_pct)


def previous_month(period: str) -> str:
    return _label(add_months(parse_period(period), -1))


def _label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"
