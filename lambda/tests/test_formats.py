"""The published bytes: JSON layout, Parquet columns and types as DuckDB and pyarrow see them."""

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.formats import (
    index_json_bytes,
    iso_utc,
    parse_index_periods,
    parse_summary,
    summary_json_bytes,
    usage_parquet_bytes,
    workload_parquet_bytes,
)
from dapanoskop.processing.rows import UsageTypeRow, WorkloadRow

WORKLOAD_ROWS = [
    WorkloadRow("Research", "genome-pipeline", "2026-10", Decimal("800.123456789")),
    WorkloadRow("Research", "Untagged", "2026-09", Decimal("-0")),
    WorkloadRow("Forschung-Ü", "ü-app", "2025-10", Decimal("0.1")),
]
USAGE_ROWS = [
    UsageTypeRow(
        "genome-pipeline",
        "USE2-TimedStorage-ByteHrs",
        "Storage",
        "2026-10",
        Decimal("23.000000001"),
        Decimal("1000.5"),
    ),
    UsageTypeRow("Untagged", "Tax", "Support", "2026-10", Decimal("-10"), Decimal(0)),
]


def duckdb_columns(path: Path) -> list[tuple[str, str]]:
    relation = duckdb.sql(f"select * from read_parquet('{path}')")
    return [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]


def duckdb_rows(path: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(f"select * from read_parquet('{path}')").fetchall()


def test_workload_parquet_columns_types_and_values(tmp_path: Path) -> None:
    path = tmp_path / "cost-by-workload.parquet"
    path.write_bytes(workload_parquet_bytes(WORKLOAD_ROWS))

    table = pq.read_table(path)
    assert table.schema.names == ["cost_center", "workload", "period", "cost_usd"]
    assert table.schema.types == [pa.string(), pa.string(), pa.string(), pa.float64()]
    assert table.schema.metadata is None or b"pandas" not in table.schema.metadata
    assert table.to_pylist() == [
        {
            "cost_center": "Research",
            "workload": "genome-pipeline",
            "period": "2026-10",
            "cost_usd": 800.123456789,
        },
        {"cost_center": "Research", "workload": "Untagged", "period": "2026-09", "cost_usd": 0.0},
        {"cost_center": "Forschung-Ü", "workload": "ü-app", "period": "2025-10", "cost_usd": 0.1},
    ]
    # -0 becomes a plain 0.0, not a negative zero.
    assert math.copysign(1.0, table.column("cost_usd")[1].as_py()) == 1.0
    assert duckdb_columns(path) == [
        ("cost_center", "VARCHAR"),
        ("workload", "VARCHAR"),
        ("period", "VARCHAR"),
        ("cost_usd", "DOUBLE"),
    ]
    assert duckdb_rows(path) == [
        ("Research", "genome-pipeline", "2026-10", 800.123456789),
        ("Research", "Untagged", "2026-09", 0.0),
        ("Forschung-Ü", "ü-app", "2025-10", 0.1),
    ]
    assert duckdb.sql(f"select count(*) from '{path}' where cost_usd is null").fetchall() == [(0,)]


def test_usage_parquet_columns_types_and_values(tmp_path: Path) -> None:
    path = tmp_path / "cost-by-usage-type.parquet"
    path.write_bytes(usage_parquet_bytes(USAGE_ROWS))

    table = pq.read_table(path)
    assert table.schema.names == [
        "workload",
        "usage_type",
        "category",
        "period",
        "cost_usd",
        "usage_quantity",
    ]
    assert table.schema.types == [pa.string()] * 4 + [pa.float64()] * 2
    assert duckdb_columns(path) == [
        ("workload", "VARCHAR"),
        ("usage_type", "VARCHAR"),
        ("category", "VARCHAR"),
        ("period", "VARCHAR"),
        ("cost_usd", "DOUBLE"),
        ("usage_quantity", "DOUBLE"),
    ]
    # Readers address the columns by position.
    assert duckdb.sql(f"select #5, #6 from '{path}'").fetchall() == [
        (23.000000001, 1000.5),
        (-10.0, 0.0),
    ]
    assert duckdb_rows(path)[0][:4] == (
        "genome-pipeline",
        "USE2-TimedStorage-ByteHrs",
        "Storage",
        "2026-10",
    )


def test_parquet_without_rows_still_has_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    path.write_bytes(usage_parquet_bytes([]))

    assert duckdb_columns(path)[4] == ("cost_usd", "DOUBLE")
    assert duckdb_rows(path) == []


def test_parquet_bytes_are_identical_for_identical_rows() -> None:
    assert workload_parquet_bytes(WORKLOAD_ROWS) == workload_parquet_bytes(list(WORKLOAD_ROWS))
    assert usage_parquet_bytes(USAGE_ROWS) == usage_parquet_bytes(tuple(USAGE_ROWS))
    # ...and differ when a value does, so the comparison above means something.
    changed = [*USAGE_ROWS[:1], UsageTypeRow("Untagged", "Tax", "Support", "2026-10", 0, 0)]
    assert usage_parquet_bytes(USAGE_ROWS) != usage_parquet_bytes(changed)


def test_summary_json_is_sorted_utf8_with_trailing_newline() -> None:
    summary = {"period": "2026-10", "cost_centers": [{"name": "Forschung-Ü", "b": 1, "a": 0.1}]}

    data = summary_json_bytes(summary)

    assert (
        data
        == (
            "{\n"
            '  "cost_centers": [\n'
            "    {\n"
            '      "a": 0.1,\n'
            '      "b": 1,\n'
            '      "name": "Forschung-Ü"\n'
            "    }\n"
            "  ],\n"
            '  "period": "2026-10"\n'
            "}\n"
        ).encode()
    )
    assert parse_summary(data) == summary
    assert summary_json_bytes(dict(reversed(summary.items()))) == data


# Any JSON document: nested objects and arrays of text, whole numbers, finite floats,
# booleans and null, with keys and text in any script and with control characters.
_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_json_documents = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=30,
)


