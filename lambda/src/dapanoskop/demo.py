"""The offline demo: the real pipeline against the local Cost Explorer and a simulated organization.

Nothing here is a shortcut around the pipeline: the collector sends real boto3 requests that
the local Cost Explorer answers, the processor and publisher write the same files as in AWS.
The organization has a year more history than the months written, and the local Cost
Explorer keeps it (like Cost Explorer's multi-year data), so every month has a year-ago
comparison.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.demo_org import DEMO_COST_CATEGORY, DEMO_TAG_KEY, demo_line_items
from dapanoskop.pipeline import RunResult, run_backfill, run_daily
from dapanoskop.settings import MAX_HISTORY_MONTHS, LocalDestination, Settings
from dapanoskop.store import LocalStore

DEFAULT_DEMO_MONTHS = 13
YEAR_OF_HISTORY = 12


@dataclass(frozen=True)
class DemoResult:
    output: Path
    backfill: RunResult
    daily: RunResult
    latest_complete: dict[str, Any] | None
    report: Path | None


def demo_settings(output: Path) -> Settings:
    return Settings(
        destination=LocalDestination(output),
        cost_category_name=DEMO_COST_CATEGORY,
        include_efs=True,
        include_ebs=True,
        workload_tag_key=DEMO_TAG_KEY,
        history_months=MAX_HISTORY_MONTHS,
    )


def run_demo(
    output: Path,
    today: date,
    months: int = DEFAULT_DEMO_MONTHS,
    *,
    progress: Callable[[str], None] | None = None,
    write_html: Callable[[Path, Path], Path] | None = None,
) -> DemoResult:
    """Backfill `months` complete months, then the daily run (month-to-date), into `output`."""
    items = demo_line_items(today, months=months + YEAR_OF_HISTORY + 1)
    cost_explorer = LocalCostExplorer(items, today, retention_months=MAX_HISTORY_MONTHS)
    client = cost_explorer.client()
    settings = demo_settings(output)
    store = LocalStore(output)
    now = datetime.combine(today, time(6, 0), UTC)
    backfill = run_backfill(settings, client, store, now, months, force=True, progress=progress)
    daily = run_daily(settings, client, store, now)
    latest = _latest_complete(output, backfill)
    report = write_html(output, output / "report.html") if write_html else None
    return DemoResult(output, backfill, daily, latest, report)


def _latest_complete(output: Path, backfill: RunResult) -> dict[str, Any] | None:
    if not backfill.succeeded:
        return None
    path = output / backfill.succeeded[0] / "summary.json"
    return json.loads(path.read_text(encoding="utf-8"))


def describe_demo(result: DemoResult) -> str:
    """What the demo wrote and its headline numbers, for a person at a terminal."""
    lines = [f"Wrote the demo organization's cost history to {result.output}/"]
    lines.append(f"  periods: {', '.join(result.daily.index)}")
    summary = result.latest_complete
    if summary is not None:
        totals = summary["totals"]
        lines.append(
            f"  {summary['period']}: total ${totals['current_cost_usd']:,.2f} "
            f"(previous month ${totals['prev_month_cost_usd']:,.2f}, "
            f"a year before ${totals['yoy_cost_usd']:,.2f})"
        )
        for center in summary["cost_centers"][:3]:
            lines.append(f"    {center['name']}: ${center['current_cost_usd']:,.2f}")
        storage = summary["storage_metrics"]
        lines.append(
            f"  storage ${storage['total_cost_usd']:,.2f}, "
            f"{storage['total_volume_bytes'] / 2**40:,.1f} TiB, "
            f"${storage['cost_per_tb_usd']:,.2f} per TiB, "
            f"hot tier {storage['hot_tier_percentage']}%"
        )
        lines.append(f"  tagged: {summary['tagging_coverage']['tagged_percentage']}%")
    requests = result.backfill.ce_requests + result.daily.ce_requests
    lines.append(
        f"  Cost Explorer requests (simulated): {requests}, ${requests / 100:.2f} on a real account"
    )
    if result.report is not None:
        lines.append(f"  report: {result.report}")
    return "\n".join(lines)
