"""`storage_metrics` (contract §3.2): storage cost, average volume and hot share.

Works on the service grouping, because S3 Standard and EFS Standard share the usage type
`TimedStorage-ByteHrs` and only the service tells them apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dapanoskop.categories import (
    VOLUME_UNIT_BYTES,
    Category,
    StorageService,
    categorize,
    is_hot_usage_type,
    is_volume_usage_type,
    storage_service,
)
from dapanoskop.model import ServiceLine, Window
from dapanoskop.processing.rounding import money, percent, whole
from dapanoskop.processing.sources import ZERO

logger = logging.getLogger(__name__)

_BYTES_PER_TIB = Decimal(2**40)
_HUNDRED = Decimal(100)


def storage_scope(*, include_efs: bool, include_ebs: bool) -> frozenset[StorageService]:
    """The storage services whose charges count: S3 always, EFS and EBS when configured."""
    scope = {StorageService.S3}
    if include_efs:
        scope.add(StorageService.EFS)
    if include_ebs:
        scope.add(StorageService.EBS)
    return frozenset(scope)


@dataclass(frozen=True)
class StorageTotals:
    """Storage of one window, exact.

    `byte_months` is Σ GB-Mo x 2^30: the bytes stored on average over the whole month, as
    far as this window has billed them (a 10-day window bills a third of a 30-day month).
    """

    window: Window
    cost: Decimal
    byte_months: Decimal
    hot_byte_months: Decimal

    @property
    def average_bytes(self) -> Decimal:
        """Average bytes stored over the window: scale the month share up to the window."""
        return self.byte_months * self.window.hours_in_month / self.window.hours

    @property
    def hot_percentage(self) -> Decimal:
        if self.byte_months == 0:
            return ZERO
        return self.hot_byte_months / self.byte_months * _HUNDRED

    @property
    def cost_per_tib(self) -> Decimal:
        """Cost / (Σ GB-Mo / 1024), i.e. per TiB-month; 0 without volume."""
        if self.byte_months == 0:
            return ZERO
        return self.cost / (self.byte_months / _BYTES_PER_TIB)


def storage_totals(
    lines: Iterable[ServiceLine], window: Window, scope: frozenset[StorageService]
) -> StorageTotals:
    """Sum the Storage-category charges and the capacity volume of the services in scope."""
    cost = byte_months = hot_byte_months = ZERO
    for line in lines:
        kind = storage_service(line.service, line.usage_type)
        if kind not in scope or categorize(line.usage_type) is not Category.STORAGE:
            continue
        cost += line.cost
        if not is_volume_usage_type(kind, line.usage_type):
            continue
        bytes_per_unit = VOLUME_UNIT_BYTES.get(line.unit)
        if bytes_per_unit is None:
            if line.quantity:
                logger.warning(
                    "storage volume unit unknown, left out of volume "
                    "window=%s service=%s usage_type=%s unit=%s",
                    window.label,
                    line.service,
                    line.usage_type,
                    line.unit,
                )
            continue
        line_bytes = line.quantity * bytes_per_unit
        byte_months += line_bytes
        if is_hot_usage_type(kind, line.usage_type):
            hot_byte_months += line_bytes
    return StorageTotals(window, cost, byte_months, hot_byte_months)


def storage_metrics_json(
    current: StorageTotals, comparison: StorageTotals, *, is_mtd: bool
) -> dict[str, Any]:
    """§3.2; `comparison` is the previous month, or for month-to-date the like-for-like window."""
    metrics: dict[str, Any] = {
        "total_cost_usd": money(current.cost),
        "prev_month_cost_usd": money(comparison.cost),
        "total_volume_bytes": whole(current.average_bytes),
        "prev_month_total_volume_bytes": whole(comparison.average_bytes),
        "hot_tier_percentage": percent(current.hot_percentage),
        "prev_month_hot_tier_percentage": percent(comparison.hot_percentage),
        "cost_per_tb_usd": money(current.cost_per_tib),
        "prev_month_cost_per_tb_usd": money(comparison.cost_per_tib),
    }
    if is_mtd:
        metrics["mtd_prior_partial_storage_cost_usd"] = money(comparison.cost)
    return metrics
