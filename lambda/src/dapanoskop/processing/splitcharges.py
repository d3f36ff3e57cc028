"""Split charges: a cost category's `SplitChargeRules` applied to cost center totals.

Cost Explorer's GetCostAndUsage returns cost category amounts *before* split charges (AWS
Cost Management user guide, "Splitting charges within cost categories": split results "do not
appear and don't impact ... Cost Explorer"), so the pipeline applies the rules itself, the way
AWS documents the methods (API reference, `CostCategorySplitChargeRule`):

- PROPORTIONAL: the source's cost goes to the targets in proportion to each target's own cost;
  when the targets have no cost between them (their sum is 0) it is shared evenly instead,
  because there is no proportion to follow and the money must still go somewhere;
- EVEN: equal shares;
- FIXED: the given allocation percentages. AWS's API does not say what percentages that do
  not add up to 100 mean (the console asks for 100). We read them as weights: each target gets
  source x p / sum(p), so the source is always emptied as with the other methods and no money
  is created or lost; a warning names the rule. Percentages adding up to 0, or a different
  number of percentages than targets, cannot be read as weights: that rule is skipped (logged).

Every rule works on the amounts *before any split* (AWS forbids a value to be both source and
target, but a definition we are handed may chain A -> B, B -> C): B's own pre-split cost moves
to C and A's share stays at B, so no dollar moves twice and the order of the rules does not
matter; a second rule for the same source is skipped (logged). Money is conserved exactly:
every target but one gets its share rounded to the cent, and the remainder target (the
largest share, ties by name) gets what is left.

Pure: no AWS, no clock, no environment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from dapanoskop.model import SplitChargeRule, SplitMethod
from dapanoskop.processing.costcenters import CostCenterEntry, SplitShare, order_cost_centers
from dapanoskop.processing.sources import ZERO, cost_center_name

logger = logging.getLogger(__name__)

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class SplitOutcome:
    """The result of one window's rules: amounts moved in and out per touched cost center."""

    moved_in: Mapping[str, Decimal]
    moved_out: Mapping[str, Decimal]
    sources: frozenset[str]

    @property
    def touched(self) -> frozenset[str]:
        """Every cost center that is a source or a target of a rule."""
        return frozenset(self.moved_in) | frozenset(self.moved_out)

    def post_split(self, name: str, pre_split: Decimal) -> Decimal:
        return pre_split + self.moved_in.get(name, ZERO) - self.moved_out.get(name, ZERO)


NO_SPLIT = SplitOutcome({}, {}, frozenset())


def apply_split_rules(
    pre_split: Mapping[str, Decimal], rules: Sequence[SplitChargeRule]
) -> SplitOutcome:
    """What `rules` move between cost centers whose pre-split totals are `pre_split`.

    Keys of `pre_split` are contract cost center names; rule values are raw cost category
    values and are renamed the same way ("" -> Uncategorized). A cost center a rule names but
    `pre_split` lacks has no cost (0).
    """
    moved_in: dict[str, Decimal] = {}
    moved_out: dict[str, Decimal] = {}
    sources: set[str] = set()
    for rule in rules:
        source = cost_center_name(rule.source)
        if source in sources:
            # AWS allows a value as a source once; a second rule would move it twice
            logger.warning("split rule skipped: its source has a rule already source=%s", source)
            continue
        targets = _unique(cost_center_name(t) for t in rule.targets)
        weights = _weights(rule, targets, pre_split)
        if weights is None:
            continue
        amount = pre_split.get(source, ZERO)
        sources.add(source)
        moved_out[source] = moved_out.get(source, ZERO) + amount
        for target, share in _shares(amount, targets, weights).items():
            moved_in[target] = moved_in.get(target, ZERO) + share
    # a rule whose targets include its own source moves that part back: both sides are
    # kept, so post = pre + in - out still holds
    return SplitOutcome(moved_in, moved_out, frozenset(sources))


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    """Targets in rule order, each once (two raw values can share a contract name)."""
    return tuple(dict.fromkeys(names))


