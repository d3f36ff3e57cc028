"""The line items, aggregated once so that a query costs what its answer costs.

Every query reads *rows*: the sums of one *profile* on one day, or over one calendar month. A
profile is everything a line item says besides its day and numbers (account, service, usage type,
unit, record type, region, tags, cost categories); those are all that filtering and grouping look
at. Items sharing a day and a profile are summed while the table is built; a month's rows are
summed from its days the first time a query covers all of that month's data. A query then
filters and groups each distinct profile once and adds up rows, never scanning raw items.

Metrics. Every cost metric of a line item is `LineItem.metric(name)` (its `amounts` entry, else
`amount`). `UsageQuantity` is the sum of `quantity`; `NormalizedUsageAmount` is an `amounts`
entry of that name, else `quantity` (it is a usage figure, not a cost). To keep rows small a row
stores `amount` and `quantity` sums plus, only for items that carry `amounts`, each metric's
difference from its base, which adds up to exactly the same totals.

All sums run in `EXACT`, a decimal context that raises instead of rounding, so an answer is
either exact or an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from decimal import localcontext as _localcontext

from dapanoskop.localce.ledger import LineItem
from dapanoskop.periods import add_months

EXACT = Context(prec=120, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])

COST_METRICS: tuple[str, ...] = (
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "UnblendedCost",
    "BilledCost",
    "ContractedCost",
    "ListCost",
    "PublicEquivalentBilledCost",
    "PublicOnDemandCost",
)
USAGE_METRICS: tuple[str, ...] = ("UsageQuantity", "NormalizedUsageAmount")
METRICS: frozenset[str] = frozenset(COST_METRICS + USAGE_METRICS)

CURRENCY = "USD"
MIXED_UNITS = "N/A"

# Cost Explorer dimension name -> Profile attribute. These are the dimensions the table can
# answer for; others exist in the service but line items do not carry them.
DIMENSION_FIELDS: Mapping[str, str] = {
    "LINKED_ACCOUNT": "account",
    "SERVICE": "service",
    "USAGE_TYPE": "usage_type",
    "RECORD_TYPE": "record_type",
    "REGION": "region",
}

_ZERO = Decimal(0)


def exact_arithmetic() -> AbstractContextManager[Context]:
    """A `with` block in which Decimal arithmetic raises rather than rounds."""
    return _localcontext(EXACT)


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """What grouping and filtering see of a line item: all but its day and its numbers."""

    account: str
    service: str
    usage_type: str
    unit: str
    record_type: str
    region: str
    tags: Mapping[str, str]
    cost_categories: Mapping[str, str]

    def dimension(self, name: str) -> str:
        """The value of a Cost Explorer dimension (one of `DIMENSION_FIELDS`)."""
        return getattr(self, DIMENSION_FIELDS[name])


class Sums:
    """Running totals of a row or a group: exact Decimals and the unit its usage is in.

    `unit` is None while nothing was added, the common unit while all additions share one,
    and `MIXED_UNITS` once they do not (Cost Explorer then reports usage as "N/A").
    """

    __slots__ = ("amount", "extras", "quantity", "unit")

    def __init__(self, unit: str | None = None) -> None:
        self.amount = _ZERO
        self.quantity = _ZERO
        self.extras: dict[str, Decimal] | None = None
        self.unit = unit

    def add_item(self, item: LineItem) -> None:
        """Add one line item (same profile, so the unit is already right)."""
        self.amount += item.amount
        self.quantity += item.quantity
        if item.amounts:
            if self.extras is None:
                self.extras = {}
            for name, value in item.amounts.items():
                base = item.quantity if name in USAGE_METRICS else item.amount
                self.extras[name] = self.extras.get(name, _ZERO) + (value - base)

    def add(self, other: Sums) -> None:
        """Add another row's or group's totals."""
        self.amount += other.amount
        self.quantity += other.quantity
        if other.extras:
            if self.extras is None:
                self.extras = {}
            for name, value in other.extras.items():
                self.extras[name] = self.extras.get(name, _ZERO) + value
        if other.unit is not None and other.unit != self.unit:
            self.unit = other.unit if self.unit is None else MIXED_UNITS

    def metric(self, name: str) -> Decimal:
        """The total of one metric."""
        base = self.quantity if name in USAGE_METRICS else self.amount
        if self.extras:
            return base + self.extras.get(name, _ZERO)
        return base

    def unit_of(self, name: str) -> str:
        """The unit Cost Explorer reports a metric in: USD for costs, else the usage unit."""
        if name not in USAGE_METRICS:
            return CURRENCY
        return self.unit if self.unit is not None else MIXED_UNITS


def _profile_key(item: LineItem) -> tuple:
    tags = tuple(sorted(item.tags.items())) if item.tags else ()
    categories = tuple(sorted(item.cost_categories.items())) if item.cost_categories else ()
    return (
        item.account,
        item.service,
        item.usage_type,
        item.unit,
        item.record_type,
        item.region,
        tags,
        categories,
    )


class CostTable:
    """Line items summed per (day, profile), with month sums built on first use."""

    def __init__(self, items: Iterable[LineItem]) -> None:
        self.profiles: list[Profile] = []
        ids: dict[tuple, int] = {}
        days: dict[date, dict[int, Sums]] = {}
        with exact_arithmetic():
            for item in items:
                key = _profile_key(item)
                profile_id = ids.get(key)
                if profile_id is None:
                    profile_id = ids[key] = len(self.profiles)
                    self.profiles.append(Profile(*key[:6], dict(key[6]), dict(key[7])))
                rows = days.get(item.day)
                if rows is None:
                    rows = days[item.day] = {}
                row = rows.get(profile_id)
                if row is None:
                    row = rows[profile_id] = Sums(item.unit)
                row.add_item(item)
        self._days = days
        self._month_days: dict[date, list[date]] = {}
        for day in sorted(days):
            self._month_days.setdefault(day.replace(day=1), []).append(day)
        self._months: dict[date, dict[int, Sums]] = {}

    def cost_category_names(self) -> list[str]:
        """Every cost-category name some line item carries, sorted."""
        return sorted({name for p in self.profiles for name in p.cost_categories})

    def days_with_data(self, start: date, end: date) -> list[date]:
        """The days in [start, end) that have at least one line item, in order."""
        return [day for day in sorted(self._days) if start <= day < end]

    def day_rows(self, day: date) -> Mapping[int, Sums]:
        """One day's rows (profile id -> sums); empty when the day has no items."""
        return self._days.get(day, {})

    def rows(self, start: date, end: date) -> Iterator[tuple[int, Sums]]:
        """All rows covering [start, end), using a month's sums where they are exact.

        Rows of one profile may come several times (once per day outside whole months).
        """
        month = start.replace(day=1)
        while month < end:
            next_month = add_months(month, 1)
            lower, upper = max(start, month), min(end, next_month)
            data_days = self._month_days.get(month, [])
            if data_days and all(lower <= day < upper for day in data_days):
                yield from self._month(month).items()
            else:
                for day in data_days:
                    if lower <= day < upper:
                        yield from self._days[day].items()
            month = next_month

    def _month(self, month: date) -> dict[int, Sums]:
        rows = self._months.get(month)
        if rows is None:
            rows = {}
            with exact_arithmetic():
                for day in self._month_days.get(month, []):
                    for profile_id, row in self._days[day].items():
                        total = rows.get(profile_id)
                        if total is None:
                            total = rows[profile_id] = Sums()
                        total.add(row)
            self._months[month] = rows
        return rows


def iter_days(start: date, end: date) -> Iterator[date]:
    """Each day of [start, end)."""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)
