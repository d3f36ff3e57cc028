"""The rows of the two Parquet files (contract §6, §7), still in exact decimals.

Field order is the Parquet column order; `dapanoskop.formats` turns the decimals into doubles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa

from dapanoskop.columns import AMOUNT, Columns, amounts, doubles, exact, finite, quantity_text


class WorkloadRow(NamedTuple):
    """One row of `cost-by-workload.parquet`: a workload's cost within one cost center.

    A named tuple (a large account's backfill makes ~80,000): built several times faster
    than a frozen dataclass, as immutable, and ordered like the file (its fields' order).
    """

    cost_center: str
    workload: str
    period: str
    cost_usd: Decimal


class UsageTypeRow(NamedTuple):
    """One row of `cost-by-usage-type.parquet`: a workload's cost and usage of one usage type.

    The file's rows are built and written as `UsageTypeRows` columns; this is one of them.
    """

    workload: str
    usage_type: str
    category: str
    period: str
    cost_usd: Decimal
    usage_quantity: Decimal
    # Only when the source knows them (contract §7: the Data Exports source); None otherwise.
    service: str | None = None
    account_id: str | None = None


# `cost-by-usage-type.parquet` (contract §7): column order and types are binding (readers
# address its columns by position), REQUIRED in Parquet terms (the contract promises no
# nulls); with the Data Exports source `service` and `account_id` follow the six.
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
USAGE_DETAIL_SCHEMA = USAGE_SCHEMA.append(pa.field("service", pa.string(), nullable=False)).append(
    pa.field("account_id", pa.string(), nullable=False)
)
# The rows as built: the file's columns (doubles as published), then the exact amounts the
# doubles were made from.
_EXACT = [
    pa.field("exact_cost_usd", AMOUNT, nullable=False),
    pa.field("exact_usage_quantity", pa.string(), nullable=False),  # exact decimal text
]
USAGE_ROWS_SCHEMA = pa.schema([*USAGE_SCHEMA, *_EXACT])
USAGE_DETAIL_ROWS_SCHEMA = pa.schema([*USAGE_DETAIL_SCHEMA, *_EXACT])


class UsageTypeRows(Columns[UsageTypeRow]):
    """The rows of `cost-by-usage-type.parquet` (a large month has ~60,000 per period):
    the file's columns (with service and account: USAGE_DETAIL_ROWS_SCHEMA), then the exact
    cost and quantity each double was made from (`model.doubles`)."""

    __slots__ = ()

    def __init__(self, table: pa.Table) -> None:
        if table.schema not in (USAGE_ROWS_SCHEMA, USAGE_DETAIL_ROWS_SCHEMA):
            raise ValueError(f"usage-type rows need the columns {USAGE_DETAIL_ROWS_SCHEMA.names}")
        super().__init__(table)

    @property
    def detailed(self) -> bool:
        """True when the rows carry service and account (contract §7, Data Exports)."""
        return self.table.schema == USAGE_DETAIL_ROWS_SCHEMA

    @property
    def published(self) -> pa.Table:
        """The columns of the file, in the contract's order."""
        return self.table.drop_columns([field.name for field in _EXACT])

    @classmethod
    def from_rows(cls, rows: Iterable[UsageTypeRow]) -> UsageTypeRows:
        rows = list(rows)
        detailed = bool(rows) and rows[0].service is not None
        texts = {
            name: pa.array([getattr(row, name) or "" for row in rows], pa.string())
            for name in ("workload", "usage_type", "category", "period", "service", "account_id")
        }
        cost = amounts([row.cost_usd for row in rows])
        quantity = quantity_text([row.usage_quantity for row in rows])
        columns = {
            **texts,
            "cost_usd": doubles(cost),
            "usage_quantity": finite(doubles(quantity)),
            "exact_cost_usd": cost,
            "exact_usage_quantity": quantity,
        }
        schema = USAGE_DETAIL_ROWS_SCHEMA if detailed else USAGE_ROWS_SCHEMA
        return cls(pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema))

    def _record(self, values: Sequence[Any]) -> UsageTypeRow:
        row = dict(zip(self.table.column_names, values, strict=True))
        return UsageTypeRow(
            row["workload"],
            row["usage_type"],
            row["category"],
            row["period"],
            exact(row["exact_cost_usd"]),
            exact(Decimal(row["exact_usage_quantity"])),
            row.get("service"),
            row.get("account_id"),
        )