def _weights(
    rule: SplitChargeRule, targets: tuple[str, ...], pre_split: Mapping[str, Decimal]
) -> tuple[Decimal, ...] | None:
    """Each target's weight, or None when the rule cannot be applied (logged)."""
    even = tuple(Decimal(1) for _ in targets)
    if rule.method is SplitMethod.EVEN:
        return even
    if rule.method is SplitMethod.PROPORTIONAL:
        own = tuple(pre_split.get(target, ZERO) for target in targets)
        return even if sum(own, ZERO) == 0 else own
    if len(rule.percentages) != len(rule.targets):
        logger.warning(
            "split rule skipped: FIXED needs one percentage per target source=%s targets=%d "
            "percentages=%d",
            rule.source,
            len(rule.targets),
            len(rule.percentages),
        )
        return None
    merged: dict[str, Decimal] = {}
    for raw, percentage in zip(rule.targets, rule.percentages, strict=True):
        name = cost_center_name(raw)
        merged[name] = merged.get(name, ZERO) + percentage
    total = sum(merged.values(), ZERO)
    if total == 0:
        logger.warning("split rule skipped: FIXED percentages add up to 0 source=%s", rule.source)
        return None
    if total != 100:
        logger.warning(
            "FIXED percentages do not add up to 100; used as weights source=%s total=%s",
            rule.source,
            total,
        )
    return tuple(merged[target] for target in targets)


def _shares(
    amount: Decimal, targets: tuple[str, ...], weights: tuple[Decimal, ...]
) -> dict[str, Decimal]:
    """`amount` shared by `weights`: cents for all but the remainder target, which takes the
    rest, so the shares add up to `amount` exactly."""
    total = sum(weights, ZERO)
    exact = {t: amount * w / total for t, w in zip(targets, weights, strict=True)}
    remainder_target = min(targets, key=lambda t: (-abs(exact[t]), t))
    shares = {
        t: share.quantize(_CENT, rounding=ROUND_HALF_EVEN)
        for t, share in exact.items()
        if t != remainder_target
    }
    shares[remainder_target] = amount - sum(shares.values(), ZERO)
    return {t: shares[t] for t in targets}


def split_tree(
    tree: Sequence[CostCenterEntry], rules: Sequence[Sequence[SplitChargeRule]]
) -> tuple[CostCenterEntry, ...]:
    """The cost center tree with each window's rules applied (`rules[i]` for window i).

    Workloads keep their own costs; a cost center's costs become post-split (Σ workloads +
    in - out), it records what moved per window, and a cost center that only receives split
    money appears with no workloads. Without any rule the tree is returned unchanged.
    Re-ordered by the post-split amounts, the contract order for cost centers.
    """
    if not any(rules):
        return tuple(tree)
    windows = len(rules)
    by_name = {center.name: center for center in tree}
    outcomes = []
    for index, window_rules in enumerate(rules):
        pre = {center.name: center.costs[index] for center in tree}
        outcomes.append(apply_split_rules(pre, window_rules) if window_rules else NO_SPLIT)
    names = set(by_name).union(*(outcome.touched for outcome in outcomes))
    centers = []
    for name in names:
        center = by_name.get(name) or CostCenterEntry(name, (ZERO,) * windows, ())
        split = tuple(
            SplitShare(o.moved_in.get(name, ZERO), o.moved_out.get(name, ZERO))
            if name in o.touched
            else None
            for o in outcomes
        )
        costs = tuple(o.post_split(name, center.costs[i]) for i, o in enumerate(outcomes))
        if all(share is None for share in split):
            centers.append(center)
            continue
        centers.append(
            CostCenterEntry(
                name=name,
                costs=costs,
                workloads=center.workloads,
                split=split,
                is_split_charge=name in outcomes[0].sources,
            )
        )
    return order_cost_centers(centers)
