"""The bytes of the published files (contract §2, §3, §6, §7), deterministic by construction.

Same input, same bytes: JSON keys are sorted, floats use Python's shortest round-trip form,
Parquet is written from an explicit schema with fixed options and no pandas metadata.
Decimals become doubles here and nowhere earlier.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dapanoskop.columns import AMOUNT, amounts, exact, quantity_text
from dapanoskop.model import (
    LINES_OF,
    Grouping,
    UsageLines,
    WindowData,
)
from dapanoskop.periods import parse_period
from dapanoskop.processing.rows import (
    USAGE_DETAIL_SCHEMA,
    USAGE_SCHEMA,
    UsageTypeRow,
    UsageTypeRows,
)

if TYPE_CHECKING:
    from dapanoskop.processing.rows import WorkloadRow

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


# Column order and types are binding (§6; §7 is USAGE_SCHEMA, defined with its rows). The
# columns are REQUIRED in Parquet terms: the contract promises no nulls.
WORKLOAD_SCHEMA = pa.schema(
    [
        pa.field("cost_center", pa.string(), nullable=False),
        pa.field("workload", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("cost_usd", pa.float64(), nullable=False),
    ]
)
# The Cost Explorer lines of a complete, final month as collected (before any processing),
# kept so that later runs can use them instead of asking again (pipeline: "pay once for a
# final month"). Costs are exact decimals (Parquet DECIMAL, the collector's AMOUNT) and
# quantities exact decimal text, never doubles; files that hold costs as decimal strings (as
# they were first written) read back the same.
# Each line type is (text, text, cost[, quantity, unit]); a grouping stored with no lines is
# named in the file's metadata, so "asked, nothing there" and "not asked" stay apart.
WINDOW_LINES_SCHEMA = pa.schema(
    [
        pa.field("grouping", pa.string(), nullable=False),
        pa.field("key_1", pa.string(), nullable=False),
        pa.field("key_2", pa.string(), nullable=False),
        pa.field("cost", AMOUNT, nullable=False),
        pa.field("quantity", pa.string(), nullable=True),  # exact decimal text
        pa.field("unit", pa.string(), nullable=True),
    ]
)
_LINES_META = b"dapanoskop.window_lines"
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
        # Correctly rounded to the nearest double; + 0.0 turns a negative zero into 0.0.
        "cost_usd": [float(row.cost_usd) + 0.0 for row in rows],
    }
    return _parquet_bytes(pa.table(columns, schema=WORKLOAD_SCHEMA))


def usage_parquet_bytes(rows: UsageTypeRows | Iterable[UsageTypeRow]) -> bytes:
    """`cost-by-usage-type.parquet` (§7), rows in the order given; with `service` and
    `account_id` after the six columns when the rows carry them."""
    if not isinstance(rows, UsageTypeRows):
        rows = UsageTypeRows.from_rows(rows)
    schema = USAGE_DETAIL_SCHEMA if rows.detailed else USAGE_SCHEMA
    return _parquet_bytes(rows.published.cast(schema))


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes of `json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False,
    allow_nan=False)` and a newline (tested to be the same for any JSON document)."""
    return (_indented(document, "") + "\n").encode("utf-8")


_SCALARS = (str, int, float, type(None))


def _indented(value: Any, indent: str) -> str:
    """`value` as json.dumps with indent=2 writes it at `indent`, containers of scalars in one
    call of the C encoder each.

    With an indent, json.dumps uses its pure-Python encoder (~1 us per value: a large
    account's summary has ~200,000 values). Without one it uses the C encoder, and a
    container whose items are all scalars is written the same way at a given depth when the
    item separator carries the newline and indent: `{"a": 1,\n    "b": 2}` only lacks the
    line breaks after the opening and before the closing bracket. Strings are escaped, so
    the separators are the only line breaks.
    """
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        if not all(isinstance(key, str) for key in value):
            raise TypeError("summary keys must be strings")
        if all(isinstance(item, _SCALARS) for item in value.values()):
            body = _flat_encoder(inner)(value)[1:-1]
        else:
            body = (",\n" + inner).join(
                f"{_scalar(key)}: {_indented(value[key], inner)}" for key in sorted(value)
            )
        return "{\n" + inner + body + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = indent + "  "
        if all(isinstance(item, _SCALARS) for item in value):
            body = _flat_encoder(inner)(value)[1:-1]
        elif all(_is_flat_object(item) for item in value):
            body = _flat_objects(value, inner)
        else:
            body = (",\n" + inner).join(_indented(item, inner) for item in value)
        return "[\n" + inner + body + "\n" + indent + "]"
    return _scalar(value)


def _is_flat_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(key, str) for key in value)
        and all(isinstance(item, _SCALARS) for item in value.values())
    )


def _flat_objects(objects: list[Any] | tuple[Any, ...], inner: str) -> str:
    """The items of a list of non-empty objects of scalars (cost centers' workloads), in one
    call of the C encoder: written with the objects' item separator, the list's separators
    come out as `},\n<deeper>{`, which nothing else can contain (a line break inside a
    string is escaped), and are put right by replacing them."""
    deeper = inner + "  "
    text = _flat_encoder(deeper)(objects)
    text = text[2:-2].replace("},\n" + deeper + "{", "\n" + inner + "},\n" + inner + "{\n" + deeper)
    return "{\n" + deeper + text + "\n" + inner + "}"


