"""Faults: Cost Explorer throttling and refusals, S3 writes failing part-way, racing runs.

Runs go through the Lambda's core, `handle`, against moto S3 (a real HTTP server) and the local
Cost Explorer behind a real boto3 client, so botocore's own retry logic is what is tested.
What a user relies on: a run that is throttled for a while still succeeds; one that cannot
succeed says which request failed; a failure half-way through publishing never makes
`index.json` list a period without its summary, never loses published data, and the next run
heals it; and two runs at the same time never drop each other's periods from the index.

The account is small: every day $1.00 of S3 storage (workload `web`, cost center Research) and
$2.00 of EC2 (workload `batch`, cost center Platform).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff
from botocore.stub import Stubber

from dapanoskop.aws import RETRY_CONFIG
from dapanoskop.localce import LocalCostExplorer
from tests.conftest import BUCKET, FAILED, invoke
from tests.three_dollar_account import ledger

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ENV = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": "CostCenter"}
ACCOUNT_ID = "123456789012"
FINAL_SKIP = "already published with final data"
EXISTS_SKIP = "summary.json exists (use force)"
INTERNAL_ERROR = "We encountered an internal error. Please try again."


def local_ce(now: datetime = NOW) -> LocalCostExplorer:
    return LocalCostExplorer(ledger(end=now.date()), now.date())


def run(
    s3: Any,
    event: Any = None,
    *,
    now: datetime = NOW,
    ce_client: Any = None,
    env: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One Lambda invocation (the daily run unless `event` says otherwise)."""
    return invoke(event, env or ENV, lambda: now, ce_client or local_ce(now).client(), s3)


def objects(s3: Any, prefix: str = "") -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {
        obj["Key"][len(prefix) :]: s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
        for obj in listing.get("Contents", [])
    }


def index_periods(s3: Any) -> list[str]:
    return json.loads(objects(s3)["index.json"])["periods"]


def assert_index_lists_only_complete_periods(s3: Any) -> None:
    """Contract §1: index.json lists a period only when its summary.json exists."""
    stored = objects(s3)
    for period in index_periods(s3):
        assert f"{period}/summary.json" in stored, period


