"""Which Cost Explorer grouping feeds which output, and the contract's names for raw values.

The collector fills only the groupings a window needs (see `dapanoskop.model.Grouping`), so
every reader here takes the best grouping that is present:

| output                                   | grouping (first present wins)                    |
|------------------------------------------|--------------------------------------------------|
| totals, tagging_coverage                 | usage, then cost centers, then services (totals) |
| cost_centers, mtd_comparison, §6 Parquet | cost centers; without a cost category: usage,    |
|                                          | every workload under `Uncategorized`             |
| §7 Parquet                               | usage                                            |
| storage_metrics                          | services                                         |

A window whose status is `unavailable` counts as empty whatever lines it carries, so its
totals are 0 as the contract promises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from dapanoskop.model import CostCenterLine, ServiceLine, Status, UsageLines, WindowData
from dapanoskop.processing import usage as usage_columns
from dapanoskop.processing.usage import UNTAGGED

UNCATEGORIZED = "Uncategorized"
# Cost Explorer's values for cost that the cost category does not cover.
_UNCOVERED_COST_CENTERS = frozenset({"", "No cost category"})

ZERO = Decimal(0)


def workload_name(raw: str) -> str:
    """The contract's workload name for a raw tag value ("" = no tag)."""
    return raw or UNTAGGED


def cost_center_name(raw: str) -> str:
    """The contract's cost center name for a raw cost category value."""
    return UNCATEGORIZED if raw in _UNCOVERED_COST_CENTERS else raw


def usage_lines(data: WindowData) -> UsageLines | None:
    return None if data.status is Status.UNAVAILABLE else data.usage


def cost_center_lines(data: WindowData) -> tuple[CostCenterLine, ...] | None:
    return None if data.status is Status.UNAVAILABLE else data.cost_centers


def service_lines(data: WindowData) -> tuple[ServiceLine, ...]:
    """The service grouping; empty when absent (storage of a window without it is 0)."""
    return () if data.status is Status.UNAVAILABLE else data.services or ()


def window_total(data: WindowData) -> Decimal:
    """Total cost of a window from the first grouping present (all of them sum to it)."""
    usage, by_cost_center = usage_lines(data), cost_center_lines(data)
    if usage is not None:
        return usage_columns.total_cost(usage)
    if by_cost_center is not None:
        return _sum_cost(by_cost_center)
    return _sum_cost(service_lines(data))


def tagged_and_untagged(data: WindowData) -> tuple[Decimal, Decimal]:
    """(tagged, untagged) cost of a window; untagged is cost with an empty workload tag."""
    usage = usage_lines(data)
    if usage is not None:
        return usage_columns.tagged_and_untagged(usage)
    tagged = untagged = ZERO
    for line in cost_center_lines(data) or ():
        if line.workload:
            tagged += line.cost
        else:
            untagged += line.cost
    return tagged, untagged


def cost_by_cost_center(data: WindowData) -> dict[tuple[str, str], Decimal]:
    """(cost center, workload) -> cost of one window, raw values renamed and merged."""
    costs: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_cost_center = cost_center_lines(data)
    if by_cost_center is not None:
        # the names inline (a large account has ~2,000 lines a window, four windows a report)
        uncovered = _UNCOVERED_COST_CENTERS
        for line in by_cost_center:
            center = UNCATEGORIZED if line.cost_center in uncovered else line.cost_center
            costs[(center, line.workload or UNTAGGED)] += line.cost
        return dict(costs)
    usage = usage_lines(data)
    if usage is not None:
        for workload, cost in usage_columns.cost_by_workload(usage).items():
            costs[(UNCATEGORIZED, workload_name(workload))] += cost
    return dict(costs)


def grouping_disagreement(data: WindowData) -> Decimal:
    """Usage total minus cost-center total of a window that has both (0 otherwise).

    Cost Explorer computes both from the same bill, so they agree; a difference means the
    collector mixed answers (different metric or time period) and the summary would not add up.
    """
    usage, by_cost_center = usage_lines(data), cost_center_lines(data)
    if usage is None or by_cost_center is None:
        return ZERO
    return usage_columns.total_cost(usage) - _sum_cost(by_cost_center)


def _sum_cost(lines: Iterable[CostCenterLine | ServiceLine]) -> Decimal:
    return sum((line.cost for line in lines), ZERO)
