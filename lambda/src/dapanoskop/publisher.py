"""Publish: a period's files, then `index.json`, in the order the contract promises readers.

Within a period the Parquet files go first and `summary.json` last, and the index is rebuilt
from the summaries that exist, so the index never lists a period whose files are missing. The
index is replaced with a conditional write (If-Match on the ETag read, If-None-Match when it is
new) and rebuilt on a lost race, so two concurrent runs never drop each other's periods. Because
it is rebuilt from what exists, a run that failed part-way is healed by the next one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dapanoskop.formats import (
    INDEX_KEY,
    SUMMARY_NAME,
    index_json_bytes,
    parse_summary,
    summary_json_bytes,
    summary_key,
    usage_parquet_bytes,
    usage_parquet_key,
    workload_parquet_bytes,
    workload_parquet_key,
)
from dapanoskop.periods import parse_period
from dapanoskop.processor import PeriodReport
from dapanoskop.store import ObjectStore, PreconditionFailedError, StoreError

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
PARQUET_TYPE = "application/vnd.apache.parquet"
INDEX_ATTEMPTS = 8


def write_period(store: ObjectStore, report: PeriodReport) -> None:
    """Write one period's three files: Parquet first, summary last."""
    period = report.period
    store.put(
        workload_parquet_key(period),
        workload_parquet_bytes(report.workload_rows),
        PARQUET_TYPE,
    )
    store.put(
        usage_parquet_key(period),
        usage_parquet_bytes(report.usage_rows),
        PARQUET_TYPE,
    )
    store.put(summary_key(period), summary_json_bytes(report.summary), JSON_TYPE)
    logger.info("wrote period period=%s destination=%s", period, store.describe(period))


def existing_periods(store: ObjectStore) -> list[str]:
    """Periods whose summary.json exists, found by listing (the index's source of truth)."""
    periods = []
    for key in store.list_keys(f"/{SUMMARY_NAME}"):
        folder, _, name = key.rpartition("/")
        if name == SUMMARY_NAME and "/" not in folder and _is_period(folder):
            periods.append(folder)
    return periods


def update_index(store: ObjectStore, now: datetime) -> list[str]:
    """Rebuild index.json from the summaries that exist; retry when another run wins a race."""
    for attempt in range(1, INDEX_ATTEMPTS + 1):
        current = store.get(INDEX_KEY)
        periods = sorted(set(existing_periods(store)), reverse=True)
        body = index_json_bytes(periods, now)
        try:
            if current is None:
                store.put(INDEX_KEY, body, JSON_TYPE, if_none_match=True)
            else:
                store.put(INDEX_KEY, body, JSON_TYPE, if_match=current.etag)
        except PreconditionFailedError:
            logger.info("index changed while updating; retrying attempt=%d", attempt)
            continue
        logger.info("updated index periods=%d", len(periods))
        return periods
    raise StoreError(
        f"could not update {store.describe(INDEX_KEY)}: it kept changing "
        f"({INDEX_ATTEMPTS} attempts)"
    )


def check_destination(store: ObjectStore) -> None:
    """Read index.json (missing is fine): StoreError when the destination is unusable.

    Runs before any Cost Explorer request, so a missing bucket, a missing permission or an
    unreachable endpoint costs nothing.
    """
    store.get(INDEX_KEY)


def read_summary(store: ObjectStore, period: str) -> dict | None:
    """The published summary of a period, or None when there is none (or it is unreadable)."""
    stored = store.get(summary_key(period))
    if stored is None:
        return None
    try:
        return parse_summary(stored.body)
    except ValueError:
        logger.warning("existing summary is not JSON period=%s", period)
        return None


def _is_period(label: str) -> bool:
    try:
        parse_period(label)
    except ValueError:
        return False
    return True