def client_error(operation: str, code: str, status: int, message: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def fail_put_once(s3: Any, key: str, error: ClientError) -> list[str]:
    """Make the next PutObject of `key` raise `error`; returns the keys refused."""
    refused: list[str] = []

    def refuse(params: dict[str, Any], **_kwargs: Any) -> None:
        if params.get("Key") == key and not refused:
            refused.append(key)
            raise error

    s3.meta.events.register("before-parameter-build.s3.PutObject", refuse)
    return refused


@pytest.fixture
def backoff_delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """botocore's backoff delays, recorded at the top of their jitter range, never slept."""
    delays: list[float] = []
    compute = ExponentialBackoff.delay_amount

    def record(self: ExponentialBackoff, context: Any) -> float:
        self._random = lambda: 1.0  # the jitter's upper bound, so each delay is exact
        delays.append(compute(self, context))
        return 0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", record)
    yield delays


# --- Cost Explorer -------------------------------------------------------------------------


def test_throttling_that_clears_after_retries_changes_nothing(
    s3: Any, backoff_delays: list[float]
) -> None:
    calm_env = {**ENV, "DATA_PREFIX": "calm"}
    status, calm = run(s3, env=calm_env)
    assert status == 200

    lce = local_ce()
    lce.fail_next("GetCostAndUsage", "LimitExceededException", times=2)
    throttled_env = {**ENV, "DATA_PREFIX": "throttled"}
    status, body = run(s3, ce_client=lce.client(config=RETRY_CONFIG), env=throttled_env)

    assert status == 200
    assert body["succeeded"] == ["2026-11", "2026-10"]
    assert body["failed"] == []
    # The first request was sent three times (two throttled attempts, then an answer).
    # Throttling backs off from a 1 s scale: 1 x 2^0, 1 x 2^1 seconds at the jitter's top.
    assert backoff_delays == [1, 2]
    first_three = [params for _, params in lce.requests[:3]]
    assert first_three[0] == first_three[1] == first_three[2]
    assert lce.request_count("GetCostAndUsage") == 9 + 2
    # The run reports the requests it made (11 with the cost category's definition lookup, as
    # without throttling), not the HTTP attempts.
    assert body["ce_requests"] == calm["ce_requests"] == 11
    # Same answers, same clock: byte-identical files to the run that was never throttled.
    assert objects(s3, "throttled/") == objects(s3, "calm/")


def test_throttling_that_does_not_clear_fails_naming_the_request(
    s3: Any, backoff_delays: list[float]
) -> None:
    run(s3, {"backfill": True, "months": 2})
    before = objects(s3)
    lce = local_ce()
    lce.fail_next("GetCostAndUsage", "LimitExceededException", times=100)

    status, body = run(s3, ce_client=lce.client(config=RETRY_CONFIG))

    # October is published and final, so the daily run only does November month-to-date; its
    # first request (newest windows first) is workload x usage type for October and November
    # to date. RETRY_CONFIG allows 8 attempts.
    assert status == FAILED
    assert body == {
        "error": "Cost Explorer GetCostAndUsage (workload_usage_type 2026-10-01..2026-11-25) "
        "failed: An error occurred (LimitExceededException) when calling the GetCostAndUsage "
        "operation (reached max retries: 7): Injected failure from the local Cost Explorer"
    }
    assert lce.request_count() == 8
    assert {json.dumps(params, sort_keys=True) for _, params in lce.requests} == {
        json.dumps(lce.requests[0][1], sort_keys=True)
    }
    # 2^(i) seconds for attempt i, capped at 20.
    assert backoff_delays == [1, 2, 4, 8, 16, 20, 20]
    assert objects(s3) == before


def test_access_denied_fails_the_run_naming_the_request_without_the_account_id(
    s3: Any,
) -> None:
    # A refusal the local Cost Explorer cannot produce, at one exact request: Stubber's job.
    ce = boto3.client("ce", region_name="us-east-1")
    message = (
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/dapanoskop/collector is not authorized "
        f"to perform: ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:{ACCOUNT_ID}:/"
        "GetCostAndUsage"
    )
    with Stubber(ce) as stub:
        # A one-month backfill on 26 November 2026 publishes October 2026; its first request
        # (newest windows first) is workload x usage type for September and October 2026.
        stub.add_client_error(
            "get_cost_and_usage",
            service_error_code="AccessDeniedException",
            service_message=message,
            http_status_code=400,
            expected_params={
                "TimePeriod": {"Start": "2026-09-01", "End": "2026-11-01"},
                "Granularity": "MONTHLY",
                "Metrics": ["UnblendedCost", "UsageQuantity"],
                "GroupBy": [
                    {"Type": "TAG", "Key": "App"},
                    {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
                ],
            },
        )
        status, body = run(s3, {"backfill": True, "months": 1}, ce_client=ce)
        stub.assert_no_pending_responses()

    assert status == FAILED
    assert body == {
        "error": "Cost Explorer GetCostAndUsage (workload_usage_type 2026-09-01..2026-11-01) "
        "failed: An error occurred (AccessDeniedException) when calling the GetCostAndUsage "
        "operation: User: arn:aws:sts::REDACTED:assumed-role/dapanoskop/collector is not "
        "authorized to perform: ce:GetCostAndUsage on resource: "
        "arn:aws:ce:us-east-1:REDACTED:/GetCostAndUsage"
    }
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


# --- S3 failing part-way -------------------------------------------------------------------


def test_summary_put_failing_after_the_parquet_files_keeps_the_index_consistent(
    s3: Any,
) -> None:
    run(s3, {"backfill": True, "months": 3})  # October, September, August 2026
    before = objects(s3)
    refused = fail_put_once(
        s3, "2026-11/summary.json", client_error("PutObject", "InternalError", 500, INTERNAL_ERROR)
    )

    status, body = run(s3)  # the daily run: November month-to-date (October is final)

    assert refused == ["2026-11/summary.json"]
    assert status == FAILED
    assert body["succeeded"] == []
    assert body["skipped"] == [{"period": "2026-10", "reason": FINAL_SKIP}]
    assert body["failed"] == [
        {
            "period": "2026-11",
            "error": "cannot write s3://cost-data/2026-11/summary.json: An error occurred "
            f"(InternalError) when calling the PutObject operation: {INTERNAL_ERROR}",
        }
    ]
    after = objects(s3)
    # The Parquet files went first; the summary is missing, so the index does not list it.
    assert set(after) == set(before) | {
        "2026-11/cost-by-workload.parquet",
        "2026-11/cost-by-usage-type.parquet",
    }
    assert index_periods(s3) == ["2026-10", "2026-09", "2026-08"]
    assert_index_lists_only_complete_periods(s3)
    # Nothing published before was deleted, emptied or changed.
    assert {k: v for k, v in after.items() if k in before and k != "index.json"} == {
        k: v for k, v in before.items() if k != "index.json"
    }

    status, body = run(s3, now=NOW + timedelta(hours=1))  # the next run heals

    assert status == 200
    assert body["succeeded"] == ["2026-11"]
    assert index_periods(s3) == ["2026-11", "2026-10", "2026-09", "2026-08"]
    assert_index_lists_only_complete_periods(s3)
    november = json.loads(objects(s3)["2026-11/summary.json"])
    assert november["is_mtd"] is True
    # 1-24 November (the 25th is still settling): 24 days x $3.00.
    assert november["totals"]["current_cost_usd"] == 72.0


def test_summary_put_failing_keeps_the_published_summary_of_that_period(s3: Any) -> None:
    yesterday = NOW - timedelta(days=1)
    run(s3, now=yesterday)  # publishes November (to the 23rd) and October
    before = objects(s3)
    fail_put_once(
        s3, "2026-11/summary.json", client_error("PutObject", "InternalError", 500, INTERNAL_ERROR)
    )

    status, body = run(s3)

    assert status == FAILED
    assert [f["period"] for f in body["failed"]] == ["2026-11"]
    after = objects(s3)
    assert after["2026-11/summary.json"] == before["2026-11/summary.json"]
    assert json.loads(after["2026-11/summary.json"])["totals"]["current_cost_usd"] == 69.0
    assert index_periods(s3) == ["2026-11", "2026-10"]

    status, body = run(s3)

    assert status == 200
    assert body["succeeded"] == ["2026-11"]
    # 1-24 November now: 24 days x $3.00.
    healed = json.loads(objects(s3)["2026-11/summary.json"])
    assert healed["totals"]["current_cost_usd"] == 72.0


def test_index_put_failing_fails_the_run_and_the_next_run_lists_the_period(s3: Any) -> None:
    run(s3, {"backfill": True, "months": 2})  # October, September 2026
    index_before = objects(s3)["index.json"]
    fail_put_once(s3, "index.json", client_error("PutObject", "InternalError", 500, INTERNAL_ERROR))

    status, body = run(s3)

    assert status == FAILED
    assert body == {
        "error": "cannot write s3://cost-data/index.json: An error occurred (InternalError) "
        f"when calling the PutObject operation: {INTERNAL_ERROR}"
    }
    assert objects(s3)["index.json"] == index_before
    assert "2026-11/summary.json" in objects(s3)

    status, body = run(s3)

    assert status == 200
    assert index_periods(s3) == ["2026-11", "2026-10", "2026-09"]


# --- Two runs racing on index.json ---------------------------------------------------------


@pytest.fixture
def other_s3(moto_endpoint: str, s3: Any) -> Any:
    """A second S3 client on the same server: the other Lambda invocation's."""
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@dataclass
class Race:
    """This run's index PUT attempts and the rival run that slipped in before the first."""

    attempts: list[dict[str, Any]] = field(default_factory=list)
    rival_body: dict[str, Any] = field(default_factory=dict)
    rival_etag: str = ""


def race_on_the_index(s3: Any, other_s3: Any, rival_event: dict[str, Any]) -> Race:
    """Just before this run's first index PUT, another run makes its whole index update."""
    race = Race()

    def rival_run_first(params: dict[str, Any], **_kwargs: Any) -> None:
        if params["Key"] != "index.json":
            return
        race.attempts.append({k: params.get(k) for k in ("IfMatch", "IfNoneMatch")})
        if len(race.attempts) == 1:
            status, race.rival_body = run(other_s3, rival_event)
            assert status == 200
            race.rival_etag = other_s3.head_object(Bucket=BUCKET, Key="index.json")["ETag"]

    s3.meta.events.register("before-parameter-build.s3.PutObject", rival_run_first)
    return race


def test_racing_runs_creating_the_index_both_get_listed(s3: Any, other_s3: Any) -> None:
    race = race_on_the_index(s3, other_s3, {"backfill": True, "months": 4})

    status, body = run(s3)  # the daily run: November month-to-date and October

    assert status == 200
    assert body["succeeded"] == ["2026-11", "2026-10"]
    # The rival backfill finds October written and adds September back to July.
    assert race.rival_body["succeeded"] == ["2026-09", "2026-08", "2026-07"]
    everything = ["2026-11", "2026-10", "2026-09", "2026-08", "2026-07"]
    assert index_periods(s3) == body["index"] == everything
    assert_index_lists_only_complete_periods(s3)
    # Its first write expected no index (If-None-Match) and was refused: the rival had made
    # one. It re-read the index, re-listed the summaries and won with If-Match.
    assert race.attempts == [
        {"IfMatch": None, "IfNoneMatch": "*"},
        {"IfMatch": race.rival_etag, "IfNoneMatch": None},
    ]


def test_racing_runs_updating_the_index_both_get_listed(s3: Any, other_s3: Any) -> None:
    run(s3, {"backfill": True, "months": 3}, now=NOW - timedelta(hours=2))
    old_etag = s3.head_object(Bucket=BUCKET, Key="index.json")["ETag"]
    race = race_on_the_index(s3, other_s3, {"backfill": True, "months": 5})

    status, body = run(s3)  # the daily run: November (October is published and final)

    assert status == 200
    assert body["succeeded"] == ["2026-11"]
    assert race.rival_body["succeeded"] == ["2026-07", "2026-06"]
    everything = ["2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06"]
    assert index_periods(s3) == body["index"] == everything
    assert_index_lists_only_complete_periods(s3)
    assert race.attempts == [
        {"IfMatch": old_etag, "IfNoneMatch": None},
        {"IfMatch": race.rival_etag, "IfNoneMatch": None},
    ]


def test_a_conflicting_index_write_is_retried(s3: Any) -> None:
    # Real S3 answers 409 ConditionalRequestConflict to concurrent conditional writes;
    # moto never does, so the first index PUT is refused that way here.
    refused = fail_put_once(
        s3,
        "index.json",
        client_error(
            "PutObject",
            "ConditionalRequestConflict",
            409,
            "A conflicting operation occurred. Please retry.",
        ),
    )

    status, body = run(s3)

    assert refused == ["index.json"]
    assert status == 200
    assert body["index"] == index_periods(s3) == ["2026-11", "2026-10"]
