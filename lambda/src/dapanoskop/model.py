"""The data that flows from the collector to the processor.

The collector turns Cost Explorer answers into these plain, immutable records (the App x
usage-type grouping, by far the largest, as exact columns: `UsageLines`, see
`dapanoskop.columns`); the processor turns them into the contract's files. Keeping the shape
here, in one place, is what lets both sides be tested on their own: processor tests build
records by hand, collector tests compare records with what the local Cost Explorer was loaded
with.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pyarrow as pa

from dapanoskop.columns import (
    AMOUNT,
    Columns,
    amounts,
    as_text,
    doubles,
    doubles_of,
    exact,
    finite,
    quantity_text,
    text,
)


class Grouping(StrEnum):
    """The three Cost Explorer groupings a summary is built from."""

    WORKLOAD_USAGE_TYPE = "workload_usage_type"  # TAG <tag key> x DIMENSION USAGE_TYPE
    WORKLOAD_COST_CENTER = "workload_cost_center"  # TAG <tag key> x COST_CATEGORY <name>
    SERVICE_USAGE_TYPE = "service_usage_type"  # DIMENSION SERVICE x DIMENSION USAGE_TYPE
    RECORD_TYPE_USAGE_TYPE = "record_type_usage_type"  # DIMENSION RECORD_TYPE x USAGE_TYPE
    LINKED_ACCOUNT = "linked_account"  # DIMENSION LINKED_ACCOUNT (names: DimensionValueAttributes)


class Status(StrEnum):
    """What Cost Explorer said about a window (contract §3 `period_status`)."""

    FINAL = "final"
    ESTIMATED = "estimated"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, order=True)
class Window:
    """A half-open date range [start, end) inside one calendar month.

    Every window the pipeline asks for is a whole month, a month-to-date range or the
    like-for-like range at the start of a month, so it never crosses a month boundary; that
    is what makes `hours_in_month` well defined for the GB-Mo to bytes conversion.
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after start {self.start}")
        if (self.end.year, self.end.month) != (self.start.year, self.start.month) and (
            self.end != _next_month_start(self.start)
        ):
            raise ValueError(f"window {self.start}..{self.end} crosses a month boundary")

    @property
    def label(self) -> str:
        """The `YYYY-MM` label of the month this window lies in."""
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def hours(self) -> int:
        return (self.end - self.start).days * 24

    @property
    def hours_in_month(self) -> int:
        return calendar.monthrange(self.start.year, self.start.month)[1] * 24

    @property
    def is_whole_month(self) -> bool:
        return self.start.day == 1 and self.end == _next_month_start(self.start)


def _next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class UsageLine:
    """Cost and usage of one (workload, usage type) in a window.

    `workload` is the raw tag value, "" when the cost carries no tag.
    """

    workload: str
    usage_type: str
    cost: Decimal
    quantity: Decimal
    unit: str
    # A source that knows them (a CUR 2.0 export) splits the line by service and account;
    # Cost Explorer cannot group by more than two dimensions and leaves them "".
    service: str = ""
    account_id: str = ""


