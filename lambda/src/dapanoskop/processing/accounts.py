"""Summary `accounts`: each linked account's cost in the three periods (contract §3).

Both sources give an account's id and, where they know it, its name: Cost Explorer from the
LINKED_ACCOUNT grouping's DimensionValueAttributes, a CUR 2.0 export from
`line_item_usage_account_name`. An account that only has cost in a comparison period is listed
too (0 in the others), and the list is ordered like cost centers: published current cost
descending, then name, then id.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dapanoskop.model import Status, WindowData
from dapanoskop.processing.rounding import cents, money

_KEYS = ("current_cost_usd", "prev_month_cost_usd", "yoy_cost_usd")


def accounts_json(three: Sequence[WindowData]) -> list[dict[str, Any]] | None:
    """§3 `accounts` from the current, prev_month and yoy windows; None when the source
    collected no accounts at all (then the summary leaves the field out)."""
    if all(window.accounts is None for window in three):
        return None
    costs: dict[str, list[Decimal]] = {}
    names: dict[str, str] = {}
    for index, window in enumerate(three):
        if window.status is Status.UNAVAILABLE:
            continue
        for line in window.accounts or ():
            costs.setdefault(line.account_id, [Decimal(0)] * len(three))[index] += line.cost
            if line.name and line.account_id not in names:
                names[line.account_id] = line.name  # the newest window's name wins
    ordered = sorted(costs, key=lambda a: (-cents(costs[a][0]), names.get(a, ""), a))
    return [
        {
            "id": account,
            "name": names.get(account, ""),
            **{key: money(cost) for key, cost in zip(_KEYS, costs[account], strict=True)},
        }
        for account in ordered
    ]
