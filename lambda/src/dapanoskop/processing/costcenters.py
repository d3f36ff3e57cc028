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

# (cost center, workload) -> cost, for one window.
PairCosts = Mapping[tuple[str, str], Decimal]


@dataclass(frozen=True)
class WorkloadEntry:
    name: str
    costs: tuple[Decimal, ...]  # one per window, in the order the tree was built with


@dataclass(frozen=True)
class CostCenterEntry:
    name: str
    costs: tuple[Decimal, ...]  # the sum of its workloads, per window
    workloads: tuple[WorkloadEntry, ...]


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
            WorkloadEntry(name, tuple(costs.get((center, name), ZERO) for costs in per_window))
            for name in names
        ]
        totals = tuple(
            sum((entry.costs[index] for entry in workloads), ZERO)
            for index in range(len(per_window))
        )
        centers.append(CostCenterEntry(center, totals, _ordered(workloads)))
    return _ordered(centers)


def _ordered[T: (WorkloadEntry, CostCenterEntry)](entries: list[T]) -> tuple[T, ...]:
    """Contract order: first window's published cost descending, ties by name (code points)."""
    return tuple(sorted(entries, key=lambda entry: (-cents(entry.costs[0]), entry.name)))


def cost_centers_json(tree: Sequence[CostCenterEntry]) -> list[dict[str, Any]]:
    """§3.3; the tree's first three windows are current, prev_month and yoy."""
    return [
        {
            "name": center.name,
            **_three_periods(center.costs),
            "workloads": [
                {"name": workload.name, **_three_periods(workload.costs)}
                for workload in center.workloads
            ],
        }
        for center in tree
    ]


def _three_periods(costs: tuple[Decimal, ...]) -> dict[str, float]:
    return {
        "current_cost_usd": money(costs[0]),
        "prev_month_cost_usd": money(costs[1]),
        "yoy_cost_usd": money(costs[2]),
    }


def prior_partial_json(tree: Sequence[CostCenterEntry], index: int) -> list[dict[str, Any]]:
    """§3.5 `cost_centers`: the like-for-like cost (window `index`), in the parent's order."""
    return [
        {
            "name": center.name,
            "prior_partial_cost_usd": money(center.costs[index]),
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

    Sorted by cost center, workload, period (all ascending, code points), so an analyst's
    `ORDER BY` and a diff of two runs both read naturally.
    """
    rows = [
        WorkloadRow(center.name, workload.name, label, workload.costs[index])
        for center in tree
        for workload in center.workloads
        for index, label in enumerate(labels)
    ]
    return tuple(sorted(rows, key=lambda row: (row.cost_center, row.workload, row.period)))
