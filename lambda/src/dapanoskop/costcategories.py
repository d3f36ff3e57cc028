"""Collect: the split-charge rules of the cost category, in the version effective each month.

Cost Explorer's numbers are pre-split (see `dapanoskop.processing.splitcharges`), so the rules
are read from the definition: ListCostCategoryDefinitions finds the category's ARN by name,
DescribeCostCategoryDefinition with `EffectiveOn` returns the version in effect on a date,
with its `EffectiveStart` (always a 1st: versions change at month boundaries).

Requests: one List, then one Describe for the newest month; that version covers every month
from its `EffectiveStart` on, so one more Describe is needed only for each older version the
run's months reach back into. A run whose months all lie in one version (the definition did
not change in the 13 months a daily run compares) costs 2 requests. A month before the
category's first version has no rules (Describe answers ResourceNotFoundException). Months in
which Cost Explorer put no cost into any value of the category are not worth a request of
their own: before a category exists every cost is "No cost category" (its rules apply from
`EffectiveStart` on), so the walk back stops when only such months are left; they get the
rules of a version already read if it covers them, else none.
A failing request fails the run like any other Cost Explorer request: publishing pre-split
amounts where the owner asked for split ones would be a quiet change of meaning.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dapanoskop.costexplorer import CostExplorer
from dapanoskop.model import SplitChargeRule, SplitMethod, Status, WindowData
from dapanoskop.processing.sources import UNCATEGORIZED, cost_center_name

logger = logging.getLogger(__name__)

SplitRules = dict[str, tuple[SplitChargeRule, ...]]  # "YYYY-MM" -> rules in effect


def read_split_rules(
    ce: CostExplorer,
    name: str,
    months: Iterable[date],
    categorized: Collection[date] | None = None,
) -> SplitRules:
    """The split-charge rules of cost category `name` in effect in each of `months`.

    `categorized`: the months (their 1st) in which some cost has a value of the category;
    None: all of `months`. Only months with at least one rule are in the answer.
    """
    remaining = sorted({month.replace(day=1) for month in months}, reverse=True)
    worth_asking = (
        set(remaining) if categorized is None else {m.replace(day=1) for m in categorized}
    )
    if not remaining or not worth_asking & set(remaining):
        return {}
    arn = _arn(ce.cost_category_references(), name)
    if arn is None:
        logger.info("cost category has no definition today; no split charges name=%s", name)
        return {}
    found: SplitRules = {}
    while remaining:
        if not worth_asking & set(remaining):
            logger.info(
                "no categorized cost in older months; no split charges asked for them months=%s",
                ",".join(_label(month) for month in remaining),
            )
            break
        newest = remaining[0]
        definition = ce.cost_category_definition(arn, f"{newest.isoformat()}T00:00:00Z")
        if definition is None:
            logger.info("cost category had no version yet month=%s", newest.isoformat()[:7])
            break
        start = _day(definition.get("EffectiveStart"), newest)
        covered = [month for month in remaining if month >= start] or [newest]
        rules = parse_split_charge_rules(definition.get("SplitChargeRules") or ())
        if rules:
            found.update({_label(month): rules for month in covered})
        remaining = [month for month in remaining if month not in covered]
    return found


def split_rules_for(ce: CostExplorer, name: str, collected: Iterable[WindowData]) -> SplitRules:
    """The rules for every month of the collected windows that Cost Explorer has data for."""
    available = [data for data in collected if data.status is not Status.UNAVAILABLE]
    categorized = [
        data.window.start
        for data in available
        if any(
            cost_center_name(line.cost_center) != UNCATEGORIZED for line in data.cost_centers or ()
        )
    ]
    return read_split_rules(ce, name, [data.window.start for data in available], categorized)


def parse_split_charge_rules(raw_rules: Iterable[Mapping[str, Any]]) -> tuple[SplitChargeRule, ...]:
    """`SplitChargeRules` as records; a rule we cannot read is left out and logged."""
    rules = []
    for raw in raw_rules:
        try:
            method = SplitMethod(raw["Method"])
            percentages: tuple[Decimal, ...] = ()
            if method is SplitMethod.FIXED:
                percentages = tuple(
                    Decimal(str(value))
                    for parameter in raw.get("Parameters") or ()
                    if parameter.get("Type") == "ALLOCATION_PERCENTAGES"
                    for value in parameter.get("Values", ())
                )
            rules.append(
                SplitChargeRule(str(raw["Source"]), tuple(raw["Targets"]), method, percentages)
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            logger.warning("split charge rule not understood; left out error=%s", error)
    return tuple(rules)


def _arn(references: Iterable[Mapping[str, Any]], name: str) -> str | None:
    return next((r["CostCategoryArn"] for r in references if r.get("Name") == name), None)


def _day(raw: Any, fallback: date) -> date:
    """`2026-10-01T00:00:00Z` -> 2026-10-01 (the 1st of that month)."""
    try:
        return datetime.fromisoformat(str(raw)).date().replace(day=1)
    except ValueError:
        return fallback


def _label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
