"""Split-charge rules on cost center totals and in the report, every number worked by hand."""

import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.model import (
    CostCenterLine,
    SplitChargeRule,
    SplitMethod,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.periods import complete_month_spec, mtd_spec
from dapanoskop.processing.splitcharges import apply_split_rules
from dapanoskop.processor import ReportOptions, WorkloadRow, build_period_report

D = Decimal
PROPORTIONAL, EVEN, FIXED = SplitMethod.PROPORTIONAL, SplitMethod.EVEN, SplitMethod.FIXED


def rule(source: str, targets: str, method: SplitMethod, *percentages: str) -> SplitChargeRule:
    return SplitChargeRule(source, tuple(targets.split(",")), method, tuple(map(D, percentages)))


def post(pre: dict[str, str], *rules: SplitChargeRule) -> dict[str, Decimal]:
    amounts = {name: D(amount) for name, amount in pre.items()}
    outcome = apply_split_rules(amounts, rules)
    names = set(amounts) | outcome.touched
    return {name: outcome.post_split(name, amounts.get(name, D(0))) for name in sorted(names)}


def test_proportional_follows_the_targets_own_cost() -> None:
    # Shared 100 onto A (300) and B (100): 3/4 and 1/4.
    assert post({"Shared": "100", "A": "300", "B": "100"}, rule("Shared", "A,B", PROPORTIONAL)) == {
        "A": D("375.00"),
        "B": D("125.00"),
        "Shared": D(0),
    }


def test_proportional_onto_targets_without_cost_is_even() -> None:
    assert post({"Shared": "10", "A": "0"}, rule("Shared", "A,B", PROPORTIONAL)) == {
        "A": D("5.00"),
        "B": D("5.00"),
        "Shared": D(0),
    }


def test_even_gives_the_remainder_cent_to_the_first_name_among_equal_shares() -> None:
    # 100 / 3 = 33.333...: B and C get 33.33, A (largest share, ties by name) the rest.
    outcome = apply_split_rules({"Shared": D(100)}, [rule("Shared", "C,B,A", EVEN)])
    assert outcome.moved_in == {"A": D("33.34"), "B": D("33.33"), "C": D("33.33")}
    assert outcome.moved_out == {"Shared": D(100)}
    assert outcome.sources == {"Shared"}


def test_fixed_uses_the_percentages() -> None:
    assert post({"Shared": "200", "A": "1"}, rule("Shared", "A,B", FIXED, "70", "30")) == {
        "A": D("141.00"),
        "B": D("60.00"),
        "Shared": D(0),
    }


def test_fixed_percentages_not_adding_to_100_are_weights(caplog: pytest.LogCaptureFixture) -> None:
    # 30 % and 20 % add up to 50: read as 3:2, so all of Shared's 100 moves, none is lost.
    with caplog.at_level(logging.WARNING):
        result = post({"Shared": "100"}, rule("Shared", "A,B", FIXED, "30", "20"))
    assert result == {"A": D("60.00"), "B": D("40.00"), "Shared": D(0)}
    assert "do not add up to 100" in caplog.text
    # More than 100 is read the same way: 90 and 60 are 3:2 as well.
    assert post({"Shared": "100"}, rule("Shared", "A,B", FIXED, "90", "60")) == result


def test_fixed_rules_that_cannot_be_weights_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert post({"Shared": "100"}, rule("Shared", "A,B", FIXED, "100")) == {"Shared": D(100)}
        assert post({"Shared": "100"}, rule("Shared", "A,B", FIXED, "0", "0")) == {"Shared": D(100)}
    assert "one percentage per target" in caplog.text
    assert "add up to 0" in caplog.text


def test_chained_rules_split_pre_split_amounts_so_nothing_moves_twice() -> None:
    # A -> B and B -> C: B's own 20 goes to C; A's 10 arrives at B and stays there.
    pre = {"A": "10", "B": "20", "C": "30"}
    forward = post(pre, rule("A", "B", EVEN), rule("B", "C", EVEN))
    backward = post(pre, rule("B", "C", EVEN), rule("A", "B", EVEN))
    assert forward == backward == {"A": D(0), "B": D("10.00"), "C": D("50.00")}
    assert sum(forward.values()) == D(60)


def test_a_source_without_cost_moves_nothing() -> None:
    outcome = apply_split_rules({"A": D(5)}, [rule("Shared", "A,B", PROPORTIONAL)])
    assert outcome.moved_in == {"A": D(0), "B": D(0)}
    assert outcome.moved_out == {"Shared": D(0)}
    assert outcome.touched == {"A", "B", "Shared"}


def test_uncategorized_cost_can_be_a_source() -> None:
    # "" is Cost Explorer's value for cost the category does not cover: our Uncategorized.
    assert post({"Uncategorized": "9", "A": "1"}, rule("", "A", EVEN)) == {
        "A": D("10.00"),
        "Uncategorized": D(0),
    }


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("ABCDE"),
        st.decimals(min_value=-1000, max_value=10**6, places=8, allow_nan=False),
    ),
    st.lists(
        st.tuples(
            st.sampled_from("ABCDEF"),
            st.lists(st.sampled_from("ABCDEF"), min_size=1, max_size=4),
            st.sampled_from(SplitMethod),
            st.lists(st.integers(1, 100), min_size=4, max_size=4),
        ),
        max_size=4,
    ),
)
def test_money_is_conserved_exactly(pre: dict[str, Decimal], drawn: list) -> None:
    rules = [
        SplitChargeRule(
            source,
            tuple(targets),
            method,
            tuple(D(p) for p in percentages[: len(targets)]) if method is FIXED else (),
        )
        for source, targets, method, percentages in drawn
    ]
    outcome = apply_split_rules(pre, rules)
    names = set(pre) | outcome.touched
    after = [outcome.post_split(n, pre.get(n, D(0))) for n in names]
    assert sum(after, D(0)) == sum(pre.values(), D(0))
    assert sum(outcome.moved_in.values(), D(0)) == sum(outcome.moved_out.values(), D(0))
    for source in outcome.sources:
        if source not in {t for r in rules for t in r.targets}:
            assert outcome.post_split(source, pre.get(source, D(0))) == 0


