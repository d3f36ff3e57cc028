"""GetCostCategories: the account's cost-category names, or one category's values.

Without `CostCategoryName` the answer lists every known category (sorted); with it, the
category's non-empty values seen in the TimePeriod (after the Filter, sorted). `SearchString`
keeps entries containing it (case-insensitive). Everything fits one page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dapanoskop.localce.expressions import compile_expression
from dapanoskop.localce.table import CostTable
from dapanoskop.localce.timeline import check_retention, parse_time_period


class CostCategories:
    """Answers GetCostCategories from a cost table and the list of known category names."""

    def __init__(
        self, table: CostTable, today: date, names: Sequence[str], retention_months: int
    ) -> None:
        self._table = table
        self._today = today
        self._names = sorted(set(names))
        self._retention_months = retention_months

    def handle(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Names, or one category's values, as a single page."""
        start, end = parse_time_period(params)
        check_retention(start, end, self._today, self._retention_months)
        expression = params.get("Filter")
        predicate = compile_expression(expression) if expression is not None else None
        search = (params.get("SearchString") or "").lower()
        name = params.get("CostCategoryName")
        if name is None:
            found = self._names
            field = "CostCategoryNames"
        else:
            seen: set[str] = set()
            checked: set[int] = set()
            for profile_id, _row in self._table.rows(start, end):
                if profile_id in checked:
                    continue
                checked.add(profile_id)
                profile = self._table.profiles[profile_id]
                value = profile.cost_categories.get(name, "")
                if value and (predicate is None or predicate(profile)):
                    seen.add(value)
            found = sorted(seen)
            field = "CostCategoryValues"
        entries = [entry for entry in found if search in entry.lower()]
        return {field: entries, "ReturnSize": len(entries), "TotalSize": len(entries)}