# Lists of flat objects (a cost center's workloads), with text that looks like the separators.
_tricky_text = st.text(max_size=6) | st.sampled_from(["},\n    {", "}, {", "{", "}]", '"\\'])
_flat_objects = st.lists(
    st.dictionaries(_tricky_text, _json_scalars | _tricky_text, min_size=1, max_size=4),
    min_size=1,
    max_size=4,
)


@given(
    st.dictionaries(
        st.text(max_size=6),
        _json_documents | _flat_objects | st.lists(_flat_objects, max_size=3),
        max_size=5,
    )
)
@settings(max_examples=400, deadline=None)
def test_summary_json_is_byte_for_byte_what_json_dumps_writes(document: dict) -> None:
    """summary.json is written by a faster encoder; it must not change a single byte."""
    expected = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)

    assert summary_json_bytes(document) == (expected + "\n").encode("utf-8")


def test_summary_json_refuses_nan_and_decimals() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        summary_json_bytes({"x": math.nan})
    with pytest.raises(ValueError, match="Out of range float"):
        summary_json_bytes({"x": {"y": [math.inf, 1]}})
    with pytest.raises(TypeError, match="Decimal"):
        summary_json_bytes({"x": Decimal(1)})
    with pytest.raises(TypeError, match="Decimal"):
        summary_json_bytes({"x": [{"y": [Decimal(1)]}, 2]})


def test_index_lists_periods_newest_first_once() -> None:
    updated = datetime(2026, 11, 26, 7, 0, 3, tzinfo=timezone(timedelta(hours=1)))

    data = index_json_bytes(["2026-09", "2026-11", "2025-12", "2026-11"], updated)

    assert json.loads(data) == {
        "periods": ["2026-11", "2026-09", "2025-12"],
        "updated_at": "2026-11-26T06:00:03Z",
    }
    assert data.endswith(b"}\n")
    assert parse_index_periods(data) == ["2026-11", "2026-09", "2025-12"]


def test_index_refuses_labels_that_are_not_months() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        index_json_bytes(["2026-11", "latest"], datetime(2026, 11, 26, tzinfo=UTC))
    with pytest.raises(ValueError, match="periods"):
        parse_index_periods(b'{"period": []}')
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_index_periods(b'{"periods": ["2026-1"]}')


def test_timestamps_are_utc_seconds_with_z() -> None:
    assert iso_utc(datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert iso_utc(datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))) == (
        "2025-12-31T23:30:00Z"
    )
    with pytest.raises(ValueError, match="time zone"):
        iso_utc(datetime(2026, 1, 1))