@functools.cache
def _flat_encoder(inner: str) -> Callable[[Any], str]:
    """The C encoder writing a container of scalars with its items at `inner`."""
    return json.JSONEncoder(
        sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",\n" + inner, ": ")
    ).encode


_scalar = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _parquet_bytes(table: pa.Table, *, for_contract: bool = True) -> bytes:
    """The contract's files get min/max statistics per column chunk (readers may filter on
    them) and dictionaries for every column; our own lines file, read whole, goes without
    statistics and keeps dictionaries for its text (its exact amounts seldom repeat): a
    third less time to write."""
    options = _PARQUET_OPTIONS
    if not for_contract:
        text = [field.name for field in table.schema if pa.types.is_string(field.type)]
        options = {**options, "write_statistics": False, "use_dictionary": text}
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    return sink.getvalue().to_pybytes()


def window_lines_parquet_bytes(data: WindowData) -> bytes:
    """The lines of every grouping `data` holds, in the order Cost Explorer gave them."""
    parts: list[pa.Table] = []
    groupings = []
    for grouping, (attribute, line_type) in LINES_OF.items():
        lines = getattr(data, attribute)
        if lines is None:
            continue
        groupings.append(grouping.value)
        if isinstance(lines, UsageLines):
            table = lines.table
            keys = [table.column("workload"), table.column("usage_type")]
            amount_columns = [table.column("cost"), table.column("quantity"), table.column("unit")]
        else:
            names = [field.name for field in dataclasses.fields(line_type)]
            keys = [
                pa.array([getattr(line, name) for line in lines], pa.string()) for name in names[:2]
            ]
            with_quantity = len(names) > 3
            amount_columns = [
                amounts([line.cost for line in lines]),
                quantity_text([getattr(line, names[3]) for line in lines])
                if with_quantity
                else pa.nulls(len(lines), pa.string()),
                pa.array([getattr(line, names[4]) for line in lines], pa.string())
                if with_quantity
                else pa.nulls(len(lines), pa.string()),
            ]
        size = len(lines)
        parts.append(
            pa.Table.from_arrays(
                [pa.repeat(grouping.value, size), *keys, *amount_columns],
                schema=WINDOW_LINES_SCHEMA,
            )
        )
    meta = {
        "start": data.window.start.isoformat(),
        "end": data.window.end.isoformat(),
        "groupings": groupings,
    }
    table = pa.concat_tables([WINDOW_LINES_SCHEMA.empty_table(), *parts])
    table = table.replace_schema_metadata({_LINES_META: json.dumps(meta).encode()})
    return _parquet_bytes(table, for_contract=False)


def parse_window_lines(body: bytes, start: str, end: str) -> dict[Grouping, Any]:
    """The lines stored by `window_lines_parquet_bytes` for the window [start, end): usage
    as UsageLines, the other groupings as tuples of their records.

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
    stored = set(pc.unique(table.column("grouping")).to_pylist())
    unlisted = stored - {grouping.value for grouping in groupings}
    if unlisted:
        raise ValueError(f"lines of {sorted(unlisted)}, which the file does not list")
    try:
        # Costs: decimals, or in files written before that their exact decimal strings.
        cost = amounts(table.column("cost").combine_chunks())
        quantity = table.column("quantity").combine_chunks()
        if not pa.types.is_string(quantity.type):
            quantity = quantity.cast(pa.string())
    except (ValueError, pa.ArrowException) as error:
        raise ValueError(f"window lines file has a bad value: {error}") from error
    table = table.set_column(3, "cost", cost).set_column(4, "quantity", quantity)
    found: dict[Grouping, Any] = {}
    for grouping in groupings:
        lines = table.filter(pc.equal(table.column("grouping"), grouping.value))
        try:
            found[grouping] = _lines_of(grouping, lines)
        except (ArithmeticError, ValueError) as error:
            raise ValueError(f"window lines file has a bad value: {error}") from error
    return found


def _lines_of(grouping: Grouping, lines: pa.Table) -> Any:
    """One grouping's stored lines as the collector hands them on."""
    if grouping is Grouping.WORKLOAD_USAGE_TYPE:
        if lines.column("unit").null_count:
            raise ValueError("window lines file has usage lines without a unit")
        return UsageLines.from_columns(
            *(
                lines.column(name).combine_chunks()
                for name in ("key_1", "key_2", "cost", "quantity", "unit")
            )
        )
    line_type = LINES_OF[grouping][1]
    with_quantity = len(dataclasses.fields(line_type)) > 3
    records = []
    for first, second, cost, quantity, unit in zip(
        *(
            lines.column(name).to_pylist()
            for name in ("key_1", "key_2", "cost", "quantity", "unit")
        ),
        strict=True,
    ):
        if with_quantity:
            records.append(line_type(first, second, exact(cost), exact(Decimal(quantity)), unit))
        else:
            records.append(line_type(first, second, exact(cost)))
    return tuple(records)
