"""Sending the cost digest after a daily run: when, which period, and to SNS and Slack.

A digest is a courtesy, the data is the job: a delivery that fails is logged and counted (the
`DigestFailures` metric) and never fails the run. The Slack incoming-webhook URL is a secret
(anyone holding it can post to the channel), so it is read at send time from Secrets Manager
or SSM Parameter Store and never logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from dapanoskop.digest import Digest, build_digest
from dapanoskop.model import Status
from dapanoskop.periods import add_months, parse_period
from dapanoskop.publisher import existing_periods, read_summary
from dapanoskop.settings import Cadence, DigestSettings
from dapanoskop.store import ObjectStore, StoreError

logger = logging.getLogger(__name__)

SLACK_TIMEOUT_SECONDS = 10
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

ClientFactory = Callable[[str], Any]


class DeliveryError(RuntimeError):
    """A digest could not be delivered to one target; says which and why (never the URL)."""


@dataclass
class DigestOutcome:
    """What the digest step did: the period it reported on, and the targets per result."""

    period: str | None = None
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def digest_period(
    settings: DigestSettings, succeeded: Sequence[str], now: datetime, store: ObjectStore
) -> str | None:
    """The period to send a digest about after a daily run that wrote `succeeded`, or None.

    - daily: the newest period written (month to date; on the 1st, the month just ended);
    - weekly: the same, on the chosen weekday (UTC) only;
    - monthly: the last complete month, on the run that wrote it with every period final.
      The daily run stops rewriting a month once it is final, so this happens exactly once.
    """
    if not settings.enabled or not succeeded:
        return None
    newest = max(succeeded)
    if settings.cadence is Cadence.DAILY:
        return newest
    if settings.cadence is Cadence.WEEKLY:
        return newest if now.weekday() == settings.weekday else None
    last_month = add_months(now.date().replace(day=1), -1).strftime("%Y-%m")
    if last_month not in succeeded:
        return None
    summary = read_summary(store, last_month)
    statuses = (summary or {}).get("period_status", {}).values()
    return last_month if summary and Status.ESTIMATED.value not in statuses else None


def load_digest(
    store: ObjectStore, period: str | None = None, report_url: str | None = None
) -> Digest:
    """The digest of `period` (default: the newest published) from the published summaries.

    Raises StoreError when the summary cannot be read or does not exist.
    """
    if period is None:
        periods = sorted(existing_periods(store), reverse=True)
        if not periods:
            raise StoreError(f"no summary.json under {store.describe('')}")
        period = periods[0]
    summary = read_summary(store, period)
    if summary is None:
        raise StoreError(f"no readable summary for {period} at {store.describe(period)}")
    previous_label = add_months(parse_period(period), -1).strftime("%Y-%m")
    try:
        previous = read_summary(store, previous_label)
    except StoreError as error:
        logger.warning("previous summary unreadable period=%s error=%s", previous_label, error)
        previous = None
    return build_digest(summary, previous, report_url)


def deliver(digest: Digest, settings: DigestSettings, clients: ClientFactory) -> DigestOutcome:
    """Send to every configured target; each failure is logged and counted, never raised."""
    outcome = DigestOutcome(period=digest.period)
    targets: list[tuple[str, Callable[[], None]]] = []
    if settings.sns_topic_arn:
        topic = settings.sns_topic_arn
        targets.append(("sns", lambda: _publish_sns(clients("sns"), topic, digest)))
    if settings.slack_webhook_secret or settings.slack_webhook_parameter:
        targets.append(("slack", lambda: _post_slack(_webhook_url(settings, clients), digest)))
    for name, send in targets:
        try:
            send()
        except (ClientError, BotoCoreError, OSError, DeliveryError) as error:
            logger.error(
                "digest not delivered target=%s period=%s error=%s", name, digest.period, error
            )
            outcome.failed.append(name)
            continue
        logger.info("digest delivered target=%s period=%s", name, digest.period)
        outcome.sent.append(name)
    return outcome


def _publish_sns(sns: Any, topic_arn: str, digest: Digest) -> None:
    sns.publish(TopicArn=topic_arn, Subject=digest.subject, Message=digest.text)


def _webhook_url(settings: DigestSettings, clients: ClientFactory) -> str:
    if settings.slack_webhook_secret:
        answer = clients("secretsmanager").get_secret_value(SecretId=settings.slack_webhook_secret)
        source = f"secret {settings.slack_webhook_secret}"
        url = answer.get("SecretString", "")
    else:
        answer = clients("ssm").get_parameter(
            Name=settings.slack_webhook_parameter, WithDecryption=True
        )
        source = f"parameter {settings.slack_webhook_parameter}"
        url = answer["Parameter"]["Value"]
    url = url.strip()
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" and parts.hostname) and not loopback_http:
        # Never echo the value: it may be a secret that was pasted into the wrong place.
        raise DeliveryError(f"{source} does not hold an https:// webhook URL")
    return url


def _post_slack(url: str, digest: Digest) -> None:
    """POST {"text": ...} to a Slack incoming webhook, which answers 200 "ok"
    (https://api.slack.com/messaging/webhooks). The digest is plain text in a code block,
    so its aligned columns stay aligned."""
    body = json.dumps({"text": f"*{digest.subject}*\n```\n{digest.text}```"}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=SLACK_TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        # The URL is in the error's repr; say only the status.
        raise DeliveryError(f"Slack answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise DeliveryError(f"cannot reach Slack: {error.reason}") from None
    if status != 200:
        raise DeliveryError(f"Slack answered HTTP {status}")
