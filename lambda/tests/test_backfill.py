"""Backfill through the Lambda's core, `handle`, against moto S3 and the local Cost Explorer.

What a user relies on: a backfill fills the months before the current one, never overwrites a
month that is already published unless forced, never replaces published cost with an empty
answer, never overwrites a month whose existence S3 cannot confirm, and a bad event is refused
with a message that names the field before anything is written.

The account used here is small and easy to add up by hand: every day it has $1.00 of S3
storage (workload `web`, cost center Research) and $2.00 of EC2 (workload `batch`, cost center
Platform), so a month costs $3.00 x its days.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dapanoskop.localce import LineItem, LocalCostExplorer
from tests.conftest import BUCKET, FAILED, invoke
from tests.three_dollar_account import ledger

TODAY = date(2026, 11, 26)
FIRST_RUN = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SECOND_RUN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
ENV = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": "CostCenter"}
ACCOUNT_ID = "123456789012"
EXISTS_SKIP = "summary.json exists (use force)"
NO_DATA = "Cost Explorer has no data for this month"
NO_COST = "Cost Explorer returned no cost for this month"


def run(
    s3: Any,
    event: Any,
    *,
    now: datetime = FIRST_RUN,
    items: list[LineItem] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], LocalCostExplorer]:
    """One Lambda invocation; returns its status, its parsed body and the Cost Explorer used."""
    lce = LocalCostExplorer(ledger() if items is None else items, now.date())
    status, body = invoke(event, env or ENV, lambda: now, lce.client(), s3)
    return status, body, lce


def objects(s3: Any) -> dict[str, bytes]:
    """Every object in the bucket, key -> bytes."""
    listing = s3.list_objects_v2(Bucket=BUCKET)
    return {
        obj["Key"]: s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
        for obj in listing.get("Contents", [])
    }


def versions(s3: Any) -> Counter[str]:
    """How many times each key was written (the bucket is versioned)."""
    listing = s3.list_object_versions(Bucket=BUCKET)
    return Counter(v["Key"] for v in listing.get("Versions", []))


def summary(s3: Any, period: str) -> dict[str, Any]:
    body = s3.get_object(Bucket=BUCKET, Key=f"{period}/summary.json")["Body"].read()
    return json.loads(body)


def period_keys(*periods: str) -> set[str]:
    names = ("summary.json", "cost-by-workload.parquet", "cost-by-usage-type.parquet")
    return {f"{period}/{name}" for period in periods for name in names}


def index_periods(s3: Any) -> list[str]:
    body = s3.get_object(Bucket=BUCKET, Key="index.json")["Body"].read()
    return json.loads(body)["periods"]


def fail_s3_call(s3: Any, operation: str, key: str, error: ClientError) -> list[str]:
    """Make every `operation` on `key` raise `error`; returns the keys it refused, in order."""
    refused: list[str] = []

    def refuse(params: dict[str, Any], **_kwargs: Any) -> None:
        if params.get("Key") == key:
            refused.append(key)
            raise error

    s3.meta.events.register(f"before-parameter-build.s3.{operation}", refuse)
    return refused


def client_error(operation: str, code: str, status: int, message: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def test_backfill_writes_each_month_whole_and_lists_it(s3: Any) -> None:
    status, body, _ = run(s3, {"backfill": True, "months": 3})

    assert status == 200
    assert body["succeeded"] == ["2026-10", "2026-09", "2026-08"]
    assert body["skipped"] == []
    assert body["failed"] == []
    assert set(objects(s3)) == period_keys("2026-10", "2026-09", "2026-08") | {"index.json"}
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-08"]
    # August: 31 days x $3.00 = $93.00; its previous month July: 31 x 3.00 = 93.00;
    # its year-ago month August 2025 is older than Cost Explorer keeps: 0 and "unavailable".
    august = summary(s3, "2026-08")
    assert august["is_mtd"] is False
    assert august["totals"]["current_cost_usd"] == 93.0
    assert august["totals"]["prev_month_cost_usd"] == 93.0
    assert august["totals"]["yoy_cost_usd"] == 0
    assert august["period_status"] == {
        "current": "final",
        "prev_month": "final",
        "yoy": "unavailable",
    }


def test_existing_months_are_skipped_and_not_rewritten(s3: Any) -> None:
    run(s3, {"backfill": True, "months": 2}, now=FIRST_RUN)
    before = objects(s3)

    status, body, _ = run(s3, {"backfill": True, "months": 3}, now=SECOND_RUN)

    assert status == 200
    assert body["succeeded"] == ["2026-08"]
    assert body["skipped"] == [
        {"period": "2026-10", "reason": EXISTS_SKIP},
        {"period": "2026-09", "reason": EXISTS_SKIP},
    ]
    assert body["failed"] == []
    after = objects(s3)
    for key in period_keys("2026-10", "2026-09"):
        assert after[key] == before[key], key
    written = versions(s3)
    assert all(written[key] == 1 for key in period_keys("2026-10", "2026-09"))
    assert summary(s3, "2026-08")["collected_at"] == "2026-11-26T09:30:00Z"
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-08"]


def test_force_rewrites_existing_months(s3: Any) -> None:
    run(s3, {"backfill": True, "months": 2}, now=FIRST_RUN)
    before = objects(s3)

    status, body, _ = run(s3, {"backfill": True, "months": 2, "force": True}, now=SECOND_RUN)

    assert status == 200
    assert body["succeeded"] == ["2026-10", "2026-09"]
    assert body["skipped"] == []
    after = objects(s3)
    assert after["2026-10/summary.json"] != before["2026-10/summary.json"]
    assert summary(s3, "2026-10")["collected_at"] == "2026-11-26T09:30:00Z"
    assert summary(s3, "2026-09")["collected_at"] == "2026-11-26T09:30:00Z"
    written = versions(s3)
    assert all(written[key] == 2 for key in period_keys("2026-10", "2026-09"))
    # October: 31 days x $3.00.
    assert summary(s3, "2026-10")["totals"]["current_cost_usd"] == 93.0


@pytest.mark.parametrize(
    ("history_months", "asks_beyond_retention"),
    [
        # Settings agree with Cost Explorer's 13 months: older months are known unavailable.
        ("13", False),
        # Multi-year history configured but the account has 13 months: Cost Explorer answers
        # DataUnavailableException for the older ones.
        ("38", True),
    ],
)
def test_months_older_than_retention_are_skipped_not_failed(
    s3: Any, history_months: str, asks_beyond_retention: bool
) -> None:
    env = {**ENV, "CE_HISTORY_MONTHS": history_months}

    status, body, lce = run(s3, {"backfill": True, "months": 15}, env=env)

    # 15 months before November 2026: October 2026 back to August 2025. Cost Explorer has
    # 2025-10-01 onwards, so September and August 2025 have no data.
    assert status == 200
    assert body["failed"] == []
    assert body["skipped"] == [
        {"period": "2025-09", "reason": NO_DATA},
        {"period": "2025-08", "reason": NO_DATA},
    ]
    assert len(body["succeeded"]) == 13
    assert body["succeeded"][0] == "2026-10"
    assert body["succeeded"][-1] == "2025-10"
    keys = set(objects(s3))
    assert not any(key.startswith(("2025-09/", "2025-08/")) for key in keys)
    assert index_periods(s3) == body["succeeded"]
    starts = [params["TimePeriod"]["Start"] for _, params in lce.requests if "TimePeriod" in params]
    assert any(start < "2025-10-01" for start in starts) is asks_beyond_retention


def test_months_without_any_line_item_are_skipped(s3: Any) -> None:
    # The account was opened on 1 March 2026.
    items = ledger(start=date(2026, 3, 1))

    status, body, _ = run(s3, {"backfill": True, "months": 13}, items=items)

    assert status == 200
    assert body["failed"] == []
    # October 2026 back to March 2026 have cost: 8 months. February 2026 back to October 2025
    # are within Cost Explorer's retention but empty: 5 months.
    assert body["succeeded"] == [f"2026-{m:02d}" for m in range(10, 2, -1)]
    assert body["skipped"] == [
        {"period": period, "reason": NO_COST}
        for period in ("2026-02", "2026-01", "2025-12", "2025-11", "2025-10")
    ]
    assert set(objects(s3)) == period_keys(*body["succeeded"]) | {"index.json"}
    assert index_periods(s3) == body["succeeded"]
    # March's previous month (February) is empty, not unavailable: 0, "final".
    march = summary(s3, "2026-03")
    assert march["totals"]["current_cost_usd"] == 93.0
    assert march["totals"]["prev_month_cost_usd"] == 0
    assert march["period_status"]["prev_month"] == "final"


def test_an_empty_answer_never_replaces_published_cost(s3: Any) -> None:
    run(s3, {"backfill": True, "months": 3}, now=FIRST_RUN)
    before = objects(s3)

    # Later, Cost Explorer answers nothing for September 2026; a forced backfill runs.
    status, body, _ = run(
        s3,
        {"backfill": True, "months": 3, "force": True},
        now=SECOND_RUN,
        items=ledger(gap="2026-09"),
    )

    assert status == 200
    assert body["succeeded"] == ["2026-10", "2026-08"]
    assert body["skipped"] == [
        {"period": "2026-09", "reason": f"{NO_COST}; kept the published data"}
    ]
    assert body["failed"] == []
    after = objects(s3)
    for key in period_keys("2026-09"):
        assert after[key] == before[key], key
    assert versions(s3)["2026-09/summary.json"] == 1
    # September as first published: 30 days x $3.00.
    assert summary(s3, "2026-09")["totals"]["current_cost_usd"] == 90.0
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-08"]


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (
            "AccessDenied",
            403,
            f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/dapanoskop/collector is not "
            "authorized to perform: s3:GetObject",
        ),
        ("InternalError", 500, "We encountered an internal error. Please try again."),
    ],
)
def test_month_whose_existence_s3_cannot_tell_fails_and_is_not_overwritten(
    s3: Any, code: str, status: int, message: str
) -> None:
    sentinel = b'{"period": "2026-09", "published": "earlier"}'
    s3.put_object(Bucket=BUCKET, Key="2026-09/summary.json", Body=sentinel)
    refused = fail_s3_call(
        s3, "HeadObject", "2026-09/summary.json", client_error("HeadObject", code, status, message)
    )

    answer_status, body, _ = run(s3, {"backfill": True, "months": 3})

    assert refused == ["2026-09/summary.json"]
    assert answer_status == FAILED
    assert body["succeeded"] == ["2026-10", "2026-08"]
    assert body["skipped"] == []
    expected = (
        "cannot tell whether s3://cost-data/2026-09/summary.json exists: An error occurred "
        f"({code}) when calling the HeadObject operation: {message}"
    ).replace(ACCOUNT_ID, "REDACTED")
    assert body["failed"] == [{"period": "2026-09", "error": expected}]
    assert ACCOUNT_ID not in json.dumps(body)
    stored = objects(s3)
    assert stored["2026-09/summary.json"] == sentinel
    assert versions(s3)["2026-09/summary.json"] == 1
    assert "2026-09/cost-by-workload.parquet" not in stored
    assert "2026-09/cost-by-usage-type.parquet" not in stored
    # The summary exists, so the index lists it (it lists what exists, §2).
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-08"]


def test_a_failing_month_among_good_ones_answers_207(s3: Any) -> None:
    run(s3, {"backfill": True, "months": 1}, now=FIRST_RUN)  # publishes October
    refused = fail_s3_call(
        s3,
        "PutObject",
        "2026-08/cost-by-workload.parquet",
        client_error("PutObject", "InternalError", 500, "We encountered an internal error."),
    )

    status, body, _ = run(s3, {"backfill": True, "months": 4}, now=SECOND_RUN)

    assert refused == ["2026-08/cost-by-workload.parquet"]
    assert status == FAILED
    assert body["succeeded"] == ["2026-09", "2026-07"]
    assert body["skipped"] == [{"period": "2026-10", "reason": EXISTS_SKIP}]
    assert body["failed"] == [
        {
            "period": "2026-08",
            "error": "cannot write s3://cost-data/2026-08/cost-by-workload.parquet: An error "
            "occurred (InternalError) when calling the PutObject operation: We encountered an "
            "internal error.",
        }
    ]
    expected = period_keys("2026-10", "2026-09", "2026-07") | {"index.json"}
    assert set(objects(s3)) == expected
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-07"]


BAD_EVENTS: list[tuple[Any, str]] = [
    ({"backfill": "true"}, "backfill"),
    ({"backfill": 1}, "backfill"),
    ({"backfill": None}, "backfill"),
    ({"backfill": True, "force": "false"}, "force"),
    ({"backfill": True, "force": 0}, "force"),
    ({"backfill": True, "force": None}, "force"),
    ({"backfill": True, "months": "13"}, "months"),
    ({"backfill": True, "months": 13.0}, "months"),
    ({"backfill": True, "months": 2.5}, "months"),
    ({"backfill": True, "months": True}, "months"),
    ({"backfill": True, "months": None}, "months"),
    ({"backfill": True, "months": 0}, "months"),
    ({"backfill": True, "months": -1}, "months"),
    ({"backfill": True, "months": 39}, "months"),
    ({"backfill": True, "month": 3}, "month"),
    ({"backfill": True, "months": 3, "dry_run": True}, "dry_run"),
    ({"months": 3}, "months"),
    ({"force": True}, "force"),
    ({"backfill": False, "force": True}, "force"),
    (["backfill"], "event"),
    ("backfill", "event"),
]


@pytest.mark.parametrize(("event", "field"), BAD_EVENTS, ids=[repr(e) for e, _ in BAD_EVENTS])
def test_bad_events_are_refused_before_anything_happens(s3: Any, event: Any, field: str) -> None:
    status, body, lce = run(s3, event)

    assert status == 400
    assert body["field"] == field
    assert body["error"].startswith(f"{field}: ")
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    assert lce.requests == []


def test_the_smallest_and_largest_month_counts_are_accepted(s3: Any) -> None:
    status, body, _ = run(s3, {"backfill": True, "months": 1})
    assert status == 200
    assert body["succeeded"] == ["2026-10"]

    status, body, _ = run(s3, {"backfill": True, "months": 38, "force": True})
    # 38 months: October 2026 back to September 2023; 13 have data (October 2025 onwards),
    # the 25 before are unavailable.
    assert status == 200
    assert len(body["succeeded"]) == 13
    assert len(body["skipped"]) == 25
    assert body["skipped"][0] == {"period": "2025-09", "reason": NO_DATA}
    assert body["skipped"][-1] == {"period": "2023-09", "reason": NO_DATA}
