"""Requests made at the same time: the same requests, the same files, whatever CE_CONCURRENCY.

The collector sends independent requests (groupings, runs of windows) through a bounded pool;
the pages of one request stay in order. These tests hold the pool to its promises: at most N in
flight, results in call order, the first failure in call order raised; and a whole run sends
exactly the requests (pages and refused ones included) and writes exactly the bytes of a run
that asks one request at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dapanoskop import pipeline
from dapanoskop.concurrency import run_bounded
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.settings import LocalDestination, Settings, SettingsError
from dapanoskop.store import LocalStore
from tests import e2e_account
from tests.three_dollar_account import ledger

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_the_pool_keeps_call_order_and_never_runs_more_than_its_workers() -> None:
    lock = threading.Lock()
    running = [0]
    most = [0]

    def call(value: int) -> Any:
        def run() -> int:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.01 * (5 - value % 5))  # later calls often finish first
            with lock:
                running[0] -= 1
            return value * 10

        return run

    assert run_bounded([call(v) for v in range(12)], 3) == [v * 10 for v in range(12)]
    assert most[0] == 3


def test_one_worker_runs_the_calls_in_this_thread_one_after_the_other() -> None:
    threads = []
    order = []

    def call(value: int) -> Any:
        def run() -> int:
            threads.append(threading.current_thread())
            order.append(value)
            return value

        return run

    assert run_bounded([call(v) for v in range(4)], 1) == [0, 1, 2, 3]
    assert order == [0, 1, 2, 3]
    assert set(threads) == {threading.current_thread()}


def test_the_first_failure_in_call_order_is_raised() -> None:
    def fails(message: str, delay: float) -> Any:
        def run() -> None:
            time.sleep(delay)
            raise ValueError(message)

        return run

    # The second call fails first in time; the first call's failure is the one reported.
    with pytest.raises(ValueError, match="first"):
        run_bounded([fails("first", 0.05), fails("second", 0.0), lambda: 3], 3)


@pytest.mark.parametrize("raw", ["0", "11", "three", "-1", "2.5"])
def test_a_bad_ce_concurrency_names_the_variable_and_what_is_accepted(raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.build(LocalDestination(Path("out")), {"CE_CONCURRENCY": raw})
    assert str(caught.value) == (
        f"CE_CONCURRENCY={raw!r} is not valid: accepted is a whole number of Cost Explorer "
        "requests in flight at once, from 1 to 10 (3 by default; 1 asks one at a time)"
    )


def test_ce_concurrency_defaults_to_3() -> None:
    assert Settings.build(LocalDestination(Path("out")), {}).ce_concurrency == 3
    seven = Settings.build(LocalDestination(Path("out")), {"CE_CONCURRENCY": " 7 "})
    assert seven.ce_concurrency == 7


def _account() -> list[Any]:
    # The hand-worked account (many groups: with 2 groups a page, most requests have several
    # pages) on top of a small steady one that has every day Cost Explorer still keeps.
    return [*e2e_account.line_items(), *ledger()]


def _run(tmp_path: Path, job: str, concurrency: int, history: int) -> tuple[list[str], dict]:
    out = tmp_path / f"{job}-{concurrency}-{history}"
    fake = LocalCostExplorer(_account(), NOW.date(), page_size=2)
    settings = Settings.build(
        LocalDestination(out),
        {
            "COST_CATEGORY_NAME": e2e_account.COST_CATEGORY,
            "INCLUDE_EFS": "true",
            "CE_CONCURRENCY": str(concurrency),
            "CE_HISTORY_MONTHS": str(history),
        },
    )
    store = LocalStore(out)
    if job == "daily":
        result = pipeline.run_daily(settings, fake.client(), store, NOW)
    else:
        result = pipeline.run_backfill(settings, fake.client(), store, NOW, 13)
    assert not result.failed
    requests = sorted(json.dumps(params, sort_keys=True) for _, params in fake.requests)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return requests, files


@pytest.mark.parametrize("job", ["daily", "backfill"])
@pytest.mark.parametrize(
    "history",
    [
        13,
        # Cost Explorer keeps 13 months, the setting says 14: the collector has to find where
        # the history starts (refused requests), which is where the order of requests matters.
        14,
    ],
)
def test_concurrent_requests_are_the_same_requests_and_write_the_same_bytes(
    tmp_path: Path, job: str, history: int
) -> None:
    one_at_a_time = _run(tmp_path, job, 1, history)

    for concurrency in (3, 10):
        requests, files = _run(tmp_path, job, concurrency, history)
        assert Counter(requests) == Counter(one_at_a_time[0]), concurrency
        assert files == one_at_a_time[1], concurrency
    # Pages were followed: several pages per request, so the pool ran real page chains.
    assert sum("NextPageToken" in r for r in one_at_a_time[0]) > 10
