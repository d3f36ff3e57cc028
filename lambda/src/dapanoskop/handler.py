"""The Lambda entry point: parse the event, build settings, run the pipeline, shape the answer.

How an invocation ends, and why:
- a bad event answers 400: nothing ran, nothing to alarm about;
- a run that could not do its job (settings, destination, Cost Explorer, any period that
  failed) raises `RunFailedError` after everything that could be written was written, so Lambda
  counts an error and the template's alarm fires; the message is the same redacted detail as
  the log line;
- a run that did its job answers 200 with the result document.
Every run that got past the event writes one Embedded Metric Format line (metrics.py).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from dapanoskop import aws
from dapanoskop.costexplorer import CostExplorerError
from dapanoskop.events import BackfillJob, EventError, Job, parse_event
from dapanoskop.metrics import Metric, emit
from dapanoskop.notify import ClientFactory, DigestOutcome, deliver, digest_period, load_digest
from dapanoskop.pipeline import RunResult, run_backfill, run_daily
from dapanoskop.publisher import check_destination
from dapanoskop.redaction import redact
from dapanoskop.settings import Settings, SettingsError
from dapanoskop.storagelens import StorageLens, StorageLensClients
from dapanoskop.store import ObjectStore, StoreError, open_store

logger = logging.getLogger("dapanoskop")
logger.setLevel(logging.INFO)

DEFAULT_FUNCTION_NAME = "dapanoskop"


class RunFailedError(RuntimeError):
    """The invocation failed. `body` is the answer it would have given (redacted);
    `ce_requests` the Cost Explorer requests made before it failed (they are paid for)."""

    def __init__(self, message: str, body: Mapping[str, Any], ce_requests: int = 0) -> None:
        super().__init__(redact(message))
        self.body = json.loads(redact(json.dumps(body, sort_keys=True)))
        self.ce_requests = ce_requests


class _CallCounter:
    """Counts a client's API calls (pages included, botocore's retries not), like the
    pipeline's own count, so a run that fails half-way still reports what it spent."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        self._client = client
        client.meta.events.register("provide-client-params.ce", self._on_call)

    def _on_call(self, **_kwargs: Any) -> None:
        self.count += 1

    def close(self) -> None:
        self._client.meta.events.unregister("provide-client-params.ce", self._on_call)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """AWS Lambda handler."""
    return handle(event, os.environ, lambda: datetime.now(UTC))


def handle(
    event: Any,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    ce_client: Any = None,
    s3_client: Any = None,
    clients: ClientFactory | None = None,
    metrics_stream: TextIO | None = None,
    storage_lens_clients: StorageLensClients | None = None,
) -> dict[str, Any]:
    """The handler with its environment, clock and clients passed in (tests pass fakes).

    `clients` makes the clients of the digest's targets by service name (sns, secretsmanager,
    ssm); by default boto3 clients in the function's region. `storage_lens_clients`: those of
    S3 Storage Lens (STS, S3 Control, CloudWatch); by default created when first needed.
    """
    started = time.perf_counter()
    try:
        job = parse_event(event)
    except EventError as error:
        logger.warning("rejected event field=%s error=%s", error.field, error)
        return _answer(400, {"error": str(error), "field": error.field})
    mode = "backfill" if isinstance(job, BackfillJob) else "daily"
    function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", DEFAULT_FUNCTION_NAME)

    def metrics(
        result: RunResult | None, digest: DigestOutcome | None, ce_requests: int = 0
    ) -> None:
        emit(
            _metrics(result, digest, time.perf_counter() - started, ce_requests),
            function_name,
            clock(),
            {"mode": mode},
            metrics_stream,
        )

    try:
        settings, store, result = _run(job, env, clock, ce_client, s3_client, storage_lens_clients)
    except RunFailedError as error:
        logger.error("run failed ce_requests=%d error=%s", error.ce_requests, error)
        metrics(None, None, error.ce_requests)
        raise
    digest = None
    if mode == "daily" and settings.digest.enabled:
        digest = _send_digest(settings, store, result, clock(), clients or aws.client)
    _log_result(result, digest)
    metrics(result, digest)
    body = result.as_dict()
    if digest is not None:
        body["digest"] = {"period": digest.period, "sent": digest.sent, "failed": digest.failed}
    if result.failed:
        failed = ", ".join(f"{f.period}: {f.error}" for f in result.failed)
        raise RunFailedError(f"{len(result.failed)} period(s) failed: {failed}", body)
    return _answer(200, body)


