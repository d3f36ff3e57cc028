"""Where the report reads the pipeline's files from: a local folder or `s3://bucket[/prefix]`.

Both kinds only need "give me the bytes of this key", so everything above this module is the
same for a folder and a bucket. The S3 client is passed in or created on first use, never at
import time, so the report works (and is tested) without AWS configuration.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.report.records import (
    ReportError,
    Summary,
    UsageTypeRow,
    parse_index,
    parse_summary,
    parse_usage_types,
)

logger = logging.getLogger(__name__)

INDEX_KEY = "index.json"
SUMMARY_NAME = "summary.json"
USAGE_TYPE_NAME = "cost-by-usage-type.parquet"


class ReportSource(Protocol):
    """Read-only access to the contract's layout (§1) below some root."""

    def read(self, key: str) -> bytes:
        """The bytes of `key` (relative to the root); ReportError when it cannot be read."""
        ...

    def describe(self, key: str) -> str:
        """Where `key` lives, for messages (a path or an s3:// URL)."""
        ...


@dataclass(frozen=True)
class LocalSource:
    root: Path

    def read(self, key: str) -> bytes:
        path = self.root / key
        try:
            return path.read_bytes()
        except FileNotFoundError as err:
            raise ReportError(f"{path} not found") from err
        except OSError as err:
            raise ReportError(f"cannot read {path}: {err.strerror or err}") from err

    def describe(self, key: str) -> str:
        return str(self.root / key)


class S3Source:
    """A bucket and optional key prefix; the boto3 S3 client is made only when first needed."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # deferred: a local report never needs AWS libraries loaded

            self._client = boto3.client("s3")
        return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return response["Body"].read()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ReportError(f"{self.describe(key)} not found") from err
            raise ReportError(f"cannot read {self.describe(key)}: {code or err}") from err
        except BotoCoreError as err:
            raise ReportError(f"cannot read {self.describe(key)}: {err}") from err


def open_source(location: str | Path, s3_client: Any = None) -> ReportSource:
    """`s3://bucket[/prefix]` or a folder path -> the matching source."""
    text = str(location)
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if not bucket:
            raise ReportError(f"no bucket in {text!r} (expected s3://bucket[/prefix])")
        return S3Source(bucket, prefix, s3_client)
    root = Path(text)
    if not root.is_dir():
        raise ReportError(f"{root} is not a folder")
    return LocalSource(root)


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
        summary_key = f"{period}/{SUMMARY_NAME}"
        summary = parse_summary(source.read(summary_key), source.describe(summary_key))
        if summary.period != period:
            raise ReportError(
                f"{source.describe(summary_key)}: says period {summary.period}, expected {period}"
            )
        summaries[period] = summary
        usage[period] = _read_usage_types(source, f"{period}/{USAGE_TYPE_NAME}")
    logger.info("loaded history periods=%d newest=%s", len(periods), periods[0])
    return History(periods=tuple(periods), summaries=summaries, usage=usage)


def _read_usage_types(source: ReportSource, key: str) -> tuple[UsageTypeRow, ...]:
    raw = source.read(key)
    try:
        # use_threads=False: pyarrow 26's thread pool can abort the process at exit
        # ("terminate called without an active exception"); these files are small.
        table = pq.read_table(io.BytesIO(raw), use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise ReportError(f"{source.describe(key)}: not a readable Parquet file ({err})") from err
    return parse_usage_types(table, source.describe(key))