# --- in the report ----------------------------------------------------------------------


def data(window: Window, *lines: tuple[str, str, str], status: Status = Status.FINAL) -> WindowData:
    """(workload, cost center, cost) lines, the usage grouping summed from the same lines."""
    return WindowData(
        window,
        status,
        usage=tuple(UsageLine(w, "BoxUsage", D(c), D(0), "Hrs") for w, _, c in lines),
        cost_centers=tuple(CostCenterLine(w, cc, D(c)) for w, cc, c in lines),
    )


OPTIONS = ReportOptions(
    include_efs=False,
    include_ebs=False,
    workload_tag_key="App",
    cost_metric="UnblendedCost",
    cost_category_name="Cost Center",
)
COLLECTED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
SHARED_EVEN = rule("Shared", "Research,Retail", EVEN)
SHARED_PROPORTIONAL = rule("Shared", "Research,Retail", PROPORTIONAL)


def test_complete_month_with_rules_that_changed_between_periods() -> None:
    # October: Shared is split evenly; September's version of the category split it
    # proportionally; October 2025 had no rules.
    spec = complete_month_spec(date(2026, 10, 1))
    windows = {
        spec.current: data(
            spec.current,
            ("vpn", "Shared", "30.00"),
            ("genome", "Research", "70.00"),
            ("shop", "Retail", "10.00"),
        ),
        spec.prev_month: data(
            spec.prev_month,
            ("vpn", "Shared", "40.00"),
            ("genome", "Research", "60.00"),
            ("shop", "Retail", "20.00"),
        ),
        spec.yoy: data(spec.yoy, ("vpn", "Shared", "5.00")),
    }
    report = build_period_report(
        spec,
        windows,
        OPTIONS,
        collected_at=COLLECTED,
        collection={},
        split_rules={"2026-10": [SHARED_EVEN], "2026-09": [SHARED_PROPORTIONAL]},
    )

    # October: 15 + 15. September: 40 x 60/80 = 30 to Research, 40 x 20/80 = 10 to Retail.
    assert report.summary["cost_centers"] == [
        {
            "name": "Research",
            "current_cost_usd": 85.0,
            "prev_month_cost_usd": 90.0,
            "yoy_cost_usd": 0.0,
            "split_charge_in_usd": 15.0,
            "split_charge_out_usd": 0.0,
            "prev_month_split_charge_in_usd": 30.0,
            "prev_month_split_charge_out_usd": 0.0,
            "workloads": [
                {
                    "name": "genome",
                    "current_cost_usd": 70.0,
                    "prev_month_cost_usd": 60.0,
                    "yoy_cost_usd": 0.0,
                }
            ],
        },
        {
            "name": "Retail",
            "current_cost_usd": 25.0,
            "prev_month_cost_usd": 30.0,
            "yoy_cost_usd": 0.0,
            "split_charge_in_usd": 15.0,
            "split_charge_out_usd": 0.0,
            "prev_month_split_charge_in_usd": 10.0,
            "prev_month_split_charge_out_usd": 0.0,
            "workloads": [
                {
                    "name": "shop",
                    "current_cost_usd": 10.0,
                    "prev_month_cost_usd": 20.0,
                    "yoy_cost_usd": 0.0,
                }
            ],
        },
        {
            # Allocated: its own cost stays visible on its workloads; October 2025 had no
            # rule, so its year-ago cost is its own and no yoy_ split fields appear.
            "name": "Shared",
            "current_cost_usd": 0.0,
            "prev_month_cost_usd": 0.0,
            "yoy_cost_usd": 5.0,
            "is_split_charge": True,
            "split_charge_in_usd": 0.0,
            "split_charge_out_usd": 30.0,
            "prev_month_split_charge_in_usd": 0.0,
            "prev_month_split_charge_out_usd": 40.0,
            "workloads": [
                {
                    "name": "vpn",
                    "current_cost_usd": 30.0,
                    "prev_month_cost_usd": 40.0,
                    "yoy_cost_usd": 5.0,
                }
            ],
        },
    ]
    assert report.summary["totals"]["current_cost_usd"] == 110.0
    split_rows = [row for row in report.workload_rows if row.workload == "(split charge)"]
    assert split_rows == [
        WorkloadRow("Research", "(split charge)", "2025-10", D(0)),
        WorkloadRow("Research", "(split charge)", "2026-09", D(30)),
        WorkloadRow("Research", "(split charge)", "2026-10", D(15)),
        WorkloadRow("Retail", "(split charge)", "2025-10", D(0)),
        WorkloadRow("Retail", "(split charge)", "2026-09", D(10)),
        WorkloadRow("Retail", "(split charge)", "2026-10", D(15)),
        WorkloadRow("Shared", "(split charge)", "2025-10", D(0)),
        WorkloadRow("Shared", "(split charge)", "2026-09", D(-40)),
        WorkloadRow("Shared", "(split charge)", "2026-10", D(-30)),
    ]
    assert sum(row.cost_usd for row in report.workload_rows if row.period == "2026-10") == 110


