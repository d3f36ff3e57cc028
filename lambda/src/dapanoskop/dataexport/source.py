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
from decimal import Decimal
from typing import Any, Protocol

from dapanoskop.collector import CollectionConfig, plan_windows
from dapanoskop.dataexport.location import DataFile, ExportLocation
from dapanoskop.dataexport.metrics import metric
from dapanoskop.dataexport.sql import (
    COLUMNS,
    MIXED_UNITS,
    SET_KEYS,
    GroupingSet,
    Query,
    QueryWindow,
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
    sets = (*(_GROUPING_SETS[g] for g in _GROUPING_SETS if g in plan), GroupingSet.BILLING_PERIOD)
    lines: dict[tuple[Window, GroupingSet], list[Any]] = {}
    unfinalized: dict[str, int] = {}
    # The embedded engine runs one query per billing period: every window lies in one month,
    # so each answer is complete, and memory follows one month of the export, not the months a
    # backfill reads. Athena takes them all in one query (its memory is not ours).
    batches = [periods] if not getattr(engine, "per_period", False) else [[p] for p in periods]
    for batch in batches:
        if not batch:
            continue
        in_batch = [w for w in readable if w.label in batch]
        query = Query(
            windows=tuple(QueryWindow(i, w.start, w.end) for i, w in enumerate(in_batch)),
            billing_periods=tuple(batch),
            metric=metric(config.cost_metric),
            tag_key=config.workload_tag_key,
            cost_category=cost_category,
            sets=sets,
        )
        files = [f for period in batch for f in location.data_files(period)]
        result.files_read += len(files)
        batch_lines, batch_unfinalized = _parse(
            engine.rows(query, files, columns_of(query)), in_batch, query.sets
        )
        lines.update(batch_lines)
        unfinalized.update(batch_unfinalized)
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


_POSITION = {name: i for i, name in enumerate(COLUMNS)}
_WINDOW, _PERIOD = _POSITION["window_id"], _POSITION["billing_period"]
_ACCOUNT_NAME, _COST, _QUANTITY = (
    _POSITION["account_name"],
    _POSITION["cost"],
    _POSITION["quantity"],
)
_UNIT, _UNFINALIZED = _POSITION["unit"], _POSITION["unfinalized"]


def _parse(
    rows: Iterable[tuple], windows: Sequence[Window], sets: Sequence[GroupingSet]
) -> tuple[dict[tuple[Window, GroupingSet], list[Any]], dict[str, int]]:
    """The query's rows rolled up into each grouping's records, per window, and the count of
    blank invoice ids per billing period.

    A grouping's unit is the rows' common unit, else "N/A" (as Cost Explorer reports usage
    summed over several units); an account's name the greatest one seen (blank sorts first).
    """
    rolled = {s: {} for s in sets if s is not GroupingSet.BILLING_PERIOD}
    positions = {s: tuple(_POSITION[k] for k in SET_KEYS[s]) for s in rolled}
    unfinalized: dict[str, int] = defaultdict(int)
    for row in rows:
        unfinalized[row[_PERIOD]] += int(row[_UNFINALIZED])
        if row[_WINDOW] is None:
            continue  # line items outside every window: they only count for finality
        for grouping_set, sums in rolled.items():
            key = tuple(row[p] for p in positions[grouping_set])
            entry = sums.get(key)
            if entry is None:
                sums[key] = [row[_COST], row[_QUANTITY], row[_UNIT], row[_ACCOUNT_NAME]]
                continue
            entry[0] += row[_COST]
            entry[1] += row[_QUANTITY]
            if entry[2] != row[_UNIT]:
                entry[2] = MIXED_UNITS
            entry[3] = max(entry[3], row[_ACCOUNT_NAME])
    lines: dict[tuple[Window, GroupingSet], list[Any]] = defaultdict(list)
    for grouping_set, sums in rolled.items():
        for key in sorted(sums, key=lambda k: (k[0], *(str(v) for v in k[1:]))):
            window_id, *names = key
            lines[(windows[window_id], grouping_set)].append(
                _record(grouping_set, [sys.intern(n) for n in names], *sums[key])
            )
    return lines, dict(unfinalized)


def _record(
    grouping_set: GroupingSet,
    names: list[str],
    cost: Decimal,
    quantity: Decimal,
    unit: str,
    account_name: str,
) -> Any:
    if grouping_set is GroupingSet.USAGE:
        workload, usage_type, service, account = names
        return UsageLine(workload, usage_type, cost, quantity, sys.intern(unit), service, account)
    if grouping_set is GroupingSet.COST_CENTERS:
        return CostCenterLine(names[0], names[1], cost)
    if grouping_set is GroupingSet.SERVICES:
        return ServiceLine(names[0], names[1], cost, quantity, sys.intern(unit))
    if grouping_set is GroupingSet.CHARGES:
        return ChargeLine(names[0], names[1], cost)
    return AccountLine(names[0], sys.intern(account_name), cost)
