"""A backfill that cannot finish in its time stops early, writes whole months only, continues.

The clock is a parameter: the "time left" here falls by 10 s with every request the local Cost
Explorer answers, so the tests stop at a known point without waiting.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from dapanoskop import pipeline
from dapanoskop.handler import handle
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.settings import LocalDestination, Settings
from dapanoskop.store import LocalStore
from dapanoskop.timebudget import TimeBudget
from tests import e2e_account
from tests.test_reuse import LINES, NOV_26, _files, _items, _without_collection

ENV = {"COST_CATEGORY_NAME": e2e_account.COST_CATEGORY}


def _client(fake: LocalCostExplorer) -> Any:
    """A client of the local Cost Explorer whose requests wait 2 ms, like network I/O.

    The local Cost Explorer answers in-process, CPU-bound: without a wait, the thread that
    holds the interpreter lock can make dozens of requests before another grouping's thread
    runs, which no real client would see.
    """
    client = fake.client()
    client.meta.events.register("before-call.ce", lambda **_: time.sleep(0.002))
    return client


def _budget(fake: LocalCostExplorer, seconds: float, per_request: float = 10.0) -> TimeBudget:
    """`seconds` at the start, `per_request` less for every request answered; reserve 100 s."""
    start = len(fake.requests)
    return TimeBudget(lambda: seconds - per_request * (len(fake.requests) - start), 100.0)


def _backfill(
    fake: LocalCostExplorer, out: Path, budget: TimeBudget | None, concurrency: str = "1"
) -> pipeline.RunResult:
    settings = Settings.build(LocalDestination(out), {**ENV, "CE_CONCURRENCY": concurrency})
    return pipeline.run_backfill(
        settings, _client(fake), LocalStore(out), NOV_26, 13, budget=budget
    )


def _published_months(out: Path) -> set[str]:
    return {p.parent.name for p in out.glob("*/summary.json")}


@pytest.mark.parametrize("concurrency", ["1", "3"])
def test_a_backfill_out_of_time_writes_whole_months_and_the_next_call_finishes(
    tmp_path: Path, concurrency: str
) -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=2)
    at_once, stepwise = tmp_path / "at-once", tmp_path / "stepwise"
    everything = _backfill(fake, at_once, None)
    assert len(everything.succeeded) == 13

    # 1,300 s left, 100 s kept for writing: 120 requests of the 142 a whole backfill makes.
    # (The four groupings are fetched side by side; how far each one gets depends on thread
    # scheduling: which months are complete may vary, that they are whole may not.)
    assert everything.ce_requests == 142
    first = _backfill(fake, stepwise, _budget(fake, 1300), concurrency)

    assert first.failed == []
    assert first.succeeded and first.unfinished
    assert sorted(first.succeeded + first.unfinished) == sorted(everything.succeeded)
    # Pages come oldest first: the oldest months are the ones that were complete.
    assert max(first.succeeded) < min(first.unfinished)
    assert first.resume == {"backfill": True, "months": 13}
    assert _published_months(stepwise) == set(first.succeeded)
    # Only whole months: every file of a written month, none of an unfinished one.
    assert not any((stepwise / period).exists() for period in first.unfinished)
    written = {k: v for k, v in _files(stepwise).items() if k != "index.json"}
    assert _without_collection(written) == _without_collection(
        {k: v for k, v in _files(at_once).items() if k in written}
    )

    second = _backfill(fake, stepwise, _budget(fake, 10_000), concurrency)

    assert second.unfinished == [] and second.resume is None
    assert second.succeeded == first.unfinished
    assert sorted(s.period for s in second.skipped) == sorted(first.succeeded)
    assert _files(stepwise).keys() == _files(at_once).keys()
    assert _without_collection(_files(stepwise)) == _without_collection(_files(at_once))
    for name in _files(at_once):
        if name.endswith(LINES):
            assert _files(stepwise)[name] == _files(at_once)[name]


def test_a_budget_spent_before_the_first_request_writes_nothing_and_says_so(
    tmp_path: Path,
) -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=2)

    result = _backfill(fake, tmp_path, _budget(fake, 50))

    assert fake.requests == []
    assert result.succeeded == []
    assert len(result.unfinished) == 13
    assert not list(tmp_path.glob("*/summary.json"))
    assert result.as_dict()["resume"] == {"backfill": True, "months": 13}


def test_the_lambda_answer_says_what_is_unfinished_and_how_to_continue(s3: Any) -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=2)
    env = {"DATA_BUCKET": "cost-data", **ENV, "CE_CONCURRENCY": "1"}
    start = len(fake.requests)

    # The Lambda context's clock: 900 s at the start, 10 s per request. A fifth (180 s) is
    # kept for writing: requests are made until less than 180 s are left, 73 of them, plus
    # at most one more for each other grouping whose request was already on its way (4 run
    # at once with a time limit).
    answer = handle(
        {"backfill": True, "months": 13},
        env,
        lambda: NOV_26,
        _client(fake),
        s3,
        remaining_seconds=lambda: 900 - 10 * (len(fake.requests) - start),
    )

    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200
    requests = [name for name, _ in fake.requests[start:]]
    assert 73 <= requests.count("GetCostAndUsage") <= 73 + 3
    assert body["unfinished"] and body["succeeded"]
    assert body["resume"] == {"backfill": True, "months": 13}
    assert body["message"].startswith("stopped early to stay within the time limit")
    assert body["index"] == sorted(body["succeeded"], reverse=True)


def test_a_forced_backfill_out_of_time_says_it_needs_a_run_without_a_time_limit(
    tmp_path: Path,
) -> None:
    fake = LocalCostExplorer(_items(), NOV_26.date(), page_size=2)
    settings = Settings.build(LocalDestination(tmp_path), {**ENV, "CE_CONCURRENCY": "1"})

    result = pipeline.run_backfill(
        settings,
        fake.client(),
        LocalStore(tmp_path),
        NOV_26,
        13,
        force=True,
        budget=_budget(fake, 500),
    )

    assert result.unfinished and result.resume is None
    assert result.resume_note.endswith("dapanoskop backfill --months 13 --force")


def test_the_lambda_entry_point_passes_the_invocations_remaining_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dapanoskop import handler as entry

    seen: dict[str, Any] = {}

    def fake_handle(event: Any, env: Any, clock: Any, **kwargs: Any) -> dict[str, Any]:
        seen.update(kwargs)
        return {"statusCode": 200, "body": "{}"}

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 612_345

    monkeypatch.setattr(entry, "handle", fake_handle)

    entry.handler({"backfill": True}, Context())

    assert seen["remaining_seconds"]() == 612.345
