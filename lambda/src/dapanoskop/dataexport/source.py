"""Collect from a CUR 2.0 export: the same `dict[Window, WindowData]` the Cost Explorer collector
returns, so nothing after collection learns where the data came from.

* Which grouping each window gets is the Cost Explorer collector's plan (`plan_windows`), so
  the processor sees the same groupings present or absent for every window.
* A window is `unavailable` when the export holds no billing period for its month; otherwise
  `final` when none of the period's line items has a blank `bill_invoice_id` (AWS: "Until the
  report is final, the InvoiceId is blank"), else `estimated`.
* One query answers every window and grouping (`sql.build_sql`), over only the billing periods
  the windows lie in and only the columns it names.
"""

from __future__ import annotations

import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from dapanoskop.collector import CollectionConfig, plan_windows
from dapanoskop.dataexport.location import DataFile, ExportLocation
from dapanoskop.dataexport.metrics import metric
from dapanoskop.dataexport.sql import (
    KEYS,
    GroupingSet,
    Query,
    QueryWindow,
    sets_by_mask,
)
from dapanoskop.model import (
    AccountLine,
    ChargeLine,
    CostCenterLine,
    Grouping,
    ServiceLine,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.periods import SummarySpec

logger = logging.getLogger(__name__)

# Each Cost Explorer grouping, the grouping set that answers it and its WindowData field.
_GROUPING_SETS = {
    Grouping.WORKLOAD_USAGE_TYPE: GroupingSet.USAGE,
    Grouping.WORKLOAD_COST_CENTER: GroupingSet.COST_CENTERS,
    Grouping.SERVICE_USAGE_TYPE: GroupingSet.SERVICES,
    Grouping.RECORD_TYPE_USAGE_TYPE: GroupingSet.CHARGES,
    Grouping.LINKED_ACCOUNT: GroupingSet.ACCOUNTS,
}
_FIELDS = {
    Grouping.WORKLOAD_USAGE_TYPE: "usage",
    Grouping.WORKLOAD_COST_CENTER: "cost_centers",
    Grouping.SERVICE_USAGE_TYPE: "services",
    Grouping.RECORD_TYPE_USAGE_TYPE: "charges",
    Grouping.LINKED_ACCOUNT: "accounts",
}


class Engine(Protocol):
    """What the source needs from an engine (embedded DuckDB or Athena)."""

    def rows(
        self, query: Query, files: Sequence[DataFile], columns: Sequence[str]
    ) -> Iterable[tuple]: ...

    def cost_category_keys(self, period: str, files: Sequence[DataFile]) -> list[str]: ...


@dataclass
class ExportCollection:
    """What a run collected, and what it cost to read."""

    data: dict[Window, WindowData]
    cost_category_name: str | None
    billing_periods_read: list[str] = field(default_factory=list)
    files_read: int = 0
    engine: str = ""

    @property
    def collection(self) -> dict[str, Any]:
        """The summary's `collection` entries of this source (beside `ce_requests`: 0)."""
        return {
            "source": "data-export",
            "engine": self.engine,
            "billing_periods_read": list(self.billing_periods_read),
            "files_read": self.files_read,
        }


def resolve_cost_category(
    engine: Engine, location: ExportLocation, configured: str | None, newest: str | None
) -> str | None:
    """Like the Cost Explorer collector: a configured name wins; else the export's only one."""
    if configured is not None or newest is None:
        return configured
    names = engine.cost_category_keys(newest, location.data_files(newest))
    if len(names) == 1:
        logger.info("using the export's only cost category name=%s", names[0])
        return names[0]
    logger.warning(
        "no cost category chosen; set COST_CATEGORY_NAME names=%s", ",".join(names) or "-"
    )
    return None


def collect_export(
    engine: Engine,
    location: ExportLocation,
    specs: Sequence[SummarySpec],
    config: CollectionConfig,
    columns_of: Any,
) -> ExportCollection:
    """Every window `specs` need, from the export; `columns_of(query)` names the columns read."""
    available = set(location.periods())
    newest = max(specs, key=lambda s: s.current.start)
    cost_category = resolve_cost_category(
        engine,
        location,
        config.cost_category_name,
        newest.current.label if newest.current.label in available else None,
    )
    plan = plan_windows(specs, cost_category is not None, include_accounts=config.include_accounts)
    windows = sorted({w for ws in plan.values() for w in ws})
    readable = [w for w in windows if w.label in available]
    periods = sorted({w.label for w in readable})
    result = ExportCollection({}, cost_category, periods, engine=getattr(engine, "name", ""))
    if readable:
        query = Query(
            windows=tuple(QueryWindow(i, w.start, w.end) for i, w in enumerate(readable)),
            billing_periods=tuple(periods),
            metric=metric(config.cost_metric),
            tag_key=config.workload_tag_key,
            cost_category=cost_category,
            sets=(
                *(_GROUPING_SETS[g] for g in _GROUPING_SETS if g in plan),
                GroupingSet.BILLING_PERIOD,
            ),
        )
        files = [f for period in periods for f in location.data_files(period)]
        result.files_read = len(files)
        lines, unfinalized = _parse(
            engine.rows(query, files, columns_of(query)), readable, sets_by_mask(query.sets)
        )
    else:
        lines, unfinalized = {}, {}
    for window in windows:
        if window.label not in available:
            result.data[window] = WindowData(window, Status.UNAVAILABLE)
            continue
        status = Status.ESTIMATED if unfinalized.get(window.label, 0) else Status.FINAL
        parts = {
            _FIELDS[grouping]: tuple(lines.get((window, _GROUPING_SETS[grouping]), ()))
            for grouping in _GROUPING_SETS
            if window in plan.get(grouping, ())
        }
        result.data[window] = WindowData(window=window, status=status, **parts)
    return result


_INDEX = {name: i for i, name in enumerate((*KEYS, "grouping_mask"))}
_ACCOUNT_NAME, _COST, _QUANTITY, _UNIT, _UNFINALIZED = range(len(_INDEX), len(_INDEX) + 5)


def _parse(
    rows: Iterable[tuple], windows: Sequence[Window], set_of_mask: dict[int, GroupingSet]
) -> tuple[dict[tuple[Window, GroupingSet], list[Any]], dict[str, int]]:
    """Rows -> records per (window, set), and the count of blank invoice ids per period."""
    lines: dict[tuple[Window, GroupingSet], list[Any]] = defaultdict(list)
    unfinalized: dict[str, int] = {}
    for row in rows:
        grouping_set = set_of_mask[row[_INDEX["grouping_mask"]]]
        if grouping_set is GroupingSet.BILLING_PERIOD:
            unfinalized[row[_INDEX["billing_period"]]] = int(row[_UNFINALIZED])
            continue
        window_id = row[_INDEX["window_id"]]
        if window_id is None:
            continue  # line items outside every window
        record = _record(grouping_set, row)
        if record is not None:
            lines[(windows[window_id], grouping_set)].append(record)
    return lines, unfinalized


def _text(row: tuple, key: str) -> str:
    return sys.intern(row[_INDEX[key]])


def _record(grouping_set: GroupingSet, row: tuple) -> Any:
    cost: Decimal = row[_COST]
    quantity: Decimal = row[_QUANTITY]
    if grouping_set is GroupingSet.USAGE:
        return UsageLine(
            _text(row, "workload"), _text(row, "usage_type"), cost, quantity, sys.intern(row[_UNIT])
        )
    if grouping_set is GroupingSet.COST_CENTERS:
        return CostCenterLine(_text(row, "workload"), _text(row, "cost_center"), cost)
    if grouping_set is GroupingSet.SERVICES:
        return ServiceLine(
            _text(row, "service"), _text(row, "usage_type"), cost, quantity, sys.intern(row[_UNIT])
        )
    if grouping_set is GroupingSet.CHARGES:
        return ChargeLine(_text(row, "record_type"), _text(row, "usage_type"), cost)
    if grouping_set is GroupingSet.ACCOUNTS:
        return AccountLine(_text(row, "account_id"), sys.intern(row[_ACCOUNT_NAME]), cost)
    return None


def earliest_period(location: ExportLocation) -> date | None:
    """The first day of the oldest billing period the export holds (how far a backfill reaches)."""
    periods = location.periods()
    if not periods:
        return None
    year, month = periods[0].split("-")
    return date(int(year), int(month), 1)
