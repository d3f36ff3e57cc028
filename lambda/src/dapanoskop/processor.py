"""One period's report: `summary.json` content and the two Parquet tables, from collected data.

Pure: no AWS, no clock, no environment. The collector supplies the windows' lines and the
run's time; the publisher writes what comes out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from decimal import localcontext as decimal_context
from functools import cache
from typing import Any

import pyarrow as pa

from dapanoskop.formats import iso_utc
from dapanoskop.model import SplitChargeRule, Status, StorageLensReading, Window, WindowData
from dapanoskop.periods import SummarySpec
from dapanoskop.processing import sources
from dapanoskop.processing.accounts import accounts_json
from dapanoskop.processing.charges import Classifier, classifier, coverage
from dapanoskop.processing.costcenters import (
    cost_center_tree,
    cost_centers_json,
    prior_partial_json,
    workload_rows,
)
from dapanoskop.processing.rounding import money, percent
from dapanoskop.processing.rows import (
    USAGE_DETAIL_ROWS_SCHEMA,
    USAGE_ROWS_SCHEMA,
    UsageTypeRows,
    WorkloadRow,
)
from dapanoskop.processing.splitcharges import split_tree
from dapanoskop.processing.storage import (
    storage_classes_json,
    storage_metrics_json,
    storage_scope,
    storage_totals,
)
from dapanoskop.processing.usage import categories_of, usage_type_rows, varies

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

# Fixed arithmetic, whatever context the caller has set: identical input, identical digits.
_DECIMAL = Context(
    prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
_HUNDRED = Decimal(100)
# A disagreement between groupings below half a cent cannot show in the rounded summary.
_VISIBLE_DIFFERENCE = Decimal("0.005")


@dataclass(frozen=True)
class ReportOptions:
    include_efs: bool
    include_ebs: bool
    workload_tag_key: str
    cost_metric: str
    cost_category_name: str | None


@dataclass(frozen=True)
class PeriodReport:
    period: str  # "YYYY-MM"
    summary: dict[str, Any]  # JSON-ready, rounded (contract §3)
    workload_rows: tuple[WorkloadRow, ...]  # contract §6, exact, sorted
    usage_rows: UsageTypeRows  # contract §7, exact, sorted


def build_period_report(
    spec: SummarySpec,
    data: Mapping[Window, WindowData],
    options: ReportOptions,
    *,
    collected_at: datetime,
    collection: Mapping[str, Any],
    forecast_total: Decimal | None = None,
    split_rules: Mapping[str, Sequence[SplitChargeRule]] | None = None,
    storage_lens: StorageLensReading | None = None,
) -> PeriodReport:
    """Build the report of `spec.period` from the data of every window of `spec`.

    `forecast_total` is Cost Explorer's projection of the whole month, for month-to-date
    summaries only. `split_rules` are the cost category's split-charge rules in effect in
    each month (by `YYYY-MM`; a month missing has none); `storage_lens` is S3 Storage Lens's
    reading for the end of the period, if any. Raises ValueError when a window is missing or
    a forecast comes with a complete month.
    """
    missing = [window for window in spec.windows() if window not in data]
    if missing:
        raise ValueError(f"no data for windows {missing} of period {spec.period}")
    if forecast_total is not None and not spec.is_mtd:
        raise ValueError(f"a forecast belongs to a month-to-date summary, not {spec.period}")
    with decimal_context(_DECIMAL):
        report = _build(
            spec, data, options, collected_at, collection, forecast_total, split_rules or {}
        )
        if storage_lens is not None:
            _add_storage_lens(report.summary, storage_lens)
        return report


def _build(
    spec: SummarySpec,
    data: Mapping[Window, WindowData],
    options: ReportOptions,
    collected_at: datetime,
    collection: Mapping[str, Any],
    forecast_total: Decimal | None,
    split_rules: Mapping[str, Sequence[SplitChargeRule]],
) -> PeriodReport:
    three = (spec.current, spec.prev_month, spec.yoy)
    labels = tuple(window.label for window in three)
    tree_windows = three if spec.like_for_like is None else (*three, spec.like_for_like)
    for window in tree_windows:
        _warn_if_groupings_disagree(data[window])
    tree = cost_center_tree([sources.cost_by_cost_center(data[w]) for w in tree_windows])
    tree = split_tree(tree, _window_rules(tree_windows, data, split_rules))
    yoy_available = data[spec.yoy].status is not Status.UNAVAILABLE
    classify = classifier(data[window] for window in spec.windows())
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "collected_at": iso_utc(collected_at),
        "period": spec.period,
        "is_mtd": spec.is_mtd,
        "periods": dict(zip(("current", "prev_month", "yoy"), labels, strict=True)),
        "period_status": {
            key: data[window].status.value
            for key, window in zip(("current", "prev_month", "yoy"), three, strict=True)
        },
        "cost_metric": options.cost_metric,
        "workload_tag_key": options.workload_tag_key,
        "cost_category_name": options.cost_category_name,
        "totals": _totals(spec, data, forecast_total),
        "storage_config": {"include_efs": options.include_efs, "include_ebs": options.include_ebs},
        "storage_metrics": _storage_metrics(spec, data, options),
        "storage_classes": _storage_classes(spec, data, options),
        "cost_centers": cost_centers_json(tree, yoy_available=yoy_available),
        "tagging_coverage": _tagging_coverage(data[spec.current], classify),
    }
    accounts = accounts_json([data[window] for window in three])
    if accounts is not None:
        summary["accounts"] = accounts
    if spec.data_through is not None:
        summary["data_through"] = spec.data_through.isoformat()
    if spec.like_for_like is not None:
        summary["mtd_comparison"] = {
            "prior_partial_start": spec.like_for_like.start.isoformat(),
            "prior_partial_end_exclusive": spec.like_for_like.end.isoformat(),
            "cost_centers": prior_partial_json(tree, index=3),
        }
    summary["collection"] = dict(collection)
    return PeriodReport(
        period=spec.period,
        summary=summary,
        workload_rows=workload_rows(tree, labels),
        usage_rows=_usage_rows(three, data, classify),
    )


def _window_rules(
    windows: Sequence[Window],
    data: Mapping[Window, WindowData],
    split_rules: Mapping[str, Sequence[SplitChargeRule]],
) -> list[tuple[SplitChargeRule, ...]]:
    """Each window's split-charge rules (§3.3): its month's, none for an unavailable window
    (there is no cost to split). Split charges only move money between cost centers: totals,
    storage and tagging are untouched."""
    return [
        () if data[w].status is Status.UNAVAILABLE else tuple(split_rules.get(w.label, ()))
        for w in windows
    ]


def _add_storage_lens(summary: dict[str, Any], reading: StorageLensReading) -> None:
    """§3.2 `storage_lens_total_bytes` and §3 `storage_lens`; never mixed into cost per TB."""
    summary["storage_metrics"]["storage_lens_total_bytes"] = reading.total_bytes
    summary["storage_lens"] = {
        "total_bytes": reading.total_bytes,
        "object_count": reading.object_count,
        "storage_lens_date": reading.day.isoformat(),
        "config_id": reading.config_id,
    }


def _totals(
    spec: SummarySpec, data: Mapping[Window, WindowData], forecast_total: Decimal | None
) -> dict[str, float]:
    """§3.1; the month-to-date fields only for month-to-date, the forecast ones only with one."""
    prev_total = sources.window_total(data[spec.prev_month])
    totals = {
        "current_cost_usd": money(sources.window_total(data[spec.current])),
        "prev_month_cost_usd": money(prev_total),
        "yoy_cost_usd": money(sources.window_total(data[spec.yoy])),
    }
    if spec.like_for_like is not None:
        totals["mtd_prior_partial_cost_usd"] = money(sources.window_total(data[spec.like_for_like]))
    if forecast_total is not None:
        totals["forecast_total_usd"] = money(forecast_total)
        totals["prev_complete_total_usd"] = money(prev_total)
        if prev_total != 0:
            delta = (forecast_total / prev_total - 1) * _HUNDRED
            totals["forecast_month_end_delta_pct"] = percent(delta)
    return totals


def _storage_metrics(
    spec: SummarySpec, data: Mapping[Window, WindowData], options: ReportOptions
) -> dict[str, Any]:
    scope = storage_scope(include_efs=options.include_efs, include_ebs=options.include_ebs)
    current, comparison = (
        storage_totals(sources.service_lines(data[window]), window, scope)
        for window in (spec.current, spec.comparison)
    )
    return storage_metrics_json(current, comparison, is_mtd=spec.is_mtd)


def _tagging_coverage(current: WindowData, classify: Classifier) -> dict[str, float]:
    """§3.4 for the current window, over usage charges only (see processing.charges)."""
    found = coverage(current, classify.services)
    return {
        "tagged_cost_usd": money(found.tagged),
        "untagged_cost_usd": money(found.untagged),
        "tagged_percentage": percent(found.percentage),
        "untaggable_cost_usd": money(found.untaggable),
    }


def _storage_classes(
    spec: SummarySpec, data: Mapping[Window, WindowData], options: ReportOptions
) -> list[dict[str, Any]]:
    scope = storage_scope(include_efs=options.include_efs, include_ebs=options.include_ebs)
    return storage_classes_json(
        sources.service_lines(data[spec.current]),
        sources.service_lines(data[spec.comparison]),
        spec.current,
        spec.comparison,
        scope,
    )


def _usage_rows(
    windows: tuple[Window, ...], data: Mapping[Window, WindowData], classify: Classifier
) -> UsageTypeRows:
    """§7: one row per (workload, usage type, period) with a non-zero cost or quantity; per
    (workload, usage type, service, account, period) when the source gave service and account.

    Sorted by period, workload, usage type (then service, account): the periods of a summary
    are distinct months, so each window's rows are sorted on their own
    (`usage.usage_type_rows`) and the windows put in period order. Each usage type is
    classified once.
    """
    per_window = [
        (window, usage_type_rows(lines))
        for window in sorted(windows, key=lambda w: w.label)
        if (lines := sources.usage_lines(data[window])) is not None
    ]
    detailed = any(_has_detail(rows) for _, rows in per_window)
    schema = USAGE_DETAIL_ROWS_SCHEMA if detailed else USAGE_ROWS_SCHEMA
    category = cache(lambda usage_type: classify(usage_type).value)
    tables = [schema.empty_table()]
    for window, rows in per_window:
        columns = {
            "workload": rows.column("workload"),
            "usage_type": rows.column("usage_type"),
            "category": categories_of(rows.column("usage_type"), category),
            "period": pa.repeat(window.label, rows.num_rows),
            "cost_usd": rows.column("cost_double"),
            "usage_quantity": rows.column("quantity_double"),
            "service": rows.column("service"),
            "account_id": rows.column("account_id"),
            "exact_cost_usd": rows.column("cost"),
            "exact_usage_quantity": rows.column("quantity"),
        }
        tables.append(pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema))
    # one chunk per window: the Parquet writer and every reader take chunked columns
    return UsageTypeRows(pa.concat_tables(tables))


def _has_detail(rows: pa.Table) -> bool:
    """True when any row has a service or an account (only a data export gives them)."""
    return any(varies(rows.column(key)) for key in ("service", "account_id"))


def _warn_if_groupings_disagree(data: WindowData) -> None:
    difference = sources.grouping_disagreement(data)
    if abs(difference) >= _VISIBLE_DIFFERENCE:
        logger.warning(
            "usage and cost center groupings disagree, cost centers will not add up to totals "
            "window=%s difference=%s",
            data.window.label,
            difference,
        )
