"""The local CUR 2.0 export writer: layout, column names and types, manifest, finality."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dapanoskop.dataexport.columns import SCHEMA
from dapanoskop.localce.cur_export import UnrepresentableItemError, write_cur_export
from dapanoskop.store import LocalStore
from tests.dataexport.support import item

TODAY = date(2026, 11, 2)


def test_layout_columns_and_manifest(tmp_path: Path) -> None:
    items = [
        item(date(2026, 10, 31), "1.5", tags={"App": "web"}, cost_categories={"Cost Center": "R"}),
        item(date(2026, 11, 1), "2"),
        item(date(2026, 11, 1), "3"),
    ]
    written = write_cur_export(items, LocalStore(tmp_path), "my-export", TODAY, rows_per_file=1)
    assert [(w.period, w.rows, len(w.files), w.final) for w in written] == [
        ("2026-10", 1, 1, False),  # closes 3 days after its end, like the local Cost Explorer
        ("2026-11", 2, 2, False),
    ]
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        "data/BILLING_PERIOD=2026-10/my-export-00001.snappy.parquet",
        "data/BILLING_PERIOD=2026-11/my-export-00001.snappy.parquet",
        "data/BILLING_PERIOD=2026-11/my-export-00002.snappy.parquet",
        "metadata/BILLING_PERIOD=2026-10/my-export-Manifest.json",
        "metadata/BILLING_PERIOD=2026-11/my-export-Manifest.json",
    ]
    table = pq.read_table(tmp_path / files[0])
    assert table.schema.equals(SCHEMA)
    row = table.to_pylist()[0]
    assert row["line_item_usage_start_date"] == datetime(2026, 10, 31)
    assert row["line_item_usage_end_date"] == datetime(2026, 11, 1)
    assert row["bill_billing_period_start_date"] == datetime(2026, 10, 1)
    assert row["identity_time_interval"] == "2026-10-31T00:00:00Z/2026-11-01T00:00:00Z"
    assert row["line_item_unblended_cost"] == 1.5
    assert row["line_item_usage_amount"] == 15.0
    assert row["resource_tags"] == [("user_App", "web")]
    assert row["cost_category"] == [("Cost Center", "R")]
    assert row["product"] == [("product_name", "Amazon Simple Storage Service")]
    assert row["line_item_product_code"] == "AmazonS3"
    assert row["bill_invoice_id"] == ""
    manifest = json.loads((tmp_path / files[4]).read_text())
    assert manifest["dataFiles"] == files[1:3]
    assert manifest["billingPeriod"] == {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
    }
    assert [c["name"] for c in manifest["columns"]] == SCHEMA.names


def test_a_closed_month_gets_an_invoice_id_and_empty_months_a_manifest(tmp_path: Path) -> None:
    items = [item(date(2026, 9, 10), "1")]
    written = write_cur_export(
        items, LocalStore(tmp_path), "x", TODAY, first_period=date(2026, 8, 1), lowercase_tags=True
    )
    assert [(w.period, w.rows, w.final) for w in written] == [
        ("2026-08", 0, True),
        ("2026-09", 1, True),
        ("2026-10", 0, False),
        ("2026-11", 0, False),
    ]
    table = pq.read_table(tmp_path / "data/BILLING_PERIOD=2026-09/x-00001.snappy.parquet")
    assert table["bill_invoice_id"].to_pylist() == ["INV-202609-5011"]
    empty = json.loads((tmp_path / "metadata/BILLING_PERIOD=2026-08/x-Manifest.json").read_text())
    assert empty["dataFiles"] == []


def test_a_manifest_written_for_s3_lists_full_uris(tmp_path: Path) -> None:
    write_cur_export(
        [item(date(2026, 10, 1), "1")],
        LocalStore(tmp_path),
        "x",
        TODAY,
        location_uri="s3://bucket/cur/x",
    )
    manifest = json.loads(
        (tmp_path / "metadata/BILLING_PERIOD=2026-10/x-Manifest.json").read_text()
    )
    assert manifest["dataFiles"] == [
        "s3://bucket/cur/x/data/BILLING_PERIOD=2026-10/x-00001.snappy.parquet"
    ]


def test_usage_whose_amortized_cost_differs_from_its_cost_is_refused(tmp_path: Path) -> None:
    """No CUR line of type Usage amortizes to something else: the ledger is wrong, say so."""
    wrong = item(date(2026, 10, 1), "10", amounts={"AmortizedCost": Decimal(4)})
    with pytest.raises(UnrepresentableItemError, match="a Usage line item with AmortizedCost=4"):
        write_cur_export([wrong], LocalStore(tmp_path), "x", TODAY)