USAGE_LINES_SCHEMA = pa.schema(
    [
        pa.field("workload", pa.string(), nullable=False),
        pa.field("usage_type", pa.string(), nullable=False),
        pa.field("cost", AMOUNT, nullable=False),
        # Exact as the decimal text Cost Explorer wrote: quantities are only ever added up when
        # two lines merge (rare), so they are not turned into decimals line by line.
        pa.field("quantity", pa.string(), nullable=False),
        pa.field("unit", pa.string(), nullable=False),
        pa.field("service", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        # What the files publish (contract §7 doubles): the nearest double of cost and
        # quantity, made once from the same decimal text (`doubles`), never added up.
        pa.field("cost_double", pa.float64(), nullable=False),
        pa.field("quantity_double", pa.float64(), nullable=False),
    ]
)
_LINE_FIELDS = USAGE_LINES_SCHEMA.names[:7]  # a UsageLine's fields, in order


class UsageLines(Columns["UsageLine"]):
    """The usage grouping of one window (every `UsageLine`), as USAGE_LINES_SCHEMA columns.

    A large account has ~60,000 lines a window; as columns they are parsed, summed, sorted
    and written without a Python object per line (`dapanoskop.processing.usage`), which is
    what makes a large run's processing fast and small.
    """

    __slots__ = ()

    def __init__(self, table: pa.Table) -> None:
        if table.schema != USAGE_LINES_SCHEMA:
            raise ValueError(f"usage lines need the columns {USAGE_LINES_SCHEMA.names}")
        super().__init__(table)

    @classmethod
    def from_columns(
        cls,
        workload: pa.Array | Sequence[str],
        usage_type: pa.Array | Sequence[str],
        cost: pa.Array | Sequence[str] | Sequence[Decimal],
        quantity: pa.Array | Sequence[str] | Sequence[Decimal],
        unit: pa.Array | Sequence[str],
        service: pa.Array | Sequence[str] | None = None,
        account_id: pa.Array | Sequence[str] | None = None,
    ) -> UsageLines:
        """Lines from their columns; amounts as decimal strings, Decimals or AMOUNT arrays.
        Without service and account (Cost Explorer cannot give them) both are ""."""
        blank = pa.repeat("", len(workload))
        cost, quantity = as_text(cost), quantity_text(quantity)
        exact_cost = amounts(cost)
        columns = [
            text(workload),
            text(usage_type),
            exact_cost,
            quantity,
            text(unit),
            blank if service is None else text(service),
            blank if account_id is None else text(account_id),
            doubles_of(cost, exact_cost),
            finite(doubles(quantity)),
        ]
        return cls(pa.Table.from_arrays(columns, schema=USAGE_LINES_SCHEMA))

    @classmethod
    def from_lines(cls, lines: Iterable[UsageLine]) -> UsageLines:
        lines = list(lines)
        return cls.from_columns(*([getattr(line, name) for line in lines] for name in _LINE_FIELDS))

    def _record(self, values: Sequence[Any]) -> UsageLine:
        workload, usage_type, cost, quantity, unit, service, account = values[: len(_LINE_FIELDS)]
        return UsageLine(
            workload, usage_type, exact(cost), exact(Decimal(quantity)), unit, service, account
        )


@dataclass(frozen=True, slots=True)
class CostCenterLine:
    """Cost of one (workload, cost center) in a window.

    `workload` is the raw tag value ("" = untagged); `cost_center` the raw cost category
    value ("" when the category does not cover the cost).
    """

    workload: str
    cost_center: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Cost and usage of one (service, usage type) in a window: storage is scoped by service."""

    service: str
    usage_type: str
    cost: Decimal
    quantity: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """Cost of one (record type, usage type) in a window: what kind of charge a usage type is.

    Cost Explorer's RECORD_TYPE ("charge type" in the console: `Usage`, `Tax`, `Credit`,
    `Refund`, `Fee`, `RIFee`, `SavingsPlanRecurringFee`, ...) says whether a cost pays for usage
    or is a tax, credit, refund or fee, whatever its usage type is called. Categories and
    tagging coverage are decided from it (contract §3.4, §4).
    """

    record_type: str
    usage_type: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class AccountLine:
    """Cost of one linked account in a window; `name` as the source knows it ("" if not)."""

    account_id: str
    name: str
    cost: Decimal


@dataclass(frozen=True)
class WindowData:
    """Everything collected for one window; a grouping not asked for is None.

    `usage` may be given as a sequence of UsageLine (records built by hand or by a source
    that has them one by one); it is kept as UsageLines.
    """

    window: Window
    status: Status
    usage: UsageLines | None = None
    cost_centers: tuple[CostCenterLine, ...] | None = None
    services: tuple[ServiceLine, ...] | None = None
    charges: tuple[ChargeLine, ...] | None = None
    accounts: tuple[AccountLine, ...] | None = None

    def __post_init__(self) -> None:
        if self.usage is not None and not isinstance(self.usage, UsageLines):
            object.__setattr__(self, "usage", UsageLines.from_lines(self.usage))

    @property
    def has_cost(self) -> bool:
        """True when Cost Explorer reported any line at all for this window."""
        return any(
            lines
            for lines in (
                self.usage,
                self.cost_centers,
                self.services,
                self.charges,
                self.accounts,
            )
            if lines is not None
        )


class SplitMethod(StrEnum):
    """How a split-charge rule shares its source's cost (Cost Explorer's enum values)."""

    PROPORTIONAL = "PROPORTIONAL"
    EVEN = "EVEN"
    FIXED = "FIXED"


@dataclass(frozen=True)
class SplitChargeRule:
    """One of a cost category's `SplitChargeRules`, as in effect in a month.

    `source` and `targets` are raw cost category values ("" = uncategorized cost);
    `percentages` are the FIXED method's allocation percentages, one per target, else empty.
    """

    source: str
    targets: tuple[str, ...]
    method: SplitMethod
    percentages: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class StorageLensReading:
    """Bytes and objects stored in S3, organization-wide, per S3 Storage Lens on one day."""

    total_bytes: int
    object_count: int
    day: date
    config_id: str


# Where each grouping's lines live in WindowData, and their record type: the one table that
# lets a grouping be stored and read back (formats.window_lines_parquet_bytes) without a
# second list of groupings to keep in step.
LINES_OF: dict[Grouping, tuple[str, type]] = {
    Grouping.WORKLOAD_USAGE_TYPE: ("usage", UsageLine),
    Grouping.WORKLOAD_COST_CENTER: ("cost_centers", CostCenterLine),
    Grouping.SERVICE_USAGE_TYPE: ("services", ServiceLine),
    Grouping.RECORD_TYPE_USAGE_TYPE: ("charges", ChargeLine),
    Grouping.LINKED_ACCOUNT: ("accounts", AccountLine),
}
