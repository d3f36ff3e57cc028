"""A small account shared by the backfill and fault tests: two workloads, $3.00 a day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dapanoskop.localce import LineItem

# Cost Explorer keeps 13 months before the current one: on 2026-11-26, 2025-10-01 is the
# oldest day it has.
LEDGER_START = date(2025, 10, 1)
TODAY = date(2026, 11, 26)


def ledger(
    start: date = LEDGER_START, end: date = TODAY, *, gap: str | None = None
) -> list[LineItem]:
    """$1.00 S3 + $2.00 EC2 per day in [start, end), except in the month labelled `gap`."""
    items = []
    day = start
    while day < end:
        if f"{day:%Y-%m}" != gap:
            items.append(
                LineItem(
                    day,
                    "111111111111",
                    "Amazon Simple Storage Service",
                    "TimedStorage-ByteHrs",
                    "GB-Mo",
                    Decimal("1.00"),
                    Decimal("3"),
                    tags={"App": "web"},
                    cost_categories={"CostCenter": "Research"},
                )
            )
            items.append(
                LineItem(
                    day,
                    "111111111111",
                    "Amazon Elastic Compute Cloud - Compute",
                    "BoxUsage:m5.large",
                    "Hrs",
                    Decimal("2.00"),
                    Decimal("24"),
                    tags={"App": "batch"},
                    cost_categories={"CostCenter": "Platform"},
                )
            )
        day += timedelta(days=1)
    return items
