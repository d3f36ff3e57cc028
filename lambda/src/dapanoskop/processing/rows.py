"""The rows of the two Parquet files (contract §6, §7), still in exact decimals.

Field order is the Parquet column order; `dapanoskop.formats` turns the decimals into doubles.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True)
class WorkloadRow:
    """One row of `cost-by-workload.parquet`: a workload's cost within one cost center."""

    cost_center: str
    workload: str
    period: str
    cost_usd: Decimal


class UsageTypeRow(NamedTuple):
    """One row of `cost-by-usage-type.parquet`: a workload's cost and usage of one usage type.

    A named tuple, not a dataclass: a large month has ~60,000 of them per period, and a tuple
    is built several times faster than a frozen dataclass and is as immutable.
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
