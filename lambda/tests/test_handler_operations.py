"""How an invocation ends and what an operator sees: failures fail the invocation after writing
what could be written, metrics as Embedded Metric Format, the destination checked before any
paid request, strict events, no account id anywhere, SSE-KMS, and the digest after a daily run.

Runs go through `handle` against the moto S3 server and the local Cost Explorer (the small
account of tests/three_dollar_account.py: $1.00 of S3 for `web`, $2.00 of EC2 for `batch` a day).
"""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from dapanoskop.handler import RunFailedError, handle
from dapanoskop.localce import LocalCostExplorer
from tests.conftest import BUCKET
from tests.test_backfill import client_error, fail_s3_call
from tests.three_dollar_account import ledger

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ENV = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": "CostCenter"}
ACCOUNT_ID = "123456789012"
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def local_ce() -> LocalCostExplorer:
    return LocalCostExplorer(ledger(end=NOW.date()), NOW.date())


def emf_documents(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def assert_is_emf(document: dict[str, Any]) -> None:
    """The Embedded Metric Format specification's rules, checked one by one."""
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int)
    [directive] = meta["CloudWatchMetrics"]
    assert isinstance(directive["Namespace"], str) and directive["Namespace"]
    for dimension_set in directive["Dimensions"]:
        assert 1 <= len(dimension_set) <= 30
        for dimension in dimension_set:
            assert isinstance(document[dimension], str)  # every dimension is a string member
    assert 1 <= len(directive["Metrics"]) <= 100
    for metric in directive["Metrics"]:
        assert metric["Unit"] in {"Count", "Seconds"}
        value = document[metric["Name"]]  # every metric is a number member
        assert isinstance(value, int | float) and not isinstance(value, bool)


# --- failures are failures ------------------------------------------------------------------------


def test_a_failing_period_raises_after_the_others_are_written(s3: Any) -> None:
    fail_s3_call(
        s3,
        "PutObject",
        "2026-09/cost-by-workload.parquet",
        client_error("PutObject", "AccessDenied", 403, f"arn:aws:iam::{ACCOUNT_ID}:role/x"),
    )
    metrics = io.StringIO()

    with pytest.raises(RunFailedError) as caught:
        handle(
            {"backfill": True, "months": 3},
            ENV,
            lambda: NOW,
            local_ce().client(),
            s3,
            metrics_stream=metrics,
        )

    assert str(caught.value) == (
        "1 period(s) failed: 2026-09: cannot write s3://cost-data/2026-09/cost-by-workload.parquet"
        ": An error occurred (AccessDenied) when calling the PutObject operation: "
        "arn:aws:iam::REDACTED:role/x"
    )
    assert caught.value.body["succeeded"] == ["2026-10", "2026-08"]
    listed = json.loads(s3.get_object(Bucket=BUCKET, Key="index.json")["Body"].read())
    assert listed["periods"] == ["2026-10", "2026-08"]
    [document] = emf_documents(metrics)
    assert_is_emf(document)
    assert {k: document[k] for k in ("RunSucceeded", "PeriodsWritten", "PeriodsFailed")} == {
        "RunSucceeded": 0,
        "PeriodsWritten": 2,
        "PeriodsFailed": 1,
    }


def test_invalid_settings_fail_the_invocation_naming_the_variable(s3: Any) -> None:
    lce = local_ce()
    with pytest.raises(RunFailedError) as caught:
        handle(
            {},
            {**ENV, "CE_HISTORY_MONTHS": "²"},
            lambda: NOW,
            lce.client(),
            s3,
            metrics_stream=io.StringIO(),
        )
    assert str(caught.value).startswith("invalid settings: CE_HISTORY_MONTHS='²' is not valid")
    assert caught.value.body["variable"] == "CE_HISTORY_MONTHS"
    assert lce.request_count() == 0


