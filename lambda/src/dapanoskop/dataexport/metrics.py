"""Each COST_METRIC as CUR 2.0 column arithmetic, per line item type: the one place it is defined.

Cost Explorer's metrics and the CUR 2.0 columns they come from (AWS Data Exports user guide:
"Understanding Savings Plans" (cur-sp.html), "Reservation details" (reservation-columns.html),
and the CUR 2.0 table dictionary):

* UnblendedCost = `line_item_unblended_cost` for every line item type.
* NetUnblendedCost = `line_item_net_unblended_cost` (the cost after discounts); a line without
  a net value (no discount program applies) counts its unblended cost.
* BlendedCost = `line_item_blended_cost`.
* AmortizedCost spreads up-front and recurring commitments over the usage they cover:
  - `SavingsPlanCoveredUsage`: `savings_plan_savings_plan_effective_cost` (the share of the
    commitment this usage consumed), not the On-Demand `line_item_unblended_cost`;
  - `SavingsPlanNegation`: 0 (in unblended cost it cancels the covered usage's On-Demand cost);
  - `SavingsPlanUpfrontFee`: 0 (the fee reaches usage through the effective cost);
  - `SavingsPlanRecurringFee`: `savings_plan_total_commitment_to_date -
    savings_plan_used_commitment`, the commitment left unused;
  - `DiscountedUsage` (reserved-instance hours): `reservation_effective_cost`;
  - `RIFee`: `reservation_unused_amortized_upfront_fee_for_billing_period +
    reservation_unused_recurring_fee`, the reservation's unused part;
  - `Fee` of a reservation purchase (`reservation_reservation_a_r_n` set): 0, amortized through
    `reservation_effective_cost`;
  - every other type (Usage, Tax, Credit, Refund, other fees...): its unblended cost.
* NetAmortizedCost is the same with the `*_net_*` columns where CUR 2.0 has them
  (`savings_plan_net_savings_plan_effective_cost`, `reservation_net_effective_cost`,
  `reservation_net_unused_*`, `line_item_net_unblended_cost`), each falling back to its gross
  column when empty. CUR 2.0 has no net form of `savings_plan_total_commitment_to_date` /
  `savings_plan_used_commitment`, so unused Savings Plans commitment counts gross (README).

Each metric is data: `Rule`s of terms (column, sign, fallback column). The SQL builder renders
them (`sql_expression`), the local export writer checks its rows against them (`evaluate`), and
the tests evaluate both for every line item type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

TYPE_COLUMN = "line_item_line_item_type"
RESERVATION_ARN = "reservation_reservation_a_r_n"


@dataclass(frozen=True)
class Term:
    """`sign * coalesce(column, fallback, 0)`."""

    column: str
    sign: int = 1
    fallback: str | None = None


@dataclass(frozen=True)
class Rule:
    """The terms of one line item type; `when_set` limits it to lines where that column is set."""

    line_item_type: str
    terms: tuple[Term, ...]
    when_set: str | None = None


@dataclass(frozen=True)
class Metric:
    """A metric: the first matching rule's terms, else `default`."""

    name: str
    rules: tuple[Rule, ...]
    default: tuple[Term, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the metric reads, sorted."""
        names = {TYPE_COLUMN} if self.rules else set()
        for terms in (*(r.terms for r in self.rules), self.default):
            for term in terms:
                names.add(term.column)
                if term.fallback:
                    names.add(term.fallback)
        names.update(r.when_set for r in self.rules if r.when_set)
        return tuple(sorted(names))


_UNBLENDED = "line_item_unblended_cost"
_NET_UNBLENDED = Term("line_item_net_unblended_cost", fallback=_UNBLENDED)


def _amortized(net: bool) -> Metric:
    def column(gross: str, net_name: str) -> Term:
        return Term(net_name, fallback=gross) if net else Term(gross)

    unused_commitment = (
        Term("savings_plan_total_commitment_to_date"),
        Term("savings_plan_used_commitment", sign=-1),
    )
    return Metric(
        name="NetAmortizedCost" if net else "AmortizedCost",
        rules=(
            Rule(
                "SavingsPlanCoveredUsage",
                (
                    column(
                        "savings_plan_savings_plan_effective_cost",
                        "savings_plan_net_savings_plan_effective_cost",
                    ),
                ),
            ),
            Rule("SavingsPlanNegation", ()),
            Rule("SavingsPlanUpfrontFee", ()),
            Rule("SavingsPlanRecurringFee", unused_commitment),
            Rule(
                "DiscountedUsage",
                (column("reservation_effective_cost", "reservation_net_effective_cost"),),
            ),
            Rule(
                "RIFee",
                (
                    column(
                        "reservation_unused_amortized_upfront_fee_for_billing_period",
                        "reservation_net_unused_amortized_upfront_fee_for_billing_period",
                    ),
                    column(
                        "reservation_unused_recurring_fee", "reservation_net_unused_recurring_fee"
                    ),
                ),
            ),
            Rule("Fee", (), when_set=RESERVATION_ARN),
        ),
        default=(_NET_UNBLENDED,) if net else (Term(_UNBLENDED),),
    )


METRICS: Mapping[str, Metric] = {
    "UnblendedCost": Metric("UnblendedCost", (), (Term(_UNBLENDED),)),
    "NetUnblendedCost": Metric("NetUnblendedCost", (), (_NET_UNBLENDED,)),
    "BlendedCost": Metric("BlendedCost", (), (Term("line_item_blended_cost"),)),
    "AmortizedCost": _amortized(net=False),
    "NetAmortizedCost": _amortized(net=True),
}


def metric(name: str) -> Metric:
    """The metric of a COST_METRIC value (settings.py has validated it)."""
    return METRICS[name]


def _is_set(value: object) -> bool:
    return value is not None and value != ""


def rule_for(cost_metric: Metric, row: Mapping[str, object]) -> tuple[Term, ...]:
    """The terms that apply to one line item."""
    for rule in cost_metric.rules:
        if row.get(TYPE_COLUMN) == rule.line_item_type and (
            rule.when_set is None or _is_set(row.get(rule.when_set))
        ):
            return rule.terms
    return cost_metric.default


def evaluate(cost_metric: Metric, row: Mapping[str, object]) -> Decimal:
    """The metric of one line item (a column name -> value mapping), in exact decimals.

    Doubles are read through their shortest repr, as the SQL casts them to DECIMAL.
    """
    total = Decimal(0)
    for term in rule_for(cost_metric, row):
        value = row.get(term.column)
        if value is None and term.fallback:
            value = row.get(term.fallback)
        if value is not None:
            total += term.sign * Decimal(repr(value) if isinstance(value, float) else str(value))
    return total
