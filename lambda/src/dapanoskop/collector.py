"""Collect: the Cost Explorer data a set of summaries needs, with as few requests as possible.

Economy rules (each request and each page costs $0.01):
- each distinct window is fetched at most once per invocation, per grouping;
- windows that touch end to start (M-2, M-1, month-to-date M) go into one MONTHLY request,
  which Cost Explorer splits back at month boundaries;
- a grouping is only asked for the windows that use it: usage types for the three periods,
  cost centers for every window (incl. like-for-like), services (storage) for the current
  and comparison windows only;
- windows older than Cost Explorer's retention are `unavailable` without asking.

Independent requests, one per (grouping, run of windows), are made by a small bounded pool
(`CollectionConfig.concurrency`); the pages of one request follow each other. Each task reads
what is known of the start of Cost Explorer's history when it starts and adds what it learned
when it ends. A task that what an earlier task learns could change (its oldest window is not
newer than the earlier task's newest) waits until that task has learned all it will: its first
page arrived (so every window of its run exists) or it has finished. So the requests are the
same as those of one worker asking one after the other, in every case.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dapanoskop.cepages import USAGE_QUANTITY, page_parts, window_lines
from dapanoskop.concurrency import run_bounded
from dapanoskop.costexplorer import CollectionStopped, CostExplorer, error_code
from dapanoskop.model import (
    AccountLine,
    Grouping,
    Status,
    Window,
    WindowData,
)
from dapanoskop.periods import SummarySpec, add_months
from dapanoskop.processing.usage import total_cost
from dapanoskop.redaction import redact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CollectionConfig:
    """What the collector needs to know from the settings."""

    cost_metric: str
    workload_tag_key: str
    cost_category_name: str | None
    history_months: int
    concurrency: int = 1  # requests in flight at once (CE_CONCURRENCY)
    include_accounts: bool = False  # INCLUDE_ACCOUNTS: the LINKED_ACCOUNT grouping too


def plan_windows(
    specs: Iterable[SummarySpec], has_cost_category: bool, *, include_accounts: bool = False
) -> dict[Grouping, set[Window]]:
    """Which windows each grouping must be fetched for."""
    plan: dict[Grouping, set[Window]] = defaultdict(set)
    for spec in specs:
        three = (spec.current, spec.prev_month, spec.yoy)
        plan[Grouping.WORKLOAD_USAGE_TYPE].update(three)
        # What kind of charge each usage type is (usage, tax, credit, ...): categories of the
        # usage-type rows of all three periods, and tagging coverage of the current one.
        plan[Grouping.RECORD_TYPE_USAGE_TYPE].update(three)
        if include_accounts:
            # Linked accounts of the three periods (summary `accounts`, names from Cost
            # Explorer's DimensionValueAttributes): one request per run of touching windows.
            plan[Grouping.LINKED_ACCOUNT].update(three)
        if has_cost_category:
            plan[Grouping.WORKLOAD_COST_CENTER].update(spec.windows())
        elif spec.like_for_like is not None:
            # Without a cost category, workload costs of the like-for-like window come from
            # the usage-type grouping.
            plan[Grouping.WORKLOAD_USAGE_TYPE].add(spec.like_for_like)
        plan[Grouping.SERVICE_USAGE_TYPE].update((spec.current, spec.comparison))
    return dict(plan)


def chain_windows(windows: Iterable[Window]) -> list[list[Window]]:
    """Group windows into runs where each window starts where the previous one ends.

    Sorting by start, longest first, lets a whole month claim its place in a run before a
    like-for-like window with the same start, which then starts a run of its own.
    """
    chains: list[list[Window]] = []
    for window in sorted(windows, key=lambda w: (w.start, -w.hours)):
        chain = next((c for c in chains if c[-1].end == window.start), None)
        if chain is None:
            chains.append([window])
        else:
            chain.append(window)
    return chains


def earliest_available(today: date, history_months: int) -> date:
    """First day of the oldest month Cost Explorer still has (13 months + the current one)."""
    return add_months(today.replace(day=1), -history_months)


@dataclass(frozen=True)
class FetchTask:
    """One request's worth of work: a run of touching windows of one grouping."""

    grouping: Grouping
    chain: tuple[Window, ...]


