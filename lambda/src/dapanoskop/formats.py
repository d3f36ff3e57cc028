"""The bytes of the published files (contract §2, §3, §6, §7), deterministic by construction.

Same input, same bytes: JSON keys are sorted, floats use Python's shortest round-trip form,
Parquet is written from an explicit schema with fixed options and no pandas metadata.
Decimals become doubles here and nowhere earlier.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.model import LINES_OF, Grouping, WindowData
from dapanoskop.periods import parse_period

if TYPE_CHECKING:
    from dapanoskop.processing.rows import UsageTypeRow, WorkloadRow

# The layout (contract §1): the one definition of every file name.
INDEX_KEY = "index.json"
SUMMARY_NAME = "summary.json"
WORKLOAD_PARQUET_NAME = "cost-by-workload.parquet"
USAGE_PARQUET_NAME = "cost-by-usage-type.parquet"
# Not in the contract: a complete final month's Cost Explorer lines, kept for later runs
# (dapanoskop.reuse). Readers of the contract's files never need it.
LINES_NAME = "cost-explorer-lines.parquet"


def summary_key(period: str) -> str:
    return f"{period}/{SUMMARY_NAME}"


def workload_parquet_key(period: str) -> str:
    return f"{period}/{WORKLOAD_PARQUET_NAME}"


def usage_parquet_key(period: str) -> str:
    return f"{period}/{USAGE_PARQUET_NAME}"


def lines_key(period: str) -> str:
    return f"{period}/{LINES_NAME}"


# Column order and types are binding (readers address §7 columns by position). The columns
# are REQUIRED in Parquet terms: the contract promises no nulls.
WORKLOAD_SCHEMA = pa.schema(
    [
        pa.field("cost_center", pa.string(), nullable=False),
        pa.field("workload", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("cost_usd", pa.float64(), nullable=False),
    ]
)
USAGE_SCHEMA = pa.schema(
    [
        pa.field("workload", pa.string(), nullable=False),
        pa.field("usage_type", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("cost_usd", pa.float64(), nullable=False),
        pa.field("usage_quantity", pa.float64(), nullable=False),
    ]
)
# The Cost Explorer lines of a complete, final month as collected (before any processing),
# kept so that later runs can use them instead of asking again (pipeline: "pay once for a
# final month"). Amounts are the exact decimal strings, never doubles. Each line type is
# (text, text, cost[, quantity, unit]); a grouping stored with no lines is named in the
# file's metadata, so "asked, nothing there" and "not asked" stay apart.
WINDOW_LINES_SCHEMA = pa.schema(
    [
        pa.field("grouping", pa.string(), nullable=False),
        pa.field("key_1", pa.string(), nullable=False),
        pa.field("key_2", pa.string(), nullable=False),
        pa.field("cost", pa.string(), nullable=False),
        pa.field("quantity", pa.string(), nullable=True),
        pa.field("unit", pa.string(), nullable=True),
    ]
)
_LINES_META = b"dapanoskop.window_lines"
# §7 with the Data Exports source: the six columns, then service and account.
USAGE_DETAIL_SCHEMA = USAGE_SCHEMA.append(pa.field("service", pa.string(), nullable=False)).append(
    pa.field("account_id", pa.string(), nullable=False)
)
# Snappy is readable by every Parquet reader we serve (DuckDB incl. its browser build,
# Athena, pandas); dictionary encoding keeps the repeated names small.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "snappy",
    "use_dictionary": True,
    "write_statistics": True,
}


def iso_utc(moment: datetime) -> str:
    """`2026-11-26T06:00:03Z`; a naive datetime is refused rather than guessed to be UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_json_bytes(summary: Mapping[str, Any]) -> bytes:
    """`summary.json`: UTF-8, sorted keys, 2-space indent, trailing newline; NaN is refused."""
    return _json_bytes(summary)


def index_json_bytes(periods: Iterable[str], updated_at: datetime) -> bytes:
    """`index.json` (§2): the periods deduplicated and newest first.

    Every label is checked to be `YYYY-MM`, because the web report picks its default period
    from this list and a stray entry would break it.
    """
    labels = set(periods)
    for label in labels:
        parse_period(label)
    return _json_bytes({"periods": sorted(labels, reverse=True), "updated_at": iso_utc(updated_at)})


def parse_index_periods(data: bytes) -> list[str]:
    """The periods listed by an existing `index.json`; ValueError when it is not one."""
    index = json.loads(data.decode("utf-8"))
    periods = index.get("periods") if isinstance(index, dict) else None
    if not isinstance(periods, list) or not all(isinstance(p, str) for p in periods):
        raise ValueError("index.json has no list of period labels under 'periods'")
    for label in periods:
        parse_period(label)
    return periods


def parse_summary(data: bytes, *, exact_numbers: bool = False) -> dict[str, Any]:
    """A `summary.json` read back; ValueError when it is not a JSON object.

    With `exact_numbers`, JSON numbers with a fraction become Decimal (for readers that add
    money up to the cent) instead of float.
    """
    parse_float = Decimal if exact_numbers else float
    summary = json.loads(data.decode("utf-8"), parse_float=parse_float)
    if not isinstance(summary, dict):
        raise ValueError("summary.json is not a JSON object")
    return summary


def read_parquet(data: bytes) -> pa.Table:
    """A Parquet file's table; ValueError when the bytes are not a readable Parquet file.

    use_threads=False: pyarrow 26's thread pool can abort the process at exit ("terminate
    called without an active exception"); these files are small.
    """
    try:
        return pq.read_table(pa.BufferReader(data), use_threads=False)
    except (pa.ArrowException, OSError) as error:
        raise ValueError(str(error)) from error


