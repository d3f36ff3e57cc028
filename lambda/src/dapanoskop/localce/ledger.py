"""Line items: the table the local Cost Explorer answers from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class LineItem:
    """One day's cost and usage of one usage type, as a bill line would have it.

    `amounts` holds the cost per Cost Explorer cost metric (`UnblendedCost`, ...); a metric
    missing from it counts as that item's `UnblendedCost`, so simple fixtures need only one.
    `tags` and `cost_categories` map keys to values; a missing key is "no value".
    """

    day: date
    account: str
    service: str
    usage_type: str
    unit: str
    amount: Decimal
    quantity: Decimal = Decimal(0)
    record_type: str = "Usage"
    region: str = "us-east-1"
    tags: Mapping[str, str] = field(default_factory=dict)
    cost_categories: Mapping[str, str] = field(default_factory=dict)
    amounts: Mapping[str, Decimal] = field(default_factory=dict)

    def metric(self, name: str) -> Decimal:
        """The item's cost under a cost metric, falling back to `amount`."""
        return self.amounts.get(name, self.amount)
