"""The pipeline the Lambda and the CLI share: plan -> collect -> process -> publish.

Two jobs:
- the daily run writes month-to-date M (not on the 1st) and the last complete month M-1,
  which it leaves alone once Cost Explorer calls all of its periods final;
- a backfill writes the N complete months before the current one, skipping months that
  already have a summary unless forced.
Everything that decides what to do is here; talking to AWS is in the collector and the
store, turning data into files is in the processor, formats and publisher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dapanoskop.collector import CollectionConfig, collect, collect_forecast, resolve_cost_category
from dapanoskop.costcategories import SplitRules, split_rules_for
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.model import Status, StorageLensReading, Window, WindowData
from dapanoskop.periods import SummarySpec, backfill_specs, daily_specs
from dapanoskop.processor import SCHEMA_VERSION, PeriodReport, ReportOptions, build_period_report
from dapanoskop.publisher import read_summary, summary_key, update_index, write_period
from dapanoskop.redaction import redact
from dapanoskop.reuse import lines_record, lines_to_publish, published_lines
from dapanoskop.settings import DataExportSettings, Settings
from dapanoskop.storagelens import StorageLens
from dapanoskop.store import ObjectStore, StoreError
from dapanoskop.timebudget import TimeBudget

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Skipped:
    period: str
    reason: str


@dataclass(frozen=True)
class Failed:
    period: str
    error: str


@dataclass
class RunResult:
    """What a run did; the Lambda's answer body and the CLI's --json output."""

    mode: str
    destination: str
    succeeded: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    ce_requests: int = 0
    ce_requests_by_operation: dict[str, int] = field(default_factory=dict)
    index: list[str] = field(default_factory=list)
    # months a backfill could not collect in its time budget; `resume` is the event to send
    unfinished: list[str] = field(default_factory=list)
    resume: dict[str, Any] | None = None
    resume_note: str = ""

    @property
    def status_code(self) -> int:
        return 207 if self.failed else 200

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "destination": self.destination,
            "succeeded": self.succeeded,
            "skipped": [{"period": s.period, "reason": s.reason} for s in self.skipped],
            "failed": [{"period": f.period, "error": redact(f.error)} for f in self.failed],
            "ce_requests": self.ce_requests,
            "ce_requests_by_operation": dict(sorted(self.ce_requests_by_operation.items())),
            "ce_cost_usd": f"{Decimal(self.ce_requests) / 100:.2f}",
            "index": self.index,
            **(
                {
                    "unfinished": self.unfinished,
                    "resume": self.resume,
                    "message": self.resume_note,
                }
                if self.unfinished
                else {}
            ),
        }


def run_daily(
    settings: Settings,
    ce_client: Any,
    store: ObjectStore,
    now: datetime,
    *,
    storage_lens: StorageLens | None = None,
) -> RunResult:
    """The scheduled run: month-to-date M and, while it is not final yet, M-1.

    `storage_lens` (optional) adds S3 Storage Lens totals to each period it has data for.
    """
    result = RunResult(mode="daily", destination=str(settings.destination))
    specs = []
    for spec in daily_specs(now.date(), settings.mtd_settle_days):
        if not spec.is_mtd and _is_final(store, spec.period):
            result.skipped.append(Skipped(spec.period, "already published with final data"))
        else:
            specs.append(spec)
    return _run(settings, ce_client, store, now, specs, result, storage_lens=storage_lens)


def run_backfill(
    settings: Settings,
    ce_client: Any,
    store: ObjectStore,
    now: datetime,
    months: int,
    *,
    force: bool = False,
    progress: Progress | None = None,
    storage_lens: StorageLens | None = None,
    budget: TimeBudget | None = None,
) -> RunResult:
    """Write the `months` complete months before the current one.

    With a `budget` (the Lambda), Cost Explorer is not asked for more pages once it is spent:
    the months collected whole are written, the others are listed as unfinished with the event
    that continues (the same one: written months are skipped, and their lines are reused).
    """
    result = RunResult(mode="backfill", destination=str(settings.destination))
    specs = []
    for spec in backfill_specs(now.date(), months):
        if force:
            specs.append(spec)
            continue
        try:
            exists = store.exists(summary_key(spec.period))
        except StoreError as error:
            # Not knowing is not permission to overwrite.
            result.failed.append(Failed(spec.period, str(error)))
            continue
        if exists:
            result.skipped.append(Skipped(spec.period, "summary.json exists (use force)"))
        else:
            specs.append(spec)
    result = _run(
        settings,
        ce_client,
        store,
        now,
        specs,
        result,
        progress,
        storage_lens,
        reuse=not force,
        budget=budget,
    )
    if result.unfinished:
        result.unfinished.sort(reverse=True)
        if force:
            # Continuing a forced backfill with force would rewrite the months just written
            # and stop at the same place; without force it would skip the unfinished months,
            # which exist in their old version. Only a run without a time limit can do it.
            result.resume_note = (
                "stopped early to stay within the time limit: the months under unfinished "
                "were not rewritten; a forced backfill this large needs a run without a time "
                f"limit: dapanoskop backfill --months {months} --force"
            )
        else:
            result.resume = {"backfill": True, "months": months}
            result.resume_note = (
                "stopped early to stay within the time limit: the months under unfinished "
                "were not written; send the resume event to continue (months already written "
                "are skipped, and the published ones it compares with are not fetched again)"
            )
        logger.warning(
            "backfill stopped early to stay within the time limit unfinished=%s",
            ",".join(result.unfinished),
        )
    return result


def _run(
    settings: Settings,
    ce_client: Any,
    store: ObjectStore,
    now: datetime,
    specs: Sequence[SummarySpec],
    result: RunResult,
    progress: Progress | None = None,
    storage_lens: StorageLens | None = None,
    *,
    reuse: bool = True,
    budget: TimeBudget | None = None,
) -> RunResult:
    ce = CostExplorer(ce_client)
    if specs:
        should_stop = budget.spent if budget is not None else None
        collected = _collect(settings, ce, specs, now, store if reuse else None, should_stop)
        if storage_lens is not None:
            readings = storage_lens.readings({spec.period: spec.current for spec in specs})
            collected = replace(collected, storage_lens=readings)
        result.ce_requests = ce.requests
        result.ce_requests_by_operation = dict(ce.counts)
        for spec in specs:
            if any(window not in collected.data for window in spec.windows()):
                # Not collected whole before the budget ran out: nothing of it is written.
                result.unfinished.append(spec.period)
                continue
            # One period at a time: a report is built, written and let go before the next,
            # so a long backfill of a big account holds one report, not all of them.
            _publish_one(store, spec, collected, result)
            if progress:
                progress(spec.period)
    result.index = update_index(store, now)
    result.succeeded.sort(reverse=True)
    result.skipped.sort(key=lambda s: s.period, reverse=True)
    result.failed.sort(key=lambda f: f.period, reverse=True)
    return result


@dataclass(frozen=True)
class _Collected:
    """Everything collected for a run, and how to turn a spec of it into a report."""

    data: Mapping[Window, WindowData]
    forecasts: Mapping[str, Decimal | None]
    options: ReportOptions
    collection: Mapping[str, Any]
    collected_at: datetime
    split_rules: SplitRules = field(default_factory=dict)
    storage_lens: Mapping[str, StorageLensReading] = field(default_factory=dict)
    # Cost Explorer lines are kept for final months so later runs need not pay for them
    # again; a data export costs nothing to read again, so nothing is kept from it.
    keeps_lines: bool = True

    def report(self, spec: SummarySpec, lines: bytes | None = None) -> PeriodReport:
        """The report of `spec`; `lines`: the month's lines file written with it, if any."""
        collection = dict(self.collection)
        if lines is not None:
            collection["lines"] = lines_record(lines)
        return build_period_report(
            spec,
            {window: self.data[window] for window in spec.windows()},
            self.options,
            collected_at=self.collected_at,
            collection=collection,
            forecast_total=self.forecasts.get(spec.period),
            split_rules=self.split_rules,
            storage_lens=self.storage_lens.get(spec.period),
        )


