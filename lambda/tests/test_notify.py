"""Delivering the digest: SNS, and Slack through a webhook URL kept in Secrets Manager or SSM.

SNS, Secrets Manager and SSM are moto (`mock_aws`, in process); SNS delivery is observed through
an SQS queue subscribed to the topic. Slack is a local HTTP server on 127.0.0.1 that records
what it is sent. A delivery that fails is logged and counted, never raised.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dapanoskop.digest import Digest
from dapanoskop.notify import deliver, digest_period
from dapanoskop.settings import Cadence, DigestSettings, digest_settings
from dapanoskop.store import LocalStore

DIGEST = Digest("2026-11", "AWS cost digest: November 2026 to date $75.00", "line one\nline two\n")
REGION = "us-east-1"


class Slack:
    """A stand-in for a Slack incoming webhook on 127.0.0.1: records bodies, answers `status`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                slack.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(slack.status)
                self.end_headers()
                self.wfile.write(b"ok" if slack.status == 200 else b"invalid_token")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack() -> Iterator[Slack]:
    server = Slack()
    yield server
    server.close()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def clients(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def subscribed_topic() -> tuple[str, str]:
    """An SNS topic with an SQS queue subscribed (raw delivery): (topic ARN, queue URL)."""
    sns, sqs = clients("sns"), clients("sqs")
    topic = sns.create_topic(Name="cost-digest")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def received(queue: str) -> list[dict[str, Any]]:
    messages = clients("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def settings(**values: str) -> DigestSettings:
    return digest_settings({"DIGEST_CADENCE": "daily", **values})


def test_sns_gets_the_subject_and_the_text(aws: None) -> None:
    topic, queue = subscribed_topic()

    outcome = deliver(DIGEST, settings(DIGEST_SNS_TOPIC_ARN=topic), clients)

    assert (outcome.sent, outcome.failed) == (["sns"], [])
    [message] = received(queue)
    assert message["Subject"] == DIGEST.subject
    assert message["Message"] == DIGEST.text


def test_slack_webhook_from_secrets_manager(aws: None, slack: Slack) -> None:
    clients("secretsmanager").create_secret(Name="dapanoskop/slack", SecretString=slack.url)

    outcome = deliver(DIGEST, settings(DIGEST_SLACK_WEBHOOK_SECRET="dapanoskop/slack"), clients)

    assert (outcome.sent, outcome.failed) == (["slack"], [])
    assert slack.bodies == [
        {"text": f"*{DIGEST.subject}*\n```\nline one\nline two\n```"},
    ]


def test_slack_webhook_from_an_ssm_secure_string(aws: None, slack: Slack) -> None:
    clients("ssm").put_parameter(Name="/dapanoskop/slack", Value=slack.url, Type="SecureString")

    outcome = deliver(DIGEST, settings(DIGEST_SLACK_WEBHOOK_PARAMETER="/dapanoskop/slack"), clients)

    assert (outcome.sent, outcome.failed) == (["slack"], [])
    assert len(slack.bodies) == 1


def test_slack_refusing_is_logged_and_counted_without_the_url(
    aws: None, slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    topic, queue = subscribed_topic()
    clients("secretsmanager").create_secret(Name="dapanoskop/slack", SecretString=slack.url)
    slack.status = 403
    caplog.set_level(logging.INFO, logger="dapanoskop")

    outcome = deliver(
        DIGEST,
        settings(DIGEST_SNS_TOPIC_ARN=topic, DIGEST_SLACK_WEBHOOK_SECRET="dapanoskop/slack"),
        clients,
    )

    assert (outcome.sent, outcome.failed) == (["sns"], ["slack"])
    assert len(received(queue)) == 1  # the other target still got it
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "digest not delivered target=slack period=2026-11 error=Slack answered HTTP 403"
    ]
    assert not any(slack.url in r.getMessage() for r in caplog.records)


def test_missing_secret_and_missing_topic_are_counted_not_raised(aws: None) -> None:
    outcome = deliver(
        DIGEST,
        settings(
            DIGEST_SNS_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:nowhere",
            DIGEST_SLACK_WEBHOOK_SECRET="dapanoskop/none",
        ),
        clients,
    )
    assert (outcome.sent, outcome.failed) == ([], ["sns", "slack"])


@pytest.mark.parametrize(
    "value",
    ["not a url", "http://hooks.slack.com/services/T/B/X", "ftp://127.0.0.1/x", "https://"],
)
def test_a_secret_that_is_not_an_https_url_is_refused_without_echoing_it(
    aws: None, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    clients("secretsmanager").create_secret(Name="dapanoskop/slack", SecretString=value)
    caplog.set_level(logging.INFO, logger="dapanoskop")

    outcome = deliver(DIGEST, settings(DIGEST_SLACK_WEBHOOK_SECRET="dapanoskop/slack"), clients)

    assert outcome.failed == ["slack"]
    [error] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error.endswith("error=secret dapanoskop/slack does not hold an https:// webhook URL")


def test_unreachable_slack_is_counted(aws: None) -> None:
    clients("secretsmanager").create_secret(
        Name="dapanoskop/slack", SecretString="http://127.0.0.1:9/services/closed"
    )
    outcome = deliver(DIGEST, settings(DIGEST_SLACK_WEBHOOK_SECRET="dapanoskop/slack"), clients)
    assert outcome.failed == ["slack"]


# --- when, and about which period ---------------------------------------------------------------

THURSDAY = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_daily_sends_about_the_newest_period_written(tmp_path) -> None:
    daily = DigestSettings(Cadence.DAILY, sns_topic_arn="arn:aws:sns:us-east-1:1:t")
    store = LocalStore(tmp_path)
    assert digest_period(daily, ["2026-10", "2026-11"], THURSDAY, store) == "2026-11"
    assert digest_period(daily, [], THURSDAY, store) is None


def test_weekly_sends_on_its_weekday_only(tmp_path) -> None:
    store = LocalStore(tmp_path)
    thursday = digest_settings(
        {
            "DIGEST_CADENCE": "weekly:thursday",
            "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
        }
    )
    friday = digest_settings(
        {
            "DIGEST_CADENCE": "weekly:friday",
            "DIGEST_SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
        }
    )
    assert digest_period(thursday, ["2026-11"], THURSDAY, store) == "2026-11"
    assert digest_period(friday, ["2026-11"], THURSDAY, store) is None


@pytest.mark.parametrize(
    ("statuses", "succeeded", "expected"),
    [
        (
            {"current": "final", "prev_month": "final", "yoy": "final"},
            ["2026-11", "2026-10"],
            "2026-10",
        ),
        (
            {"current": "estimated", "prev_month": "final", "yoy": "final"},
            ["2026-11", "2026-10"],
            None,
        ),
        ({"current": "final", "prev_month": "final", "yoy": "final"}, ["2026-11"], None),
    ],
)
def test_monthly_sends_once_when_last_month_was_written_final(
    tmp_path, statuses: dict[str, str], succeeded: list[str], expected: str | None
) -> None:
    store = LocalStore(tmp_path)
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "summary.json").write_text(
        json.dumps({"period": "2026-10", "period_status": statuses})
    )
    monthly = DigestSettings(Cadence.MONTHLY, sns_topic_arn="arn:aws:sns:us-east-1:1:t")
    assert digest_period(monthly, succeeded, THURSDAY, store) == expected
