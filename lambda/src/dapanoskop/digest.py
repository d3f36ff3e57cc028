"""The cost digest: a short text of what changed, built from published summary.json files only.

Pure: no AWS, no clock, no files. The Lambda builds it after a daily run and `dapanoskop digest
--from DIR|s3://...` prints the very same text from the published files, so what people read
in their mail or Slack can always be reproduced and checked.

What it says (the numbers FinOps people ask first):
- month to date against the same days of the previous month (month-to-date summaries), or the
  month against the month before and a year earlier (complete months);
- the forecast against the last complete month, when Cost Explorer gave one;
- tagging coverage and its change against the previous period's summary;
- the five biggest movers among workloads and among cost centers, by absolute change;
- a link to the report, when one is configured.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

MOVERS = 5
# SNS email subjects: ASCII, at most 100 characters (SNS Publish API reference, `Subject`).
SUBJECT_LIMIT = 100
_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Digest:
    period: str
    subject: str
    text: str


@dataclass(frozen=True)
class Mover:
    name: str
    current: Decimal
    before: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.before


def build_digest(
    summary: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
    report_url: str | None = None,
) -> Digest:
    """The digest of one period's summary; `previous` is the summary of the month before it
    (for the change in tagging coverage), None when it was never published."""
    period = str(summary["period"])
    totals = summary["totals"]
    labels = summary["periods"]
    current = _money(totals["current_cost_usd"])
    is_mtd = bool(summary.get("is_mtd"))
    lines = [_title(summary)]
    if is_mtd:
        lines.extend(_mtd_lines(summary, current))
    else:
        lines.extend(_month_lines(summary, current))
    lines.append(_tagging_line(summary, previous))
    before_label = (
        f"the same days of {_month_name(labels['prev_month'])}"
        if is_mtd and "mtd_comparison" in summary
        else _month_name(labels["prev_month"])
    )
    workloads, cost_centers = _movers(summary)
    lines.append("")
    lines.extend(_mover_lines(f"Biggest movers, workloads (vs {before_label}):", workloads))
    lines.extend(_mover_lines(f"Biggest movers, cost centers (vs {before_label}):", cost_centers))
    if report_url:
        lines.extend(["", f"Report: {report_url}"])
    return Digest(period, _subject(summary, current), "\n".join(lines) + "\n")


# --- headline lines -----------------------------------------------------------------------------


def _title(summary: Mapping[str, Any]) -> str:
    period = summary["period"]
    if summary.get("is_mtd"):
        through = data_through(summary)
        return f"AWS cost digest: {_month_name(period)} to date (through {_day(through)})"
    status = summary.get("period_status", {}).get("current", "final")
    return f"AWS cost digest: {_month_name(period)} ({status})"


def _subject(summary: Mapping[str, Any], current: Decimal) -> str:
    period = _month_name(summary["period"])
    totals = summary["totals"]
    if summary.get("is_mtd"):
        before = totals.get("mtd_prior_partial_cost_usd")
        text = f"AWS cost digest: {period} to date {_usd(current)}"
    else:
        before = totals.get("prev_month_cost_usd")
        text = f"AWS cost digest: {period} {_usd(current)}"
    if before is not None and _money(before) != _ZERO:
        text += f" ({_pct(current, _money(before))})"
    return text.encode("ascii", "replace").decode("ascii")[:SUBJECT_LIMIT]


def _mtd_lines(summary: Mapping[str, Any], current: Decimal) -> list[str]:
    totals = summary["totals"]
    labels = summary["periods"]
    prev_name = _month_name(labels["prev_month"])
    lines = []
    prior = totals.get("mtd_prior_partial_cost_usd")
    if prior is None:
        lines.append(f"Month to date: {_usd(current)}")
    else:
        window = _prior_window(summary)
        lines.append(
            f"Month to date: {_usd(current)}, vs {_usd(_money(prior))} for the same days of "
            f"{prev_name}{window}: {_change(current, _money(prior))}"
        )
    forecast = totals.get("forecast_total_usd")
    if forecast is None:
        lines.append("Forecast: not available from Cost Explorer this time")
    else:
        whole = totals.get("prev_complete_total_usd", totals["prev_month_cost_usd"])
        lines.append(
            f"Forecast for {_month_name(summary['period'])}: {_usd(_money(forecast))}, vs "
            f"{_usd(_money(whole))} for all of {prev_name}: "
            f"{_change(_money(forecast), _money(whole))}"
        )
    return lines


def _month_lines(summary: Mapping[str, Any], current: Decimal) -> list[str]:
    totals = summary["totals"]
    labels = summary["periods"]
    status = summary.get("period_status", {})
    prev = _money(totals["prev_month_cost_usd"])
    lines = [
        f"{_month_name(summary['period'])}: {_usd(current)}, vs {_usd(prev)} in "
        f"{_month_name(labels['prev_month'])}: {_change(current, prev)}"
    ]
    if status.get("yoy") == "unavailable":
        lines.append(f"A year earlier ({_month_name(labels['yoy'])}): not in Cost Explorer")
    else:
        yoy = _money(totals["yoy_cost_usd"])
        lines.append(
            f"A year earlier ({_month_name(labels['yoy'])}): {_usd(yoy)}: {_change(current, yoy)}"
        )
    return lines


def _tagging_line(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    coverage = summary["tagging_coverage"]
    tag = summary.get("workload_tag_key", "App")
    pct = _tenth(coverage["tagged_percentage"])
    untagged = _money(coverage["untagged_cost_usd"])
    line = f"Tagging coverage: {pct}% of usage cost tagged {tag} ({_usd(untagged)} untagged"
    untaggable = coverage.get("untaggable_cost_usd")  # schema 2: taxes, credits, fees, support
    if untaggable is not None and _money(untaggable) != _ZERO:
        line += f"; {_usd(_money(untaggable))} of taxes, credits and fees cannot be tagged"
    line += ")"
    if previous is None or "tagging_coverage" not in previous:
        return line + "; no earlier summary to compare"
    before = _tenth(previous["tagging_coverage"]["tagged_percentage"])
    points = pct - before
    sign = "+" if points > 0 else ""
    return line + f", {sign}{points} points vs {_month_name(previous['period'])} ({before}%)"


def _prior_window(summary: Mapping[str, Any]) -> str:
    comparison = summary.get("mtd_comparison") or {}
    start = comparison.get("prior_partial_start")
    end = comparison.get("prior_partial_end_exclusive")
    if not (start and end):
        return ""
    first = date.fromisoformat(start)
    last = date.fromisoformat(end) - timedelta(days=1)
    return f" ({first.day}-{last.day})" if last > first else f" ({first.day})"


# --- movers ---------------------------------------------------------------------------------------


def _movers(summary: Mapping[str, Any]) -> tuple[list[Mover], list[Mover]]:
    """Workloads (summed over the cost centers they appear in) and cost centers, each against
    the like-for-like window (month to date) or the previous month."""
    comparison = summary.get("mtd_comparison") if summary.get("is_mtd") else None
    prior_centers: dict[str, Decimal] = {}
    prior_workloads: dict[str, Decimal] = defaultdict(Decimal)
    if comparison is not None:
        for center in comparison.get("cost_centers", []):
            prior_centers[center["name"]] = _money(center["prior_partial_cost_usd"])
            for workload in center.get("workloads", []):
                prior_workloads[workload["name"]] += _money(workload["prior_partial_cost_usd"])
    centers = []
    workload_now: dict[str, Decimal] = defaultdict(Decimal)
    workload_before: dict[str, Decimal] = defaultdict(Decimal)
    for center in summary.get("cost_centers", []):
        before = (
            prior_centers.get(center["name"], _ZERO)
            if comparison is not None
            else _money(center["prev_month_cost_usd"])
        )
        centers.append(Mover(center["name"], _money(center["current_cost_usd"]), before))
        for workload in center.get("workloads", []):
            name = workload["name"]
            workload_now[name] += _money(workload["current_cost_usd"])
            if comparison is None:
                workload_before[name] += _money(workload["prev_month_cost_usd"])
    if comparison is not None:
        workload_before = prior_workloads
    names = set(workload_now) | set(workload_before)
    workloads = [Mover(n, workload_now.get(n, _ZERO), workload_before.get(n, _ZERO)) for n in names]
    return _biggest(workloads), _biggest(centers)


def _biggest(movers: Iterable[Mover]) -> list[Mover]:
    moved = [m for m in movers if m.change != _ZERO]
    moved.sort(key=lambda m: (-abs(m.change), m.name))
    return moved[:MOVERS]


def _mover_lines(heading: str, movers: list[Mover]) -> list[str]:
    if not movers:
        return [heading, "  no change"]
    changes = [_signed_usd(m.change) for m in movers]
    width = max(len(c) for c in changes)
    return [heading] + [
        f"  {change:>{width}}  {m.name}: {_usd(m.current)} (was {_usd(m.before)})"
        for change, m in zip(changes, movers, strict=True)
    ]


# --- formatting -----------------------------------------------------------------------------------


def data_through(summary: Mapping[str, Any]) -> date:
    """The last day a month-to-date summary includes: `data_through` (schema 2), else the day
    before the run (schema 1 windows end at the run's day, exclusive)."""
    through = summary.get("data_through")
    if through:
        return date.fromisoformat(through)
    collected = datetime.fromisoformat(str(summary["collected_at"]).replace("Z", "+00:00"))
    return collected.date() - timedelta(days=1)


def _money(value: Any) -> Decimal:
    # JSON numbers arrive as floats; their shortest repr is the 2-decimal number written.
    return Decimal(str(value)).quantize(_CENT)


def _tenth(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_TENTH)


def _usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _signed_usd(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + _usd(amount)


def _pct(now: Decimal, before: Decimal) -> str:
    pct = ((now - before) / abs(before) * 100).quantize(_TENTH)
    return f"{'+' if pct > 0 else ''}{pct}%"


def _change(now: Decimal, before: Decimal) -> str:
    if now == before:
        return "no change"
    if before == _ZERO:
        return f"{_signed_usd(now - before)} (nothing before)"
    return f"{_signed_usd(now - before)} ({_pct(now, before)})"


def _month_name(period: str) -> str:
    year, month = period.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


def _day(day: date) -> str:
    return f"{day.day} {calendar.month_abbr[day.month]}"