def plan_tasks(plan: Mapping[Grouping, set[Window]]) -> list[FetchTask]:
    """Every grouping's runs of windows, newest run first: the order one worker fetches them."""
    return [
        FetchTask(grouping, tuple(chain))
        for grouping in Grouping
        for chain in sorted(
            chain_windows(plan.get(grouping, ())), key=lambda c: c[-1].end, reverse=True
        )
    ]


def collect(
    ce: CostExplorer,
    specs: Sequence[SummarySpec],
    config: CollectionConfig,
    today: date,
    known: Mapping[Window, Mapping[Grouping, tuple[Any, ...]]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[Window, WindowData]:
    """Fetch and parse everything `specs` need; one WindowData per window.

    `known` holds lines already at hand for some (window, grouping) pairs: the published lines
    of final months (see `dapanoskop.reuse`). Those pairs are not asked for; they count as
    final data, exactly as Cost Explorer would have answered for a final month.
    `should_stop` is asked before every page: once it says yes no more pages are asked for,
    and only the windows whose every grouping arrived whole are returned.
    """
    has_cost_category = config.cost_category_name is not None
    plan = plan_windows(specs, has_cost_category, include_accounts=config.include_accounts)
    known = known or {}
    history = _History(earliest_available(today, config.history_months))
    to_fetch: dict[Grouping, set[Window]] = {}
    fetched: dict[Grouping, dict[Window, _Fetched]] = defaultdict(dict)
    for grouping, windows in plan.items():
        have = {w for w in windows if grouping in known.get(w, {})}
        for window in have:
            fetched[grouping][window] = _Fetched(Status.FINAL, known[window][grouping])
        history.seed(grouping, have)
        to_fetch[grouping] = windows - have
    tasks = plan_tasks(to_fetch)
    settled = [threading.Event() for _ in tasks]
    # A failed task fails the run: the others ask for no further page (each costs $0.01).
    failed = threading.Event()

    def stop() -> bool:
        return failed.is_set() or (should_stop is not None and should_stop())

    calls = [
        _task_call(
            ce,
            task,
            config,
            history,
            settled[index],
            _waits_for(tasks, index, settled),
            stop,
            failed,
        )
        for index, task in enumerate(tasks)
    ]
    workers = config.concurrency
    if should_stop is not None:
        # Pages come oldest month first, and a month can be written only once every grouping
        # has it: with a time limit, every grouping's requests advance together, so the months
        # finished when time runs out are whole. (One at a time would spend the time on the
        # first grouping and finish no month.) The same requests, a few more at once.
        workers = max(workers, len({task.grouping for task in tasks}))
    results = run_bounded(calls, workers)
    for task, result in zip(tasks, results, strict=True):
        fetched[task.grouping].update(result)
    all_windows = {w for windows in plan.values() for w in windows}
    return {
        window: _window_data(window, fetched)
        for window in sorted(all_windows)
        if all(window in fetched[g] for g, windows in plan.items() if window in windows)
    }


def _waits_for(
    tasks: Sequence[FetchTask], index: int, settled: Sequence[threading.Event]
) -> list[threading.Event]:
    """The earlier tasks whose findings about the start of the history could change what task
    `index` asks for: those with a window that starts at or after its oldest window (the
    horizon they learn, and for the same grouping whether a newer window has data).

    Tasks start in list order (the pool's queue is first in, first out), so a task only ever
    waits for tasks that are already running: no deadlock.
    """
    oldest = tasks[index].chain[0].start
    return [settled[i] for i in range(index) if tasks[i].chain[-1].start >= oldest]


@dataclass(frozen=True)
class _Fetched:
    status: Status
    lines: Any  # the grouping's lines: UsageLines, or a tuple of its records


_UNAVAILABLE = _Fetched(Status.UNAVAILABLE, ())


class _History:
    """What the fetch tasks know of the start of Cost Explorer's history, shared between them.

    Cost Explorer's history has a single start, so a month refused while a newer one has
    data is older than that start, and so is every older window: those are marked without a
    request, in this grouping and the ones after it. A refused month with nothing newer
    available (the month to date on the 2nd, before Cost Explorer has it) says nothing about
    older months.
    """

    def __init__(self, start: date) -> None:
        self._start = start
        self._lock = threading.Lock()
        self._fetched: dict[Grouping, dict[Window, _Fetched]] = defaultdict(dict)

    def split(self, task: FetchTask) -> tuple[list[Window], list[Window], bool]:
        """(windows known to be unavailable, windows to ask for, whether a window of the
        grouping newer than all of those has data)."""
        with self._lock:
            start = self._start
            known = dict(self._fetched[task.grouping])
        remaining = [w for w in task.chain if w.start >= start]
        newer_available = bool(remaining) and any(
            f.status is not Status.UNAVAILABLE and w.start > remaining[-1].start
            for w, f in known.items()
        )
        return [w for w in task.chain if w.start < start], remaining, newer_available

    def seed(self, grouping: Grouping, windows: Iterable[Window]) -> None:
        """Windows whose data is at hand (published final months): each of them has data."""
        with self._lock:
            for window in windows:
                self._fetched[grouping].setdefault(window, _Fetched(Status.FINAL, ()))

    def accepted(self, task: FetchTask, windows: Sequence[Window]) -> None:
        """Cost Explorer answered a request for `windows`: each of them has data."""
        with self._lock:
            for window in windows:
                self._fetched[task.grouping].setdefault(window, _Fetched(Status.FINAL, ()))

    def learn(self, task: FetchTask, fetched: Mapping[Window, _Fetched]) -> None:
        with self._lock:
            known = self._fetched[task.grouping]
            known.update(fetched)
            self._start = max(self._start, _history_start(known))


def _task_call(
    ce: CostExplorer,
    task: FetchTask,
    config: CollectionConfig,
    history: _History,
    settled: threading.Event,
    waits_for: Sequence[threading.Event],
    should_stop: Callable[[], bool] | None = None,
    failed: threading.Event | None = None,
) -> Callable[[], dict[Window, _Fetched]]:
    """The work of one task, for the pool.

    `settled` is set once this task can teach the others nothing more: when its first page
    arrived (every window of its run has data) or when it ends.
    """

    def fetch() -> dict[Window, _Fetched]:
        try:
            for earlier in waits_for:
                earlier.wait()
            if should_stop is not None and should_stop():
                return {}
            known_unavailable, remaining, newer_available = history.split(task)
            result = dict.fromkeys(known_unavailable, _UNAVAILABLE)
            if remaining:

                def accepted() -> None:
                    history.accepted(task, remaining)
                    settled.set()

                result.update(
                    _fetch_chain(
                        ce, task.grouping, remaining, config, newer_available, accepted, should_stop
                    )
                )
            history.learn(task, result)
            return result
        except BaseException:
            if failed is not None:
                failed.set()
            raise
        finally:
            settled.set()

    return fetch


def _history_start(fetched: Mapping[Window, _Fetched]) -> date:
    """The month after the newest refused window that has an available newer one."""
    available = [w.start for w, f in fetched.items() if f.status is not Status.UNAVAILABLE]
    if not available:
        return date.min
    newest_available = max(available)
    too_old = [
        w.start
        for w, f in fetched.items()
        if f.status is Status.UNAVAILABLE and w.start < newest_available
    ]
    return add_months(max(too_old).replace(day=1), 1) if too_old else date.min


def _fetch_chain(
    ce: CostExplorer,
    grouping: Grouping,
    chain: list[Window],
    config: CollectionConfig,
    newer_available: bool = False,
    on_accepted: Callable[[], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[Window, _Fetched]:
    """One request for a run of windows; when refused, find where the history starts.

    `newer_available`: a window newer than the whole chain has data. The newer half is tried
    first: if its oldest window is refused while something newer has data, that window is
    older than the start of Cost Explorer's history and so is the whole older half, so finding
    the start costs about log2(n) requests. A refused newer half with nothing newer available
    may be "not yet" rather than "too old", so the older half is then asked on its own.
    `on_accepted` is called when the first page of the whole chain's request arrives. When
    `should_stop` ends the request early, only the windows received whole are returned.
    """
    request = _request(grouping, chain[0].start, chain[-1].end, config)
    detail = f"{grouping.value} {chain[0].start}..{chain[-1].end}"
    names: dict[str, str] | None = {} if grouping is Grouping.LINKED_ACCOUNT else None
    try:
        results = ce.cost_and_usage(request, detail, page_parts, on_accepted, should_stop, names)
    except CollectionStopped as stopped:
        return _received(grouping, chain, stopped.results, names)
    except ClientError as error:  # a history refusal: the others are wrapped by CostExplorer
        if len(chain) == 1:
            logger.info(
                "window unavailable grouping=%s window=%s code=%s",
                grouping.value,
                detail,
                error_code(error),
            )
            return {chain[0]: _UNAVAILABLE}
        middle = len(chain) // 2
        newer = _fetch_chain(
            ce, grouping, chain[middle:], config, newer_available, should_stop=should_stop
        )
        if chain[middle] not in newer:  # stopped part-way: the older half is not asked
            return newer
        newer_has_data = any(f.status is not Status.UNAVAILABLE for f in newer.values())
        if newer[chain[middle]].status is Status.UNAVAILABLE and (
            newer_available or newer_has_data
        ):
            return {**dict.fromkeys(chain[:middle], _UNAVAILABLE), **newer}
        older = _fetch_chain(
            ce,
            grouping,
            chain[:middle],
            config,
            newer_available or newer_has_data,
            should_stop=should_stop,
        )
        return {**older, **newer}
    by_period = {(r.start, r.end): r for r in results}
    fetched: dict[Window, _Fetched] = {}
    for window in chain:
        found = by_period.get((window.start.isoformat(), window.end.isoformat()))
        if found is None:
            fetched[window] = _Fetched(Status.FINAL, ())
            continue
        status = Status.ESTIMATED if found.estimated else Status.FINAL
        fetched[window] = _Fetched(status, _window_lines(grouping, found.parts, names))
    return fetched


def _window_lines(grouping: Grouping, parts: Sequence[Any], names: Mapping[str, str] | None) -> Any:
    """A window's lines from its pages' parts; account lines get the names Cost Explorer
    sent beside them."""
    lines = window_lines(grouping, parts)
    if not names:
        return lines
    return tuple(
        AccountLine(line.account_id, names.get(line.account_id, ""), line.cost) for line in lines
    )


def _received(
    grouping: Grouping,
    chain: Sequence[Window],
    results: Sequence[Any],
    names: Mapping[str, str] | None = None,
) -> dict[Window, _Fetched]:
    """The windows of a stopped request that arrived whole: those before the last period
    received (pages come in time order), which is itself only part-way."""
    by_period = {(r.start, r.end): r for r in results}
    cut = next((r.start for r in results if not r.complete), None)
    fetched: dict[Window, _Fetched] = {}
    for window in chain:
        if cut is None or window.start.isoformat() >= cut:
            break
        found = by_period.get((window.start.isoformat(), window.end.isoformat()))
        if found is None:
            fetched[window] = _Fetched(Status.FINAL, ())
        else:
            status = Status.ESTIMATED if found.estimated else Status.FINAL
            fetched[window] = _Fetched(status, _window_lines(grouping, found.parts, names))
    return fetched


def _request(
    grouping: Grouping, start: date, end: date, config: CollectionConfig
) -> dict[str, Any]:
    tag = {"Type": "TAG", "Key": config.workload_tag_key}
    group_by = {
        Grouping.WORKLOAD_USAGE_TYPE: [tag, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        Grouping.WORKLOAD_COST_CENTER: [
            tag,
            {"Type": "COST_CATEGORY", "Key": config.cost_category_name},
        ],
        Grouping.SERVICE_USAGE_TYPE: [
            {"Type": "DIMENSION", "Key": "SERVICE"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
        Grouping.RECORD_TYPE_USAGE_TYPE: [
            {"Type": "DIMENSION", "Key": "RECORD_TYPE"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
        Grouping.LINKED_ACCOUNT: [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}],
    }[grouping]
    metrics = [config.cost_metric]
    if grouping in (Grouping.WORKLOAD_USAGE_TYPE, Grouping.SERVICE_USAGE_TYPE):
        metrics.append(USAGE_QUANTITY)
    return {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": metrics,
        "GroupBy": group_by,
    }


def _window_data(
    window: Window, fetched: Mapping[Grouping, Mapping[Window, _Fetched]]
) -> WindowData:
    parts = {g: by_window[window] for g, by_window in fetched.items() if window in by_window}
    statuses = {part.status for part in parts.values()}
    if Status.UNAVAILABLE in statuses:
        return WindowData(window, Status.UNAVAILABLE)
    status = Status.ESTIMATED if Status.ESTIMATED in statuses else Status.FINAL
    return WindowData(
        window=window,
        status=status,
        usage=_lines(parts, Grouping.WORKLOAD_USAGE_TYPE),
        cost_centers=_lines(parts, Grouping.WORKLOAD_COST_CENTER),
        services=_lines(parts, Grouping.SERVICE_USAGE_TYPE),
        charges=_lines(parts, Grouping.RECORD_TYPE_USAGE_TYPE),
        accounts=_lines(parts, Grouping.LINKED_ACCOUNT),
    )


def _lines(parts: Mapping[Grouping, _Fetched], grouping: Grouping) -> Any:
    part = parts.get(grouping)
    return None if part is None else part.lines


def resolve_cost_category(ce: CostExplorer, configured: str | None, window: Window) -> str | None:
    """The cost category that defines cost centers.

    A configured name wins. Otherwise the account's cost category is used when it has
    exactly one; with none or several there is no safe choice, so every workload goes to
    `Uncategorized` and the names found are logged for the operator to pick one.
    """
    if configured is not None:
        return configured
    names = ce.cost_category_names(window.start.isoformat(), window.end.isoformat())
    if len(names) == 1:
        logger.info("using the account's only cost category name=%s", names[0])
        return names[0]
    logger.warning(
        "no cost category chosen; set COST_CATEGORY_NAME names=%s", ",".join(names) or "-"
    )
    return None


def collect_forecast(
    ce: CostExplorer, today: date, forecast_metric: str, month_to_date: WindowData
) -> Decimal | None:
    """Projected cost of the whole current month, or None when Cost Explorer gives none.

    Every day of the month is counted once:
    - `[M-01, data end)`: the month-to-date actual cost (the complete days);
    - `[data end, today)`: the settling days (MTD_SETTLE_DAYS) that Cost Explorer is still
      loading, at the average daily cost of the complete days (GetCostForecast does not
      accept a start in the past, so it cannot project them);
    - `[today, next month)`: GetCostForecast, whose answer covers only the requested days
      (see README, "Forecast").
    A failing forecast never fails the run.
    """
    end = add_months(today.replace(day=1), 1)
    params = {
        "TimePeriod": {"Start": today.isoformat(), "End": end.isoformat()},
        "Metric": forecast_metric,
        "Granularity": "MONTHLY",
    }
    try:
        answer = ce.forecast(params)
        remaining = Decimal(answer["Total"]["Amount"])
    except (ClientError, BotoCoreError, KeyError, ArithmeticError) as error:
        logger.warning("forecast unavailable; leaving it out error=%s", redact(str(error)))
        return None
    return month_end_projection(month_to_date, today, remaining)


def month_end_projection(month_to_date: WindowData, today: date, remaining: Decimal) -> Decimal:
    """Actual cost of the complete days + the settling days at their average + `remaining`."""
    window = month_to_date.window
    actual = total_cost(month_to_date.usage) if month_to_date.usage is not None else Decimal(0)
    settling_days = (today - window.end).days
    complete_days = (window.end - window.start).days
    settling = actual * settling_days / complete_days if settling_days > 0 else Decimal(0)
    return actual + settling + remaining
