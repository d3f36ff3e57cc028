"""The offline demo: the real pipeline against the local Cost Explorer and a simulated organization.

Nothing here is a shortcut around the pipeline: the collector sends real boto3 requests that
the local Cost Explorer answers, the processor and publisher write the same files as in AWS.
The organization has a year more history than the months written, and the local Cost
Explorer keeps it (like Cost Explorer's multi-year data), so every month has a year-ago
comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.localce.demo_catalog import ACCOUNT_NAMES
from dapanoskop.localce.demo_org import (
    DEMO_COST_CATEGORY,
    DEMO_TAG_KEY,
    demo_cost_category_definitions,
    demo_line_items,
)
from dapanoskop.pipeline import RunResult, run_backfill, run_daily
from dapanoskop.publisher import read_summary
from dapanoskop.settings import (
    COST_EXPLORER,
    DATA_EXPORT,
    MAX_HISTORY_MONTHS,
    STORAGE_LENS_OFF,
    DataExportSettings,
    LocalDestination,
    Settings,
)
from dapanoskop.store import LocalStore

DEFAULT_DEMO_MONTHS = 13
YEAR_OF_HISTORY = 12


@dataclass(frozen=True)
class DemoResult:
    output: Path
    today: date
    backfill: RunResult
    daily: RunResult
    latest_complete: dict[str, Any] | None  # summary.json of the newest complete month
    month_to_date: dict[str, Any] | None  # summary.json of the month to date (None on the 1st)
    report: Path | None


DEMO_EXPORT_FOLDER = "cur-export"  # the demo's CUR 2.0 export, inside the output folder


def demo_settings(output: Path, source: str = COST_EXPLORER) -> Settings:
    data_export = None
    if source == DATA_EXPORT:
        data_export = DataExportSettings(LocalDestination(output / DEMO_EXPORT_FOLDER))
    return Settings(
        destination=LocalDestination(output),
        cost_category_name=DEMO_COST_CATEGORY,
        include_efs=True,
        include_ebs=True,
        workload_tag_key=DEMO_TAG_KEY,
        history_months=MAX_HISTORY_MONTHS,
        data_export=data_export,
        include_accounts=True,
        storage_lens_config_id=STORAGE_LENS_OFF,  # offline: S3 Storage Lens is not simulated
    )


def run_demo(
    output: Path,
    today: date,
    months: int = DEFAULT_DEMO_MONTHS,
    *,
    progress: Callable[[str], None] | None = None,
    write_html: Callable[[Path, Path], Path] | None = None,
    source: str = COST_EXPLORER,
) -> DemoResult:
    """Backfill `months` complete months, then the daily run (month-to-date), into `output`.

    With `source="data-export"` the same line items are first written as a CUR 2.0 export
    (`output/cur-export/`) and the pipeline reads that instead of the local Cost Explorer.
    """
    items = demo_line_items(today, months=months + YEAR_OF_HISTORY + 1)
    cost_explorer = LocalCostExplorer(
        items,
        today,
        retention_months=MAX_HISTORY_MONTHS,
        definitions=demo_cost_category_definitions(today),
        account_names=ACCOUNT_NAMES,
    )
    client = cost_explorer.client()
    settings = demo_settings(output, source)
    if settings.data_export is not None:
        export = LocalStore(output / DEMO_EXPORT_FOLDER)
        write_cur_export(items, export, DEMO_EXPORT_FOLDER, today, account_names=ACCOUNT_NAMES)
    store = LocalStore(output)
    now = datetime.combine(today, time(6, 0), UTC)
    backfill = run_backfill(settings, client, store, now, months, force=True, progress=progress)
    daily = run_daily(settings, client, store, now)
    latest = _summary(output, backfill.succeeded[0]) if backfill.succeeded else None
    month = today.strftime("%Y-%m")
    month_to_date = _summary(output, month) if month in daily.succeeded else None
    report = write_html(output, output / "report.html") if write_html else None
    return DemoResult(output, today, backfill, daily, latest, month_to_date, report)


def _summary(output: Path, period: str) -> dict[str, Any] | None:
    return read_summary(LocalStore(output), period)


def describe_demo(result: DemoResult) -> str:
    """Where the files are and the headline numbers, for a person at a terminal."""
    periods = result.daily.index
    lines = [f"Wrote the demo organization's cost history to {result.output}"]
    if periods:
        lines.append(
            f"  index.json and {len(periods)} period folders, {periods[-1]} to {periods[0]} "
            "(summary.json + 2 Parquet files each)"
        )
    if result.latest_complete is not None:
        lines.extend(_complete_month_lines(result.latest_complete))
    if result.month_to_date is not None:
        lines.append(_month_to_date_line(result.month_to_date, result.today))
    requests = result.backfill.ce_requests + result.daily.ce_requests
    lines.append(
        f"  Cost Explorer requests: {requests} (simulated; ${requests / 100:.2f} on a real account)"
    )
    if result.report is not None:
        lines.append(f"  report: {result.report} (open it in a browser)")
    lines.append(f"  check it against the data contract: dapanoskop check --from {result.output}")
    return "\n".join(lines)


def _complete_month_lines(summary: dict[str, Any]) -> list[str]:
    totals, periods = summary["totals"], summary["periods"]
    current = totals["current_cost_usd"]
    centers = summary["cost_centers"]
    storage = summary["storage_metrics"]
    tagging = summary["tagging_coverage"]
    top = ", ".join(f"{c['name']} {_usd(c['current_cost_usd'])}" for c in centers[:3])
    split = [
        f"    split charges: {c['name']} {_usd(c['split_charge_out_usd'])} allocated to "
        "other cost centers"
        for c in centers
        if c.get("is_split_charge") and "split_charge_out_usd" in c
    ]
    return [
        f"  {summary['period']}: {_usd(current)}, "
        f"{_change(current, totals['prev_month_cost_usd'])} vs {periods['prev_month']} "
        f"({_usd(totals['prev_month_cost_usd'])}), "
        f"{_change(current, totals['yoy_cost_usd'])} vs {periods['yoy']} "
        f"({_usd(totals['yoy_cost_usd'])})",
        f"    cost centers: {top} ({len(centers)} in all)",
        *split,
        f"    storage: {_usd(storage['total_cost_usd'])} for "
        f"{storage['total_volume_bytes'] / 2**40:,.1f} TiB "
        f"({_usd(storage['cost_per_tb_usd'])} per TiB), {storage['hot_tier_percentage']}% hot",
        f"    tagged with {summary['workload_tag_key']}: {tagging['tagged_percentage']}% "
        f"({_usd(tagging['untagged_cost_usd'])} untagged)",
    ]


def _month_to_date_line(summary: dict[str, Any], today: date) -> str:
    totals = summary["totals"]
    through = (today - timedelta(days=1)).isoformat()
    line = f"  {summary['period']} to date (through {through}): {_usd(totals['current_cost_usd'])}"
    if "forecast_total_usd" in totals:
        line += f", forecast for the month {_usd(totals['forecast_total_usd'])}"
        if "forecast_month_end_delta_pct" in totals:
            delta = totals["forecast_month_end_delta_pct"]
            line += f" ({delta:+}% vs {summary['periods']['prev_month']})"
    return line


def _usd(amount: float) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _change(current: float, before: float) -> str:
    """`+4.7%`, from the rounded totals the summary shows; `n/a` when there was nothing before."""
    if before == 0:
        return "n/a"
    return f"{(current / before - 1) * 100:+.1f}%"