def test_a_successful_daily_run_answers_200_with_one_emf_line(s3: Any) -> None:
    metrics = io.StringIO()
    env = {**ENV, "AWS_LAMBDA_FUNCTION_NAME": "dapanoskop-prod"}

    answer = handle({}, env, lambda: NOW, local_ce().client(), s3, metrics_stream=metrics)

    assert answer["statusCode"] == 200
    [document] = emf_documents(metrics)
    assert_is_emf(document)
    assert document["_aws"]["Timestamp"] == int(NOW.timestamp() * 1000)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Dapanoskop"
    assert document["FunctionName"] == "dapanoskop-prod"
    assert document["mode"] == "daily"
    body = json.loads(answer["body"])
    assert {k: document[k] for k in ("RunSucceeded", "PeriodsWritten", "CostExplorerRequests")} == {
        "RunSucceeded": 1,
        "PeriodsWritten": 2,
        "CostExplorerRequests": body["ce_requests"],
    }
    assert document["DurationSeconds"] >= 0
    # Exactly the seven metrics the README prices (each custom metric is billed per month).
    names = [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == [
        "RunSucceeded",
        "PeriodsWritten",
        "PeriodsFailed",
        "CostExplorerRequests",
        "DigestsSent",
        "DigestFailures",
        "DurationSeconds",
    ]


# --- rough edges ---------------------------------------------------------------------------


def test_a_missing_bucket_fails_before_any_cost_explorer_request(s3: Any) -> None:
    lce = local_ce()
    with pytest.raises(RunFailedError) as caught:
        handle(
            {},
            {**ENV, "DATA_BUCKET": "no-such-bucket"},
            lambda: NOW,
            lce.client(),
            s3,
            metrics_stream=io.StringIO(),
        )
    assert "s3://no-such-bucket/index.json" in str(caught.value)
    assert "NoSuchBucket" in str(caught.value)
    assert lce.request_count() == 0


def test_a_typo_in_the_event_is_refused_with_400_and_runs_nothing(s3: Any) -> None:
    lce = local_ce()
    metrics = io.StringIO()

    answer = handle({"backfil": True}, ENV, lambda: NOW, lce.client(), s3, metrics_stream=metrics)

    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["field"] == "backfil"
    assert lce.request_count() == 0
    assert metrics.getvalue() == ""
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_no_account_id_in_any_log_line_answer_or_error(
    s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bucket = f"costs-{ACCOUNT_ID}"
    s3.create_bucket(Bucket=bucket)
    env = {**ENV, "DATA_BUCKET": bucket}
    handle(
        {}, env, lambda: NOW.replace(day=25), local_ce().client(), s3, metrics_stream=io.StringIO()
    )
    denied = f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/dapanoskop/run is not authorized"
    # the "cannot read summary" warning (October's summary) ...
    fail_s3_call(
        s3,
        "GetObject",
        "2026-10/summary.json",
        client_error("GetObject", "AccessDenied", 403, denied),
    )
    # ... the "forecast unavailable" message ...
    lce = local_ce()
    lce.fail_next("GetCostForecast", "AccessDeniedException", message=denied)
    # ... and a period that fails to write.
    fail_s3_call(
        s3,
        "PutObject",
        "2026-11/summary.json",
        client_error("PutObject", "AccessDenied", 403, denied),
    )
    caplog.set_level(logging.DEBUG, logger="dapanoskop")
    metrics = io.StringIO()

    with pytest.raises(RunFailedError) as caught:
        handle({}, env, lambda: NOW, lce.client(), s3, metrics_stream=metrics)

    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("cannot read summary; rewriting period=2026-10") for line in lines)
    assert any(line.startswith("forecast unavailable") for line in lines)
    assert any(line.startswith("period failed period=2026-11") for line in lines)
    everything = [*lines, str(caught.value), json.dumps(caught.value.body), metrics.getvalue()]
    assert [text for text in everything if TWELVE_DIGITS.search(text)] == []
    assert "s3://costs-REDACTED/" in json.dumps(caught.value.body)


def test_a_successful_answer_carries_no_account_id(s3: Any) -> None:
    bucket = f"costs-{ACCOUNT_ID}"
    s3.create_bucket(Bucket=bucket)
    answer = handle(
        {},
        {**ENV, "DATA_BUCKET": bucket},
        lambda: NOW,
        local_ce().client(),
        s3,
        metrics_stream=io.StringIO(),
    )
    assert answer["statusCode"] == 200
    assert ACCOUNT_ID not in answer["body"]
    assert json.loads(answer["body"])["destination"] == "s3://costs-REDACTED/"


def encryption_of_every_object(s3: Any) -> set[tuple[str, str | None]]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    heads = [s3.head_object(Bucket=BUCKET, Key=key) for key in keys]
    return {(h["ServerSideEncryption"], h.get("SSEKMSKeyId")) for h in heads}


def test_every_object_is_written_with_sse_s3_by_default(s3: Any) -> None:
    handle({}, ENV, lambda: NOW, local_ce().client(), s3, metrics_stream=io.StringIO())
    assert encryption_of_every_object(s3) == {("AES256", None)}


def test_every_object_is_written_with_the_configured_kms_key(s3: Any) -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    puts: list[dict[str, Any]] = []
    s3.meta.events.register(
        "provide-client-params.s3.PutObject", lambda params, **_: puts.append(dict(params))
    )
    env = {**ENV, "SSE_KMS_KEY_ID": key}

    handle(
        {"backfill": True, "months": 2},
        env,
        lambda: NOW,
        local_ce().client(),
        s3,
        metrics_stream=io.StringIO(),
    )
    handle({}, env, lambda: NOW, local_ce().client(), s3, metrics_stream=io.StringIO())

    # 2 months x 3 files + index, then November's 3 files + index
    assert len(puts) == 11
    assert {(p["ServerSideEncryption"], p["SSEKMSKeyId"]) for p in puts} == {("aws:kms", key)}
    assert encryption_of_every_object(s3) == {("aws:kms", key)}


# --- the digest after a daily run -----------------------------------------------------------------


def moto_clients(endpoint: str) -> Any:
    def make(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint)

    return make


def test_daily_run_sends_the_digest_to_sns(s3: Any, moto_endpoint: str) -> None:
    clients = moto_clients(moto_endpoint)
    topic = clients("sns").create_topic(Name="costs")["TopicArn"]
    queue = clients("sqs").create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = clients("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    clients("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    env = {**ENV, "DIGEST_CADENCE": "daily", "DIGEST_SNS_TOPIC_ARN": topic}
    metrics = io.StringIO()

    answer = handle({}, env, lambda: NOW, local_ce().client(), s3, clients, metrics)

    body = json.loads(answer["body"])
    assert body["digest"] == {"period": "2026-11", "sent": ["sns"], "failed": []}
    [message] = clients("sqs").receive_message(QueueUrl=queue)["Messages"]
    text = json.loads(message["Body"])["Message"]
    # MTD_SETTLE_DAYS=1 (schema 2): data through 24 November (the summary's data_through),
    # 24 days x $3.00; the same days of October likewise.
    assert text.startswith(
        "AWS cost digest: November 2026 to date (through 24 Nov)\n"
        "Month to date: $72.00, vs $72.00 for the same days of October 2026 (1-24): no change\n"
    )
    [document] = emf_documents(metrics)
    assert (document["DigestsSent"], document["DigestFailures"]) == (1, 0)


def test_a_failing_digest_never_fails_the_data_run(s3: Any, moto_endpoint: str) -> None:
    env = {
        **ENV,
        "DIGEST_CADENCE": "daily",
        "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:deleted",
        "DIGEST_SLACK_WEBHOOK_SECRET": "dapanoskop/missing",
    }
    metrics = io.StringIO()

    answer = handle(
        {}, env, lambda: NOW, local_ce().client(), s3, moto_clients(moto_endpoint), metrics
    )

    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert body["succeeded"] == ["2026-11", "2026-10"]
    assert body["digest"] == {"period": "2026-11", "sent": [], "failed": ["sns", "slack"]}
    [document] = emf_documents(metrics)
    assert (document["RunSucceeded"], document["DigestFailures"]) == (1, 2)


def test_backfill_sends_no_digest(s3: Any, moto_endpoint: str) -> None:
    env = {
        **ENV,
        "DIGEST_CADENCE": "daily",
        "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
    }
    answer = handle(
        {"backfill": True, "months": 1},
        env,
        lambda: NOW,
        local_ce().client(),
        s3,
        moto_clients(moto_endpoint),
        io.StringIO(),
    )
    assert "digest" not in json.loads(answer["body"])


def test_every_dapanoskop_logger_is_redacted_and_no_other(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("dapanoskop.anything.new").info("bucket=%s", f"costs-{ACCOUNT_ID}")
    logging.getLogger("dapanoskop").info(f"arn:aws:iam::{ACCOUNT_ID}:role/x")
    logging.getLogger("botocore.somewhere").info("id=%s", ACCOUNT_ID)
    assert [r.getMessage() for r in caplog.records] == [
        "bucket=costs-REDACTED",
        "arn:aws:iam::REDACTED:role/x",
        f"id={ACCOUNT_ID}",
    ]


def test_a_digest_that_cannot_be_built_is_counted_and_the_run_succeeds(
    s3: Any, moto_endpoint: str
) -> None:
    # The daily run never reads back the month-to-date summary it wrote; the digest does.
    fail_s3_call(
        s3,
        "GetObject",
        "2026-11/summary.json",
        client_error("GetObject", "InternalError", 500, "We encountered an internal error."),
    )
    env = {
        **ENV,
        "DIGEST_CADENCE": "daily",
        "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
    }
    metrics = io.StringIO()

    answer = handle(
        {}, env, lambda: NOW, local_ce().client(), s3, moto_clients(moto_endpoint), metrics
    )

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["digest"] == {"period": None, "sent": [], "failed": ["build"]}
    [document] = emf_documents(metrics)
    assert (document["RunSucceeded"], document["DigestFailures"]) == (1, 1)


def test_a_run_that_fails_half_way_reports_the_requests_it_paid_for(s3: Any) -> None:
    client = local_ce().client()
    calls = []

    def refuse_the_third(**_kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise client_error("GetCostAndUsage", "AccessDeniedException", 400, "denied")

    client.meta.events.register("before-call.ce.GetCostAndUsage", refuse_the_third)
    metrics = io.StringIO()

    with pytest.raises(RunFailedError):
        handle({}, ENV, lambda: NOW, client, s3, metrics_stream=metrics)

    [document] = emf_documents(metrics)
    assert (document["RunSucceeded"], document["CostExplorerRequests"]) == (0, 3)