def _collect(
    settings: Settings,
    ce: CostExplorer,
    specs: Sequence[SummarySpec],
    now: datetime,
    published: ObjectStore | None,
    should_stop: Callable[[], bool] | None = None,
) -> _Collected:
    """Collect what `specs` need; final months published by this same configuration are read
    from `published` (the destination) instead of Cost Explorer, unless it is None (force).
    A data export is read whole (it costs no request), so nothing is reused from it."""
    if settings.data_export is not None:
        return _collect_export(settings, settings.data_export, ce, specs, now)
    today = now.date()
    newest = max(specs, key=lambda s: s.current.start)
    cost_category = resolve_cost_category(ce, settings.cost_category_name, newest.current)
    config = CollectionConfig(
        cost_metric=settings.cost_metric,
        workload_tag_key=settings.workload_tag_key,
        cost_category_name=cost_category,
        history_months=settings.history_months,
        concurrency=settings.ce_concurrency,
        include_accounts=settings.include_accounts,
    )
    configuration = {
        "cost_metric": settings.cost_metric,
        "workload_tag_key": settings.workload_tag_key,
        "cost_category_name": cost_category,
        "include_efs": settings.include_efs,
        "include_ebs": settings.include_ebs,
        "schema_version": SCHEMA_VERSION,
    }
    known = {}
    if published is not None:
        comparisons = {w for spec in specs for w in (spec.current, spec.prev_month, spec.yoy)}
        known = published_lines(published, comparisons, configuration)
    data = collect(ce, specs, config, today, known, should_stop)
    split_rules: SplitRules = {}
    if cost_category is not None:
        split_rules = split_rules_for(ce, cost_category, data.values())
    forecasts = {
        spec.period: collect_forecast(ce, today, settings.forecast_metric, data[spec.current])
        for spec in specs
        if spec.is_mtd and spec.current in data
    }
    options = _report_options(settings, cost_category)
    collection = {
        "ce_requests": ce.requests,
        "ce_requests_by_operation": dict(sorted(ce.counts.items())),
        "configuration": configuration,
        # months whose lines came from their published files, not from Cost Explorer
        "reused_months": sorted(window.label for window in known),
    }
    return _Collected(data, forecasts, options, collection, now.astimezone(UTC), split_rules)


