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
    storage_class_name,
    storage_service,
    strip_region_prefix,
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
        if kind not in scope or not _is_storage_charge(line):
            continue
        cost += line.cost
        if not is_volume_usage_type(kind, line.usage_type):
            continue
        line_bytes = _volume_bytes(line)
        if line_bytes is None:
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
        byte_months += line_bytes
        if is_hot_usage_type(kind, line.usage_type):
            hot_byte_months += line_bytes
    return StorageTotals(window, cost, byte_months, hot_byte_months)


def _is_storage_charge(line: ServiceLine) -> bool:
    return categorize(line.usage_type, frozenset({line.service})) is Category.STORAGE


def _volume_bytes(line: ServiceLine) -> Decimal | None:
    """Byte-months of a capacity line, or None when its unit is not a known volume unit."""
    bytes_per_unit = VOLUME_UNIT_BYTES.get(line.unit)
    return None if bytes_per_unit is None else line.quantity * bytes_per_unit


@dataclass
class _ClassTotals:
    service: str
    storage_class: str
    cost: Decimal = ZERO
    byte_months: Decimal = ZERO
    prev_cost: Decimal = ZERO
    prev_byte_months: Decimal = ZERO


def storage_classes_json(
    current: Iterable[ServiceLine],
    comparison: Iterable[ServiceLine],
    current_window: Window,
    comparison_window: Window,
    scope: frozenset[StorageService],
) -> list[dict[str, Any]]:
    """Volume and cost per storage class, scoped by service exactly like `storage_metrics`.

    One entry per (service, usage type without region prefix) of a capacity usage type in
    scope: S3 Standard and EFS Standard share `TimedStorage-ByteHrs` but are two entries.
    Their volumes add up to `total_volume_bytes`. Ordered by average bytes descending, then
    service and usage type.
    """
    found: dict[tuple[str, str], _ClassTotals] = {}
    for lines, is_current in ((current, True), (comparison, False)):
        for line in lines:
            kind = storage_service(line.service, line.usage_type)
            if kind not in scope or not is_volume_usage_type(kind, line.usage_type):
                continue
            volume = _volume_bytes(line)
            if volume is None:
                continue
            bare = strip_region_prefix(line.usage_type)
            entry = found.setdefault(
                (line.service, bare),
                _ClassTotals(line.service, storage_class_name(kind, bare)),
            )
            if is_current:
                entry.cost += line.cost
                entry.byte_months += volume
            else:
                entry.prev_cost += line.cost
                entry.prev_byte_months += volume
    rows = []
    for (service, bare), entry in found.items():
        average = entry.byte_months * current_window.hours_in_month / current_window.hours
        prev_average = (
            entry.prev_byte_months * comparison_window.hours_in_month / comparison_window.hours
        )
        rows.append(
            {
                "service": service,
                "usage_type": bare,
                "storage_class": entry.storage_class,
                "average_bytes": whole(average),
                "cost_usd": money(entry.cost),
                "prev_month_average_bytes": whole(prev_average),
                "prev_month_cost_usd": money(entry.prev_cost),
            }
        )
    rows.sort(key=lambda row: (-row["average_bytes"], row["service"], row["usage_type"]))
    return rows


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