def _run(
    job: Job,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    ce_client: Any,
    s3_client: Any,
    storage_lens_clients: StorageLensClients | None = None,
) -> tuple[Settings, ObjectStore, RunResult]:
    """Settings, destination check, then the job; anything that stops it is RunFailedError."""
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        raise RunFailedError(
            f"invalid settings: {error}", {"error": str(error), "variable": error.variable}
        ) from None
    store = open_store(settings.destination, s3_client, settings.sse_kms_key_id)
    try:
        # Before any paid request: a missing bucket or permission must not cost 12 requests.
        check_destination(store)
        ce = ce_client or aws.cost_explorer_client(region=env.get("AWS_REGION"))
        lens = None
        if settings.storage_lens_enabled:
            lens_clients = storage_lens_clients or aws.storage_lens_clients()
            lens = StorageLens(settings.storage_lens_config_id, lens_clients)
    except (StoreError, aws.UnsupportedPartitionError) as error:
        raise RunFailedError(str(error), {"error": str(error)}) from None
    counter = _CallCounter(ce)
    try:
        now = clock()
        if isinstance(job, BackfillJob):
            result = run_backfill(
                settings, ce, store, now, job.months, force=job.force, storage_lens=lens
            )
        else:
            result = run_daily(settings, ce, store, now, storage_lens=lens)
    except (CostExplorerError, StoreError) as error:
        raise RunFailedError(str(error), {"error": str(error)}, counter.count) from None
    finally:
        counter.close()
    return settings, store, result


def _send_digest(
    settings: Settings,
    store: ObjectStore,
    result: RunResult,
    now: datetime,
    clients: ClientFactory,
) -> DigestOutcome:
    """Never raises: the digest is reported on, the data run's outcome does not depend on it."""
    try:
        period = digest_period(settings.digest, result.succeeded, now, store)
        if period is None:
            return DigestOutcome()
        digest = load_digest(store, period, settings.digest.report_url)
    except StoreError as error:
        logger.error("digest not built error=%s", error)
        return DigestOutcome(failed=["build"])
    return deliver(digest, settings.digest, clients)


def _metrics(
    result: RunResult | None, digest: DigestOutcome | None, seconds: float, ce_requests: int = 0
) -> list[Metric]:
    """Seven metrics: each is a custom metric billed per month (README, "What it costs");
    failed invocations are counted by Lambda's own Errors metric for free."""
    succeeded = result is not None and not result.failed
    return [
        Metric("RunSucceeded", 1 if succeeded else 0),
        Metric("PeriodsWritten", len(result.succeeded) if result else 0),
        Metric("PeriodsFailed", len(result.failed) if result else 0),
        Metric("CostExplorerRequests", result.ce_requests if result else ce_requests),
        Metric("DigestsSent", len(digest.sent) if digest else 0),
        Metric("DigestFailures", len(digest.failed) if digest else 0),
        Metric("DurationSeconds", round(seconds, 3), "Seconds"),
    ]


def _answer(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": redact(json.dumps(body, sort_keys=True))}


def _log_result(result: RunResult, digest: DigestOutcome | None) -> None:
    logger.info(
        "run finished mode=%s succeeded=%s skipped=%d failed=%d ce_requests=%d digest=%s",
        result.mode,
        ",".join(result.succeeded) or "-",
        len(result.skipped),
        len(result.failed),
        result.ce_requests,
        "-" if digest is None else f"sent:{len(digest.sent)},failed:{len(digest.failed)}",
    )
