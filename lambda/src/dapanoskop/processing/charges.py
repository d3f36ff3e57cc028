"""What each usage type pays for, and tagging coverage of taggable spend (contract §3.4, §4).

Cost Explorer groups by at most two dimensions, so the usage-type rows (tag x usage type) do not
say which service or record type a charge has. Both are collected separately (service x usage
type, record type x usage type) and joined here by usage type:
- a usage type's category is the category of the kind of charge that carries most of its cost
  (by absolute amount) across the summary's windows; ties go to the usage side, so a fully
  credited usage type stays what it is;
- untaggable cost (taxes, credits, refunds, one-time fees, discounts, support plans) is summed
  exactly from the record types, and left out of tagging coverage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from dapanoskop.categories import Category, categorize
from dapanoskop.model import Status, WindowData
from dapanoskop.processing.rounding import cents
from dapanoskop.processing.sources import ZERO, tagged_and_untagged, usage_lines
from dapanoskop.processing.usage import cost_of_usage_types, usage_types

_HUNDRED = Decimal(100)
# Ties between categories of one usage type: usage first, Support last.
_TIE_ORDER = (Category.COMPUTE, Category.STORAGE, Category.OTHER, Category.SUPPORT)


def services_by_usage_type(windows: Iterable[WindowData]) -> dict[str, frozenset[str]]:
    """usage type -> the services Cost Explorer reported it under, in any of the windows."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for data in windows:
        if data.status is Status.UNAVAILABLE:
            continue
        for line in data.services or ():
            found[line.usage_type].add(line.service)
    return {usage_type: frozenset(services) for usage_type, services in found.items()}


@dataclass(frozen=True)
class Classifier:
    """Categories of the usage types of one summary, from all the evidence its windows carry."""

    categories: Mapping[str, Category]
    services: Mapping[str, frozenset[str]]

    def __call__(self, usage_type: str) -> Category:
        known = self.categories.get(usage_type)
        if known is not None:
            return known
        return categorize(usage_type, self.services.get(usage_type, frozenset()))


def classifier(windows: Iterable[WindowData]) -> Classifier:
    """Decide each usage type's category once, from record types and services of all windows."""
    windows = tuple(windows)
    services = services_by_usage_type(windows)
    weights: defaultdict[str, defaultdict[Category, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for data in windows:
        if data.status is Status.UNAVAILABLE:
            continue
        for line in data.charges or ():
            kind = categorize(
                line.usage_type, services.get(line.usage_type, frozenset()), line.record_type
            )
            weights[line.usage_type][kind] += abs(line.cost)
    categories = {
        usage_type: max(by_kind, key=lambda c: (by_kind[c], -_TIE_ORDER.index(c)))
        for usage_type, by_kind in weights.items()
    }
    return Classifier(categories, services)


def _is_untaggable(usage_type: str, record_type: str | None, services: frozenset[str]) -> bool:
    return categorize(usage_type, services, record_type) is Category.SUPPORT


def untaggable_parts(
    data: WindowData, services: Mapping[str, frozenset[str]]
) -> tuple[Decimal, frozenset[str]]:
    """(untaggable cost, usage types that are untaggable through and through) of a window.

    The cost is exact from the record types. Without the record-type grouping (None) the
    usage-type rows whose category is Support stand in for it.
    """
    if data.status is Status.UNAVAILABLE:
        return ZERO, frozenset()
    if data.charges is None:
        lines = usage_lines(data)
        if lines is None:
            return ZERO, frozenset()
        pure = frozenset(
            usage_type
            for usage_type in usage_types(lines)
            if _is_untaggable(usage_type, None, services.get(usage_type, frozenset()))
        )
        return cost_of_usage_types(lines, pure), pure
    total = ZERO
    mixed: set[str] = set()
    untaggable: set[str] = set()
    for line in data.charges:
        found = services.get(line.usage_type, frozenset())
        if _is_untaggable(line.usage_type, line.record_type, found):
            total += line.cost
            untaggable.add(line.usage_type)
        else:
            mixed.add(line.usage_type)
    return total, frozenset(untaggable - mixed)


@dataclass(frozen=True)
class Coverage:
    """Tagging coverage of taggable (usage) spend in one window, exact."""

    tagged: Decimal
    untagged: Decimal
    untaggable: Decimal

    @property
    def percentage(self) -> Decimal:
        """tagged / (tagged + untagged) x 100; 0 when there is no positive taggable spend.

        Both parts are usage, so with ordinary bills it lies within 0..100 without clamping.
        Only an account whose usage itself is negative (e.g. a Savings Plans negation left
        without its covered usage) can leave that range; it is then shown as computed, not
        hidden by clamping.

        Computed from the amounts as published (cents), so a reader recomputes the same
        figure from the file, and a sub-cent negative part (published as 0.00) cannot turn
        it into -100 %.
        """
        tagged, untagged = cents(self.tagged), cents(self.untagged)
        taggable = tagged + untagged
        if taggable <= 0:
            return ZERO
        return tagged / taggable * _HUNDRED


def coverage(data: WindowData, services: Mapping[str, frozenset[str]]) -> Coverage:
    """Tagging coverage of a window's usage charges.

    The tag grouping does not say which of its costs are untaggable, so:
    - usage types whose charges are all untaggable (a `Tax` line, a credit of its own usage
      type) are taken out of the tagged or untagged part they appear in, exactly;
    - untaggable charges that share a usage type with usage are taken out of the untagged
      part: AWS applies taxes, credits, refunds, fees and support plans to the account, not to
      a resource, so they carry no tag.
    """
    tagged, untagged = tagged_and_untagged(data)
    untaggable, pure = untaggable_parts(data, services)
    lines = usage_lines(data)
    pure_tagged = ZERO if lines is None else cost_of_usage_types(lines, pure, tagged_only=True)
    return Coverage(
        tagged=tagged - pure_tagged,
        untagged=untagged - (untaggable - pure_tagged),
        untaggable=untaggable,
    )
