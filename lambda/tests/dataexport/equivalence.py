"""Run the pipeline on one ledger through both sources and compare every file written.

Differences that are legitimate, and the only ones allowed:
* `summary.json` `collection`: how the data was obtained (Cost Explorer requests vs the
  export's engine, billing periods and files read);
* month-to-date `totals.forecast_total_usd`, `prev_complete_total_usd`,
  `forecast_month_end_delta_pct`: the forecast is Cost Explorer's (GetCostForecast); the export
  source makes no Cost Explorer request, so it has none (the contract makes them optional);
* Parquet doubles may differ below a millionth of a dollar / unit: CUR 2.0 carries amounts as
  doubles (the local Cost Explorer sums exact decimals); summaries, rounded to cents, are equal;
* `YYYY-MM/cost-explorer-lines.parquet`: the Cost Explorer source keeps the lines of final
  months so later runs need not pay for them again (issue 12); the export source writes none;
* `cost-by-usage-type.parquet` from the export has `service` and `account_id` after the six
  columns and a row per (workload, usage type, service, account, period) (contract §7): summed
  over service and account, its rows equal Cost Explorer's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.formats import LINES_NAME
from dapanoskop.localce import LineItem, LocalCostExplorer
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.periods import add_months
from dapanoskop.pipeline import run_backfill, run_daily
from dapanoskop.settings import DataExportSettings, LocalDestination, Settings
from dapanoskop.store import LocalStore

SOURCE_ONLY_TOTALS = (
    "forecast_total_usd",
    "prev_complete_total_usd",
    "forecast_month_end_delta_pct",
)
TOLERANCE = 1e-6
RULE_OPERATIONS = {"ListCostCategoryDefinitions", "DescribeCostCategoryDefinition"}


def write_export(
    items: list[LineItem],
    today: date,
    tmp: Path,
    retention_months: int,
    account_names: Mapping[str, str] | None = None,
) -> Path:
    """The items as a CUR 2.0 export under tmp (several files per billing period)."""
    export_root = tmp / "cur" / "my-export"
    write_cur_export(
        items,
        LocalStore(export_root),
        "my-export",
        today,
        # The export reaches back as far as the local Cost Explorer's retention.
        first_period=add_months(today.replace(day=1), -retention_months),
        rows_per_file=97,
        account_names=account_names,
    )
    return export_root


def run_both(
    items: Iterable[LineItem],
    today: date,
    now: datetime,
    base: Settings,
    tmp: Path,
    *,
    backfill_months: int,
    retention_months: int,
    export_root: Path | None = None,
    account_names: Mapping[str, str] | None = None,
) -> tuple[Path, Path, LocalCostExplorer]:
    """Backfill and daily run from the local Cost Explorer into tmp/ce and from a CUR 2.0
    export of the same items (`export_root`, written here when None) into tmp/export."""
    items = list(items)
    if export_root is None:
        export_root = write_export(items, today, tmp, retention_months, account_names)
    folders = {}
    for name, data_export in (
        ("ce", None),
        ("export", DataExportSettings(LocalDestination(export_root))),
    ):
        out = tmp / name
        fake = LocalCostExplorer(
            items if data_export is None else [],
            today,
            retention_months=retention_months,
            account_names=account_names,
        )
        settings = Settings(
            **{**base.__dict__, "destination": LocalDestination(out), "data_export": data_export}
        )
        store = LocalStore(out)
        run_backfill(settings, fake.client(), store, now, backfill_months, force=True)
        run_daily(settings, fake.client(), store, now)
        folders[name] = out
        if data_export is not None:
            # Only the cost category's split-charge rules come from the Cost Categories API.
            asked = {operation for operation, _ in fake.requests}
            assert asked <= RULE_OPERATIONS, f"the export source asked Cost Explorer for {asked}"
    return folders["ce"], folders["export"], fake


def differences(ce: Path, export: Path) -> list[str]:
    """Every difference between the two outputs beyond the legitimate ones (module doc)."""
    problems = []
    names = sorted(
        p.relative_to(ce).as_posix() for p in ce.rglob("*") if p.is_file() and p.name != LINES_NAME
    )
    others = sorted(p.relative_to(export).as_posix() for p in export.rglob("*") if p.is_file())
    if names != others:
        problems.append(f"different files: {sorted(set(names) ^ set(others))}")
    for name in sorted(set(names) & set(others)):
        a, b = ce / name, export / name
        if name.endswith(".json"):
            problems += _json_differences(
                name, json.loads(a.read_text()), json.loads(b.read_text())
            )
        elif name.endswith(".parquet"):
            problems += _parquet_differences(name, a, b)
    return problems


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document)
    document.pop("collection", None)
    if "totals" in document:
        document["totals"] = {
            k: v for k, v in document["totals"].items() if k not in SOURCE_ONLY_TOTALS
        }
    return document


def _json_differences(name: str, a: Any, b: Any) -> list[str]:
    if name.endswith("summary.json"):
        a, b = _comparable(a), _comparable(b)
    return [] if a == b else [f"{name}: {a} != {b}"]


DETAIL = ["service", "account_id"]


def _rolled_up(table: pa.Table) -> pa.Table:
    """The export's usage-type rows (split by service and account, contract §7) summed back
    to one row per (workload, usage type, category, period), in the contract's order."""
    sums: dict[tuple, list[float]] = {}
    for row in table.drop_columns(DETAIL).to_pylist():
        key = (row["period"], row["workload"], row["usage_type"], row["category"])
        entry = sums.setdefault(key, [0.0, 0.0])
        entry[0] += row["cost_usd"]
        entry[1] += row["usage_quantity"]
    rows = [
        {"workload": w, "usage_type": u, "category": c, "period": p, "cost_usd": cost,
         "usage_quantity": quantity}
        for (p, w, u, c), (cost, quantity) in sorted(sums.items())
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=table.drop_columns(DETAIL).schema)


def _parquet_differences(name: str, a: Path, b: Path) -> list[str]:
    left, right = pq.read_table(a, use_threads=False), pq.read_table(b, use_threads=False)
    if right.column_names == [*left.column_names, *DETAIL]:
        right = _rolled_up(right)
    if left.schema != right.schema or left.num_rows != right.num_rows:
        return [f"{name}: schema or row count differs"]
    problems = []
    for column in left.column_names:
        for row, (x, y) in enumerate(
            zip(left[column].to_pylist(), right[column].to_pylist(), strict=True)
        ):
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) > TOLERANCE:
                    problems.append(f"{name} row {row} {column}: {x} != {y}")
            elif x != y:
                problems.append(f"{name} row {row} {column}: {x!r} != {y!r}")
    return problems
