"""The Lambda entry point: parse the event, build settings, run the pipeline, shape the answer."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from dapanoskop import aws
from dapanoskop.costexplorer import CostExplorerError
from dapanoskop.events import BackfillJob, EventError, parse_event
from dapanoskop.pipeline import RunResult, redact, run_backfill, run_daily
from dapanoskop.settings import Settings, SettingsError
from dapanoskop.storagelens import StorageLens, StorageLensClients
from dapanoskop.store import StoreError, open_store

logger = logging.getLogger("dapanoskop")
logger.setLevel(logging.INFO)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """AWS Lambda handler."""
    return handle(event, os.environ, lambda: datetime.now(UTC))


def handle(
    event: Any,
    env: Mapping[str, str],
    clock: Callable[[], datetime],
    ce_client: Any = None,
    s3_client: Any = None,
    storage_lens_clients: StorageLensClients | None = None,
) -> dict[str, Any]:
    """The handler with its environment, clock and clients passed in (tests pass fakes)."""
    try:
        job = parse_event(event)
    except EventError as error:
        logger.warning("rejected event field=%s error=%s", error.field, error)
        return _answer(400, {"error": str(error), "field": error.field})
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        logger.error("invalid settings variable=%s error=%s", error.variable, error)
        return _answer(500, {"error": str(error), "variable": error.variable})
    store = open_store(settings.destination, s3_client)
    ce = ce_client or aws.cost_explorer_client()
    lens = None
    if settings.storage_lens_enabled:
        clients = storage_lens_clients or aws.storage_lens_clients()
        lens = StorageLens(settings.storage_lens_config_id, clients)
    now = clock()
    try:
        if isinstance(job, BackfillJob):
            result = run_backfill(
                settings, ce, store, now, job.months, force=job.force, storage_lens=lens
            )
        else:
            result = run_daily(settings, ce, store, now, storage_lens=lens)
    except (CostExplorerError, StoreError) as error:
        logger.error("run failed error=%s", redact(str(error)))
        return _answer(500, {"error": redact(str(error))})
    _log_result(result)
    return _answer(result.status_code, result.as_dict())


def _answer(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps(body, sort_keys=True)}


def _log_result(result: RunResult) -> None:
    logger.info(
        "run finished mode=%s succeeded=%s skipped=%d failed=%d ce_requests=%d",
        result.mode,
        ",".join(result.succeeded) or "-",
        len(result.skipped),
        len(result.failed),
        result.ce_requests,
    )