def test_month_to_date_comparison_and_a_target_without_cost_of_its_own() -> None:
    # 26 November: Platform has no cost but receives 25 % of Shared.
    spec = mtd_spec(date(2026, 11, 26))
    assert spec.like_for_like is not None
    rule_fixed = rule("Shared", "Research,Platform", FIXED, "75", "25")
    windows = {
        spec.current: data(spec.current, ("vpn", "Shared", "8.00"), ("g", "Research", "2")),
        spec.prev_month: data(spec.prev_month, ("vpn", "Shared", "12.00")),
        spec.yoy: data(spec.yoy, status=Status.UNAVAILABLE),
        spec.like_for_like: data(spec.like_for_like, ("vpn", "Shared", "4.00")),
    }
    report = build_period_report(
        spec,
        windows,
        OPTIONS,
        collected_at=COLLECTED,
        collection={},
        split_rules={"2026-11": [rule_fixed], "2026-10": [rule_fixed]},
    )
    centers = report.summary["cost_centers"]
    # 8 x 75 % = 6 to Research (2 + 6 = 8), 2 to Platform; the year-ago month is
    # unavailable, so no yoy_cost_usd anywhere below the totals.
    assert [(c["name"], c["current_cost_usd"], c["prev_month_cost_usd"]) for c in centers] == [
        ("Research", 8.0, 9.0),
        ("Platform", 2.0, 3.0),
        ("Shared", 0.0, 0.0),
    ]
    assert centers[1]["workloads"] == []
    assert all("yoy_cost_usd" not in c for c in centers)
    assert all("yoy_cost_usd" not in w for c in centers for w in c["workloads"])
    assert report.summary["totals"]["yoy_cost_usd"] == 0.0
    assert report.summary["mtd_comparison"]["cost_centers"] == [
        {
            "name": "Research",
            "prior_partial_cost_usd": 3.0,
            "prior_partial_split_charge_in_usd": 3.0,
            "prior_partial_split_charge_out_usd": 0.0,
            "workloads": [{"name": "g", "prior_partial_cost_usd": 0.0}],
        },
        {
            "name": "Platform",
            "prior_partial_cost_usd": 1.0,
            "prior_partial_split_charge_in_usd": 1.0,
            "prior_partial_split_charge_out_usd": 0.0,
            "workloads": [],
        },
        {
            "name": "Shared",
            "prior_partial_cost_usd": 0.0,
            "is_split_charge": True,
            "prior_partial_split_charge_in_usd": 0.0,
            "prior_partial_split_charge_out_usd": 4.0,
            "workloads": [{"name": "vpn", "prior_partial_cost_usd": 4.0}],
        },
    ]


def test_without_rules_nothing_changes() -> None:
    spec = complete_month_spec(date(2026, 10, 1))
    windows = {
        w: data(w, ("vpn", "Shared", "30.00"), ("g", "Research", "1"))
        for w in (spec.current, spec.prev_month, spec.yoy)
    }

    def build(rules: dict) -> dict:
        return build_period_report(
            spec, windows, OPTIONS, collected_at=COLLECTED, collection={}, split_rules=rules
        ).summary

    plain = build({})
    assert build({"2026-10": []}) == plain
    assert not any("split" in key for c in plain["cost_centers"] for key in c)
