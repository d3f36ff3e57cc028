"""Pay once for a final month: the published lines of a final month instead of Cost Explorer.

When a complete month is published with final data, its Cost Explorer lines (every grouping,
exact decimal strings, as collected) are written next to its files (`cost-explorer-lines.parquet`)
and its `summary.json` records, under `collection`, the configuration that collected them and
the file's SHA-256. A later run that needs that month as a comparison (M-1, M-2, M-12, M-13 of a
daily run; the previous and year-ago months of a backfill) takes the lines from there, if and
only if:

- the summary says the month is final (`period_status.current`) and names the lines file;
- the configuration is the same: cost metric, workload tag key, cost category, storage flags
  and schema version (a different tag key or metric means different lines);
- the file's SHA-256 is the one the summary recorded (a run that failed between the two writes
  cannot mix one run's summary with another's lines) and the file is for that month.

Anything else (no summary, an estimated month, another configuration, an unreadable file, a
grouping the file lacks) is fetched as before; a `force` backfill fetches everything. Final
means Cost Explorer will not change the month, so the lines are the ones it would send again:
the output is byte-identical to a run that fetched everything, `collection` aside (it counts
the requests actually made).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from dapanoskop.formats import (
    LINES_NAME,
    lines_key,
    parse_window_lines,
    window_lines_parquet_bytes,
)
from dapanoskop.model import Grouping, Status, Window, WindowData
from dapanoskop.publisher import read_summary
from dapanoskop.store import ObjectStore, StoreError

logger = logging.getLogger(__name__)

__all__ = ["LINES_NAME", "lines_key", "lines_record", "lines_to_publish", "published_lines"]


def lines_record(body: bytes) -> dict[str, str]:
    """What `summary.json`'s `collection.lines` says about a lines file."""
    return {"file": LINES_NAME, "sha256": hashlib.sha256(body).hexdigest()}


def lines_to_publish(data: WindowData) -> bytes | None:
    """The lines file of a complete month's current window, when it is final (else None)."""
    if data.status is not Status.FINAL or not data.window.is_whole_month:
        return None
    return window_lines_parquet_bytes(data)


def published_lines(
    store: ObjectStore, windows: Iterable[Window], configuration: Mapping[str, Any]
) -> dict[Window, dict[Grouping, tuple[Any, ...]]]:
    """The published lines of every whole-month window in `windows` that can be reused."""
    found = {}
    for window in sorted(set(windows)):
        if not window.is_whole_month:
            continue
        lines = _published(store, window, configuration)
        if lines is not None:
            found[window] = lines
    return found


def _published(
    store: ObjectStore, window: Window, configuration: Mapping[str, Any]
) -> dict[Grouping, tuple[Any, ...]] | None:
    period = window.label
    try:
        summary = read_summary(store, period)
    except StoreError as error:
        logger.warning("cannot read summary; fetching period=%s error=%s", period, error)
        return None
    if summary is None:
        return None
    collection = summary.get("collection")
    collection = collection if isinstance(collection, dict) else {}
    record = collection.get("lines")
    status = summary.get("period_status")
    if not isinstance(record, dict) or not isinstance(status, dict):
        return None
    if status.get("current") != Status.FINAL.value:
        return None
    if collection.get("configuration") != dict(configuration):
        logger.info("published month has another configuration; fetching period=%s", period)
        return None
    try:
        stored = store.get(lines_key(period))
    except StoreError as error:
        logger.warning("cannot read published lines; fetching period=%s error=%s", period, error)
        return None
    if stored is None or lines_record(stored.body) != record:
        logger.warning("published lines missing or not the summary's; fetching period=%s", period)
        return None
    try:
        return parse_window_lines(stored.body, window.start.isoformat(), window.end.isoformat())
    except ValueError as error:
        logger.warning("published lines unreadable; fetching period=%s error=%s", period, error)
        return None
