"""Cost centers with their workloads (contract §3.3, §3.5) and `cost-by-workload.parquet` (§6).

One tree holds every (cost center, workload) pair seen in any window of the summary, with a
cost per window (0 where the pair has none), so the summary, its month-to-date comparison
and the Parquet file all list the same pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dapanoskop.processing.rounding import cents, money
from dapanoskop.processing.rows import WorkloadRow
from dapanoskop.processing.sources import ZERO

# The workload name of split-charge amounts in `cost-by-workload.parquet` (§6).
SPLIT_CHARGE_WORKLOAD = "(split charge)"

# (cost center, workload) -> cost, for one window.
PairCosts = Mapping[tuple[str, str], Decimal]


@dataclass(frozen=True)
class WorkloadEntry:
    name: str
    costs: tuple[Decimal, ...]  # one per window, in the order the tree was built with


@dataclass(frozen=True)
class SplitShare:
    """What split-charge rules moved into and out of a cost center in one window."""

    incoming: Decimal
    outgoing: Decimal


@dataclass(frozen=True)
class CostCenterEntry:
    name: str
    costs: tuple[Decimal, ...]  # per window: the sum of its workloads (+ in - out, see split)
    workloads: tuple[WorkloadEntry, ...]
    # per window, None where no split-charge rule names this cost center; empty: no rules
    split: tuple[SplitShare | None, ...] = ()
    is_split_charge: bool = False  # a source of a rule in the first (current) window


def cost_center_tree(per_window: Sequence[PairCosts]) -> tuple[CostCenterEntry, ...]:
    """Every pair seen in any window, ordered by the first window's cost desc, then name.

    A pair counts as seen when a window has a line for it, even one of 0 dollars: a workload
    whose charges and credits cancel out is still a workload.
    """
    workloads_by_center: dict[str, set[str]] = {}
    for costs in per_window:
        for center, workload in costs:
            workloads_by_center.setdefault(center, set()).add(workload)
    centers = []
    for center, names in workloads_by_center.items():
        workloads = [
            WorkloadEntry(name, tuple([costs.get((center, name), ZERO) for costs in per_window]))
            for name in names
        ]
        totals = tuple(
            sum((entry.costs[index] for entry in workloads), ZERO)
            for index in range(len(per_window))
        )
        centers.append(CostCenterEntry(center, totals, _ordered(workloads)))
    return _ordered(centers)


def order_cost_centers(centers: list[CostCenterEntry]) -> tuple[CostCenterEntry, ...]:
    """Cost centers in contract order (also after split charges changed their costs)."""
    return _ordered(centers)


def _ordered[T: (WorkloadEntry, CostCenterEntry)](entries: list[T]) -> tuple[T, ...]:
    """Contract order: first window's published cost descending, ties by name (code points)."""
    return tuple(sorted(entries, key=lambda entry: (-cents(entry.costs[0]), entry.name)))


def cost_centers_json(
    tree: Sequence[CostCenterEntry], *, yoy_available: bool = True
) -> list[dict[str, Any]]:
    """§3.3; the tree's first three windows are current, prev_month and yoy.

    When the year-ago month is unavailable, `yoy_cost_usd` is left out (not 0): a reader
    then shows "N/A" instead of a comparison with nothing.
    """
    return [
        {
            "name": center.name,
            **_three_periods(center.costs, yoy_available),
            **({"is_split_charge": True} if center.is_split_charge else {}),
            **_split_fields(center, _SPLIT_PREFIXES),
            "workloads": [
                {"name": workload.name, **_three_periods(workload.costs, yoy_available)}
                for workload in center.workloads
            ],
        }
        for center in tree
    ]


def _three_periods(costs: tuple[Decimal, ...], yoy_available: bool = True) -> dict[str, float]:
    periods = {
        "current_cost_usd": money(costs[0]),
        "prev_month_cost_usd": money(costs[1]),
    }
    if yoy_available:
        periods["yoy_cost_usd"] = money(costs[2])
    return periods


# Field prefix of the split amounts of each window of the tree (§3.3, §3.5).
_SPLIT_PREFIXES = {0: "", 1: "prev_month_", 2: "yoy_"}
_PRIOR_PARTIAL_PREFIX = "prior_partial_"


def _split_fields(center: CostCenterEntry, prefixes: Mapping[int, str]) -> dict[str, float]:
    """`split_charge_in_usd` / `_out_usd` (with the window's prefix) where a rule touched it."""
    fields: dict[str, float] = {}
    for index, prefix in prefixes.items():
        share = center.split[index] if index < len(center.split) else None
        if share is not None:
            fields[f"{prefix}split_charge_in_usd"] = money(share.incoming)
            fields[f"{prefix}split_charge_out_usd"] = money(share.outgoing)
    return fields


def prior_partial_json(tree: Sequence[CostCenterEntry], index: int) -> list[dict[str, Any]]:
    """§3.5 `cost_centers`: the like-for-like cost (window `index`), in the parent's order."""
    return [
        {
            "name": center.name,
            "prior_partial_cost_usd": money(center.costs[index]),
            **({"is_split_charge": True} if center.is_split_charge else {}),
            **_split_fields(center, {index: _PRIOR_PARTIAL_PREFIX}),
            "workloads": [
                {"name": workload.name, "prior_partial_cost_usd": money(workload.costs[index])}
                for workload in center.workloads
            ],
        }
        for center in tree
    ]


def workload_rows(
    tree: Sequence[CostCenterEntry], labels: Sequence[str]
) -> tuple[WorkloadRow, ...]:
    """§6: every pair of the tree x the first `len(labels)` windows, zero-filled.

    A cost center that split-charge rules touch in one of these windows also gets the row
    workload `(split charge)` in each of them: in - out of that window (0 where untouched), so
    a cost center's rows add up to its post-split cost and all rows to the total.
    Sorted by cost center, workload, period (all ascending, code points), so an analyst's
    `ORDER BY` and a diff of two runs both read naturally.
    """
    rows = [
        WorkloadRow(center.name, workload.name, label, workload.costs[index])
        for center in tree
        for workload in center.workloads
        for index, label in enumerate(labels)
    ]
    for center in tree:
        shares = [center.split[i] if i < len(center.split) else None for i in range(len(labels))]
        if any(share is not None for share in shares):
            rows.extend(
                WorkloadRow(
                    center.name,
                    SPLIT_CHARGE_WORKLOAD,
                    label,
                    ZERO if share is None else share.incoming - share.outgoing,
                )
                for share, label in zip(shares, labels, strict=True)
            )
    # (cost center, workload, period) is unique, so the tuples' order is that order
    return tuple(sorted(rows))