def _collect_export(
    settings: Settings,
    export: DataExportSettings,
    ce: CostExplorer,
    specs: Sequence[SummarySpec],
    now: datetime,
) -> _Collected:
    """The same hand-off from a CUR 2.0 export (DATA_SOURCE=data-export). No cost or usage
    request and no forecast (the contract's forecast fields need Cost Explorer's); with a cost
    category, its split-charge rules still come from the Cost Categories API (the export has
    the categories' values, not their rules), a few requests a run."""
    config = CollectionConfig(
        cost_metric=settings.cost_metric,
        workload_tag_key=settings.workload_tag_key,
        cost_category_name=settings.cost_category_name,
        history_months=settings.history_months,
        include_accounts=settings.include_accounts,
    )
    # Imported here: the Cost Explorer path never loads pyarrow.dataset or DuckDB.
    from dapanoskop.dataexport.run import collect_from_export

    exported = collect_from_export(export, specs, config)
    options = _report_options(settings, exported.cost_category_name)
    split_rules: SplitRules = {}
    if exported.cost_category_name is not None:
        split_rules = split_rules_for(ce, exported.cost_category_name, exported.data.values())
    collection = {
        "ce_requests": ce.requests,
        "ce_requests_by_operation": dict(sorted(ce.counts.items())),
        **exported.collection,
    }
    return _Collected(
        exported.data,
        {},
        options,
        collection,
        now.astimezone(UTC),
        split_rules,
        keeps_lines=False,
    )


def _report_options(settings: Settings, cost_category: str | None) -> ReportOptions:
    """What the processor needs of the settings, whatever the source."""
    return ReportOptions(
        include_efs=settings.include_efs,
        include_ebs=settings.include_ebs,
        workload_tag_key=settings.workload_tag_key,
        cost_metric=settings.cost_metric,
        cost_category_name=cost_category,
    )


def _publish_one(
    store: ObjectStore, spec: SummarySpec, collected: _Collected, result: RunResult
) -> None:
    current = collected.data[spec.current]
    if current.status is Status.UNAVAILABLE:
        result.skipped.append(Skipped(spec.period, "Cost Explorer has no data for this month"))
        return
    if not current.has_cost:
        # Never replace a period that has cost with an empty answer (nor write an empty one).
        reason = "Cost Explorer returned no cost for this month"
        if _has_cost(store, spec.period):
            reason += "; kept the published data"
        result.skipped.append(Skipped(spec.period, reason))
        return
    lines = None if spec.is_mtd or not collected.keeps_lines else lines_to_publish(current)
    try:
        write_period(store, collected.report(spec, lines), lines)
    except StoreError as error:
        logger.error("period failed period=%s error=%s", spec.period, redact(str(error)))
        result.failed.append(Failed(spec.period, str(error)))
        return
    result.succeeded.append(spec.period)


def _is_final(store: ObjectStore, period: str) -> bool:
    """True when the published summary exists and none of its periods is estimated."""
    try:
        summary = read_summary(store, period)
    except StoreError as error:
        logger.warning(
            "cannot read summary; rewriting period=%s error=%s", period, redact(str(error))
        )
        return False
    if summary is None:
        return False
    statuses = summary.get("period_status", {}).values()
    return Status.ESTIMATED.value not in statuses


def _has_cost(store: ObjectStore, period: str) -> bool:
    try:
        summary = read_summary(store, period)
    except StoreError:
        return True  # unknown: assume there is something worth keeping
    return bool(
        summary
        and (summary.get("cost_centers") or summary.get("totals", {}).get("current_cost_usd"))
    )
