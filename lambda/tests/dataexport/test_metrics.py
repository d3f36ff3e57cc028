"""COST_METRIC -> CUR 2.0 column arithmetic, one test per line item type.

Each case is one line item as AWS's docs describe it (cur-sp.html, reservation-columns.html)
with round numbers, and the value each Cost Explorer metric must give for it, worked out by
hand. Every case is checked twice: by `metrics.evaluate` (what the local export writer uses)
and by the SQL `sql.cost_expression` run on DuckDB over a one-row table (what the source uses).
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from dapanoskop.dataexport.columns import SCHEMA
from dapanoskop.dataexport.metrics import METRICS, evaluate
from dapanoskop.dataexport.sql import cost_expression

ARN = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/abc"
SP_ARN = "arn:aws:savingsplans::111122223333:savingsplan/abc"

# (line item type, columns, {metric: expected})
CASES = [
    (
        "Usage",
        {"line_item_unblended_cost": 10.0, "line_item_net_unblended_cost": 9.0,
         "line_item_blended_cost": 11.0},
        {"UnblendedCost": "10", "NetUnblendedCost": "9", "BlendedCost": "11",
         "AmortizedCost": "10", "NetAmortizedCost": "9"},
    ),
    (
        # No discount program: the net column is empty and net equals gross.
        "Usage",
        {"line_item_unblended_cost": 10.0, "line_item_blended_cost": 10.0},
        {"UnblendedCost": "10", "NetUnblendedCost": "10", "BlendedCost": "10",
         "AmortizedCost": "10", "NetAmortizedCost": "10"},
    ),
    (
        "Tax",
        {"line_item_unblended_cost": 2.5, "line_item_net_unblended_cost": 2.5,
         "line_item_blended_cost": 2.5},
        {"UnblendedCost": "2.5", "NetUnblendedCost": "2.5", "BlendedCost": "2.5",
         "AmortizedCost": "2.5", "NetAmortizedCost": "2.5"},
    ),
    (
        "Credit",
        {"line_item_unblended_cost": -20.0, "line_item_net_unblended_cost": -20.0,
         "line_item_blended_cost": -20.0},
        {"UnblendedCost": "-20", "NetUnblendedCost": "-20", "BlendedCost": "-20",
         "AmortizedCost": "-20", "NetAmortizedCost": "-20"},
    ),
    (
        "Refund",
        {"line_item_unblended_cost": -7.25, "line_item_blended_cost": -7.25},
        {"UnblendedCost": "-7.25", "NetUnblendedCost": "-7.25", "BlendedCost": "-7.25",
         "AmortizedCost": "-7.25", "NetAmortizedCost": "-7.25"},
    ),
    (
        # An all-upfront reservation bought: the fee is cost now, amortized it is 0 (it
        # reaches usage through DiscountedUsage's effective cost).
        "Fee",
        {"line_item_unblended_cost": 8760.0, "line_item_blended_cost": 8760.0,
         "reservation_reservation_a_r_n": ARN},
        {"UnblendedCost": "8760", "NetUnblendedCost": "8760", "BlendedCost": "8760",
         "AmortizedCost": "0", "NetAmortizedCost": "0"},
    ),
    (
        # Any other fee (e.g. a domain registration) stays a cost in every metric.
        "Fee",
        {"line_item_unblended_cost": 12.0, "line_item_blended_cost": 12.0,
         "reservation_reservation_a_r_n": ""},
        {"UnblendedCost": "12", "NetUnblendedCost": "12", "BlendedCost": "12",
         "AmortizedCost": "12", "NetAmortizedCost": "12"},
    ),
    (
        # Reserved hours: 0 unblended (paid by the fee), the effective rate amortized.
        "DiscountedUsage",
        {"line_item_unblended_cost": 0.0, "line_item_blended_cost": 0.0,
         "reservation_effective_cost": 24.0, "reservation_net_effective_cost": 21.6,
         "reservation_reservation_a_r_n": ARN},
        {"UnblendedCost": "0", "NetUnblendedCost": "0", "BlendedCost": "0",
         "AmortizedCost": "24", "NetAmortizedCost": "21.6"},
    ),
    (
        # The monthly RI fee: unblended is the whole recurring fee; amortized only the part
        # of the reservation that went unused (upfront share + recurring share).
        "RIFee",
        {"line_item_unblended_cost": 300.0, "line_item_blended_cost": 300.0,
         "reservation_unused_amortized_upfront_fee_for_billing_period": 15.0,
         "reservation_unused_recurring_fee": 30.0,
         "reservation_net_unused_amortized_upfront_fee_for_billing_period": 13.5,
         "reservation_net_unused_recurring_fee": 27.0,
         "reservation_reservation_a_r_n": ARN},
        {"UnblendedCost": "300", "NetUnblendedCost": "300", "BlendedCost": "300",
         "AmortizedCost": "45", "NetAmortizedCost": "40.5"},
    ),
    (
        # On-Demand cost in unblended; the share of the commitment amortized.
        "SavingsPlanCoveredUsage",
        {"line_item_unblended_cost": 1.0, "line_item_blended_cost": 1.0,
         "savings_plan_savings_plan_effective_cost": 0.7,
         "savings_plan_net_savings_plan_effective_cost": 0.63,
         "savings_plan_savings_plan_a_r_n": SP_ARN},
        {"UnblendedCost": "1", "NetUnblendedCost": "1", "BlendedCost": "1",
         "AmortizedCost": "0.7", "NetAmortizedCost": "0.63"},
    ),
    (
        # Cancels the covered usage's On-Demand cost in unblended; nothing amortized.
        "SavingsPlanNegation",
        {"line_item_unblended_cost": -1.0, "line_item_blended_cost": -1.0,
         "savings_plan_savings_plan_a_r_n": SP_ARN},
        {"UnblendedCost": "-1", "NetUnblendedCost": "-1", "BlendedCost": "-1",
         "AmortizedCost": "0", "NetAmortizedCost": "0"},
    ),
    (
        # The hourly commitment: unblended in full; amortized only the unused commitment.
        "SavingsPlanRecurringFee",
        {"line_item_unblended_cost": 5.0, "line_item_blended_cost": 5.0,
         "savings_plan_total_commitment_to_date": 5.0, "savings_plan_used_commitment": 4.25,
         "savings_plan_savings_plan_a_r_n": SP_ARN},
        {"UnblendedCost": "5", "NetUnblendedCost": "5", "BlendedCost": "5",
         "AmortizedCost": "0.75", "NetAmortizedCost": "0.75"},
    ),
    (
        "SavingsPlanUpfrontFee",
        {"line_item_unblended_cost": 43.8, "line_item_blended_cost": 43.8,
         "savings_plan_savings_plan_a_r_n": SP_ARN},
        {"UnblendedCost": "43.8", "NetUnblendedCost": "43.8", "BlendedCost": "43.8",
         "AmortizedCost": "0", "NetAmortizedCost": "0"},
    ),
    (
        # A discount line: cost in every metric (amortization does not touch it).
        "BundledDiscount",
        {"line_item_unblended_cost": -3.0, "line_item_net_unblended_cost": -3.0,
         "line_item_blended_cost": -3.0},
        {"UnblendedCost": "-3", "NetUnblendedCost": "-3", "BlendedCost": "-3",
         "AmortizedCost": "-3", "NetAmortizedCost": "-3"},
    ),
]  # fmt: skip

IDS = [f"{kind}-{i}" for i, (kind, _, _) in enumerate(CASES)]


def _row(kind: str, columns: dict[str, object]) -> dict[str, object]:
    return {"line_item_line_item_type": kind, **columns}


@pytest.mark.parametrize(("kind", "columns", "expected"), CASES, ids=IDS)
def test_python_formula_per_line_item_type(
    kind: str, columns: dict[str, object], expected: dict[str, str]
) -> None:
    row = _row(kind, columns)
    got = {name: evaluate(metric, row) for name, metric in METRICS.items()}
    assert got == {name: Decimal(value) for name, value in expected.items()}


@pytest.mark.parametrize(("kind", "columns", "expected"), CASES, ids=IDS)
def test_sql_formula_per_line_item_type(
    kind: str, columns: dict[str, object], expected: dict[str, str]
) -> None:
    row = _row(kind, columns)
    table = pa.Table.from_pylist([{name: row.get(name) for name in SCHEMA.names}], schema=SCHEMA)
    connection = duckdb.connect()
    connection.register("cur", table)
    selects = ", ".join(f"{cost_expression(m)} AS {name}" for name, m in METRICS.items())
    values = connection.execute(f"SELECT {selects} FROM cur").fetchone()
    got = dict(zip(METRICS, values, strict=True))
    assert got == {name: Decimal(value) for name, value in expected.items()}


def test_every_metric_the_settings_accept_has_a_formula() -> None:
    from dapanoskop.settings import COST_METRICS

    assert set(METRICS) == set(COST_METRICS)
