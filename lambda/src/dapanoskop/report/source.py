"""Where the report reads the pipeline's files from: a local folder or `s3://bucket[/prefix]`.

The report reads through the pipeline's own store (store.py: the same S3 client, retry
configuration and error messages) and parsers (formats.py), so there is one way to read the
bucket. The S3 client is passed in or created when the source is opened (creating a boto3
client makes no request), never at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dapanoskop.formats import INDEX_KEY, read_parquet, summary_key, usage_parquet_key
from dapanoskop.report.records import (
    ReportError,
    Summary,
    UsageTypeRow,
    parse_index,
    parse_summary,
    parse_usage_types,
)
from dapanoskop.settings import LocalDestination, SettingsError, parse_location
from dapanoskop.store import ObjectStore, StoreError, open_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportSource:
    """Read-only access to the contract's layout (§1) in a store."""

    store: ObjectStore

    def read(self, key: str) -> bytes:
        """The bytes of `key` (relative to the root); ReportError when it cannot be read."""
        try:
            stored = self.store.get(key)
        except StoreError as err:
            raise ReportError(str(err)) from err
        if stored is None:
            raise ReportError(f"{self.describe(key)} not found")
        return stored.body

    def describe(self, key: str) -> str:
        """Where `key` lives, for messages (a path or an s3:// URL)."""
        return self.store.describe(key)


def open_source(location: str | Path, s3_client: Any = None) -> ReportSource:
    """`s3://bucket[/prefix]` or a folder path -> the matching source."""
    text = str(location)
    try:
        destination = parse_location(text, "--from")
    except SettingsError as err:
        if text.startswith("s3://") and not text.removeprefix("s3://").partition("/")[0]:
            raise ReportError(f"no bucket in {text!r} (expected s3://bucket[/prefix])") from err
        raise ReportError(f"{text}: {err.accepted} expected") from err
    if isinstance(destination, LocalDestination) and not destination.path.is_dir():
        raise ReportError(f"{destination.path} is not a folder")
    return ReportSource(open_store(destination, s3_client))


@dataclass(frozen=True)
class History:
    """Every period the index lists, with its summary and usage-type rows."""

    periods: tuple[str, ...]  # newest first, as index.json lists them
    summaries: Mapping[str, Summary]
    usage: Mapping[str, tuple[UsageTypeRow, ...]]

    @property
    def default_period(self) -> str:
        """The latest complete month; the latest period when every period is month-to-date."""
        for period in self.periods:
            if not self.summaries[period].is_mtd:
                return period
        return self.periods[0]


def load_history(source: ReportSource) -> History:
    """index.json, then each listed period's summary.json and cost-by-usage-type.parquet."""
    periods = parse_index(source.read(INDEX_KEY))
    if not periods:
        raise ReportError(f"{source.describe(INDEX_KEY)} lists no periods")
    summaries: dict[str, Summary] = {}
    usage: dict[str, tuple[UsageTypeRow, ...]] = {}
    for period in periods:
        key = summary_key(period)
        summary = parse_summary(source.read(key), source.describe(key))
        if summary.period != period:
            raise ReportError(
                f"{source.describe(key)}: says period {summary.period}, expected {period}"
            )
        summaries[period] = summary
        usage[period] = _read_usage_types(source, usage_parquet_key(period))
    logger.info("loaded history periods=%d newest=%s", len(periods), periods[0])
    return History(periods=tuple(periods), summaries=summaries, usage=usage)


def _read_usage_types(source: ReportSource, key: str) -> tuple[UsageTypeRow, ...]:
    try:
        table = read_parquet(source.read(key))
    except ValueError as err:
        raise ReportError(f"{source.describe(key)}: not a readable Parquet file ({err})") from err
    return parse_usage_types(table, source.describe(key))
