"""Small hand-made CUR 2.0 exports for the source's tests."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.collector import CollectionConfig
from dapanoskop.dataexport.columns import SCHEMA
from dapanoskop.dataexport.embedded import EmbeddedEngine, query_columns
from dapanoskop.dataexport.location import ExportLocation, data_key, manifest_key
from dapanoskop.dataexport.source import ExportCollection, collect_export
from dapanoskop.localce import LineItem
from dapanoskop.localce.cur_export import cur_row
from dapanoskop.periods import SummarySpec
from dapanoskop.settings import LocalDestination
from dapanoskop.store import LocalStore

ACCOUNT = "111122223333"
S3 = "Amazon Simple Storage Service"


def item(
    day: date, amount: str, *, usage_type: str = "TimedStorage-ByteHrs", **kwargs: Any
) -> LineItem:
    defaults: dict[str, Any] = {
        "account": ACCOUNT,
        "service": S3,
        "unit": "GB-Mo",
        "quantity": Decimal(amount) * 10,
    }
    return LineItem(
        day=day, usage_type=usage_type, amount=Decimal(amount), **{**defaults, **kwargs}
    )


def write_period(
    root: Path,
    period: str,
    rows: Sequence[dict[str, Any]],
    *,
    files: Sequence[str] = ("part-00001.snappy.parquet",),
    manifest: bool = True,
    export_name: str = "my-export",
) -> None:
    """`rows` split evenly over `files` in data/BILLING_PERIOD=period/, and a manifest."""
    store = LocalStore(root)
    keys = []
    for number, name in enumerate(files):
        part = [dict(r) for r in rows[number :: len(files)]]
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(part, schema=SCHEMA), buffer)
        key = data_key(period, name)
        store.put(key, buffer.getvalue(), "application/vnd.apache.parquet")
        keys.append(key)
    if manifest:
        body = json.dumps({"exportName": export_name, "dataFiles": keys}).encode()
        store.put(manifest_key(period, export_name), body, "application/json")


def rows_of(
    items: Sequence[LineItem], *, final: bool = True, **kwargs: Any
) -> list[dict[str, Any]]:
    return [
        cur_row(i, i.day.replace(day=1), index=n, final=final, **kwargs)
        for n, i in enumerate(items)
    ]


def collect_from(
    root: Path,
    specs: Sequence[SummarySpec],
    *,
    metric: str = "UnblendedCost",
    cost_category: str | None = "Cost Center",
    include_accounts: bool = False,
) -> ExportCollection:
    location = ExportLocation(LocalDestination(root), LocalStore(root))
    config = CollectionConfig(metric, "App", cost_category, 13, include_accounts=include_accounts)
    return collect_export(EmbeddedEngine(), location, specs, config, query_columns)