def workload_parquet_bytes(rows: Iterable[WorkloadRow]) -> bytes:
    """`cost-by-workload.parquet` (§6), rows in the order given."""
    rows = list(rows)
    columns = {
        "cost_center": [row.cost_center for row in rows],
        "workload": [row.workload for row in rows],
        "period": [row.period for row in rows],
        "cost_usd": [_double(row.cost_usd) for row in rows],
    }
    return _parquet_bytes(pa.table(columns, schema=WORKLOAD_SCHEMA))


def usage_parquet_bytes(rows: Iterable[UsageTypeRow]) -> bytes:
    """`cost-by-usage-type.parquet` (§7), rows in the order given; with `service` and
    `account_id` after the six columns when the rows carry them."""
    rows = list(rows)
    columns: dict[str, list[Any]] = {
        "workload": [row.workload for row in rows],
        "usage_type": [row.usage_type for row in rows],
        "category": [row.category for row in rows],
        "period": [row.period for row in rows],
        "cost_usd": [_double(row.cost_usd) for row in rows],
        "usage_quantity": [_double(row.usage_quantity) for row in rows],
    }
    if rows and rows[0].service is not None:
        columns["service"] = [row.service or "" for row in rows]
        columns["account_id"] = [row.account_id or "" for row in rows]
        return _parquet_bytes(pa.table(columns, schema=USAGE_DETAIL_SCHEMA))
    return _parquet_bytes(pa.table(columns, schema=USAGE_SCHEMA))


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _double(value: Decimal) -> float:
    # Correctly rounded to the nearest double; + 0.0 turns a negative zero into 0.0.
    return float(value) + 0.0


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes()


def window_lines_parquet_bytes(data: WindowData) -> bytes:
    """The lines of every grouping `data` holds, in the order Cost Explorer gave them."""
    columns: dict[str, list[Any]] = {name: [] for name in WINDOW_LINES_SCHEMA.names}
    groupings = []
    for grouping, (attribute, line_type) in LINES_OF.items():
        lines = getattr(data, attribute)
        if lines is None:
            continue
        groupings.append(grouping.value)
        names = [field.name for field in dataclasses.fields(line_type)]
        columns["grouping"].extend([grouping.value] * len(lines))
        columns["key_1"].extend([getattr(line, names[0]) for line in lines])
        columns["key_2"].extend([getattr(line, names[1]) for line in lines])
        columns["cost"].extend([str(line.cost) for line in lines])
        if len(names) > 3:
            columns["quantity"].extend([str(getattr(line, names[3])) for line in lines])
            columns["unit"].extend([getattr(line, names[4]) for line in lines])
        else:
            columns["quantity"].extend([None] * len(lines))
            columns["unit"].extend([None] * len(lines))
    meta = {
        "start": data.window.start.isoformat(),
        "end": data.window.end.isoformat(),
        "groupings": groupings,
    }
    schema = WINDOW_LINES_SCHEMA.with_metadata({_LINES_META: json.dumps(meta).encode()})
    return _parquet_bytes(pa.table(columns, schema=schema))


def _interned_column(column: pa.ChunkedArray) -> list[Any]:
    """A string column as Python strings, each distinct value one interned object."""
    encoded = column.dictionary_encode().combine_chunks()
    values = [None if v is None else sys.intern(v) for v in encoded.dictionary.to_pylist()]
    return [None if i is None else values[i] for i in encoded.indices.to_pylist()]


def parse_window_lines(body: bytes, start: str, end: str) -> dict[Grouping, tuple[Any, ...]]:
    """The lines stored by `window_lines_parquet_bytes` for the window [start, end).

    ValueError when the file is not one, or is one of another window.
    """
    try:
        table = pq.read_table(pa.BufferReader(body), use_threads=False)
        meta = json.loads((table.schema.metadata or {})[_LINES_META])
        groupings = [Grouping(value) for value in meta["groupings"]]
    except (pa.ArrowException, KeyError, ValueError, TypeError) as error:
        raise ValueError(f"not a window lines file: {error}") from error
    if (meta.get("start"), meta.get("end")) != (start, end):
        raise ValueError(f"lines of {meta.get('start')}..{meta.get('end')}, not {start}..{end}")
    if table.schema.names[: len(WINDOW_LINES_SCHEMA)] != WINDOW_LINES_SCHEMA.names:
        raise ValueError("window lines file has unexpected columns")
    found: dict[Grouping, list[Any]] = {grouping: [] for grouping in groupings}
    try:
        # Names through their dictionary: one interned string each, no copy per row.
        groupings_of, firsts, seconds, units = (
            _interned_column(table.column(name)) for name in ("grouping", "key_1", "key_2", "unit")
        )
        row = 0
        # Amounts a batch at a time: the Python strings of a whole column would raise the peak.
        for batch in table.select(["cost", "quantity"]).to_batches(max_chunksize=4096):
            for cost, quantity in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                grouping = Grouping(groupings_of[row])
                if grouping not in found:
                    raise ValueError(f"lines of {grouping.value}, which the file does not list")
                line_type = LINES_OF[grouping][1]
                if quantity is None:
                    line = line_type(firsts[row], seconds[row], Decimal(cost))
                else:
                    line = line_type(
                        firsts[row], seconds[row], Decimal(cost), Decimal(quantity), units[row]
                    )
                found[grouping].append(line)
                row += 1
    except (ArithmeticError, TypeError) as error:
        raise ValueError(f"window lines file has a bad value: {error}") from error
    finally:
        del table
        # Arrow keeps freed buffers for reuse; give them back, the lines are Python objects now.
        pa.default_memory_pool().release_unused()
    return {grouping: tuple(lines) for grouping, lines in found.items()}
