"""The rows of the two Parquet files (contract §6, §7), still in exact decimals.

Field order is the Parquet column order; `dapanoskop.formats` turns the decimals into doubles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa

from dapanoskop.model import AMOUNT, Columns, amounts, exact


@dataclass(frozen=True)
class WorkloadRow:
    """One row of `cost-by-workload.parquet`: a workload's cost within one cost center."""

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


# §7's columns in order, money still exact; `service` and `account_id` only when detailed.
USAGE_ROWS_SCHEMA = pa.schema(
    [
        pa.field("workload", pa.string(), nullable=False),
        pa.field("usage_type", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("cost_usd", AMOUNT, nullable=False),
        pa.field("usage_quantity", AMOUNT, nullable=False),
    ]
)
USAGE_DETAIL_ROWS_SCHEMA = USAGE_ROWS_SCHEMA.append(
    pa.field("service", pa.string(), nullable=False)
).append(pa.field("account_id", pa.string(), nullable=False))


class UsageTypeRows(Columns[UsageTypeRow]):
    """The rows of `cost-by-usage-type.parquet` (a large month has ~60,000 per period), as
    USAGE_ROWS_SCHEMA or, with service and account, USAGE_DETAIL_ROWS_SCHEMA columns."""

    __slots__ = ()

    def __init__(self, table: pa.Table) -> None:
        if table.schema not in (USAGE_ROWS_SCHEMA, USAGE_DETAIL_ROWS_SCHEMA):
            raise ValueError(f"usage-type rows need the columns {USAGE_DETAIL_ROWS_SCHEMA.names}")
        super().__init__(table)

    @property
    def detailed(self) -> bool:
        """True when the rows carry service and account (contract §7, Data Exports)."""
        return self.table.schema == USAGE_DETAIL_ROWS_SCHEMA

    @classmethod
    def from_rows(cls, rows: Iterable[UsageTypeRow]) -> UsageTypeRows:
        rows = list(rows)
        detailed = bool(rows) and rows[0].service is not None
        schema = USAGE_DETAIL_ROWS_SCHEMA if detailed else USAGE_ROWS_SCHEMA
        columns = []
        for index, field in enumerate(schema):
            values = [row[index] for row in rows]
            if field.type == AMOUNT:
                columns.append(amounts(values))
            else:
                columns.append(pa.array([v or "" for v in values], pa.string()))
        return cls(pa.Table.from_arrays(columns, schema=schema))

    def _record(self, values: Sequence[Any]) -> UsageTypeRow:
        workload, usage_type, category, period, cost, quantity, *detail = values
        return UsageTypeRow(
            workload, usage_type, category, period, exact(cost), exact(quantity), *detail
        )
