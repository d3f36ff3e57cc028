"""Properties of the whole chain over random accounts: ledger -> local Cost Explorer ->
collector -> processor.

Unlike the processor's own properties (which build consistent groupings by hand), here Cost
Explorer's answers are real answers to the collector's real requests, paginated with a random
page size: whatever the account, every view of a month adds up to what its ledger holds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.collector import CollectionConfig, collect
from dapanoskop.costcategories import read_split_rules
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.formats import summary_json_bytes, usage_parquet_bytes, workload_parquet_bytes
from dapanoskop.localce import (
    CostCategoryDefinition,
    CostCategoryVersion,
    LineItem,
    LocalCostExplorer,
)
from dapanoskop.periods import complete_month_spec
from dapanoskop.processor import PeriodReport, ReportOptions, build_period_report

TODAY = date(2026, 11, 20)
SPEC = complete_month_spec(date(2026, 10, 1))  # October vs September and October 2025
DAYS = [date(2026, 10, 1), date(2026, 10, 31), date(2026, 9, 15), date(2025, 10, 9)]
CATEGORY = "Cost Center"
SERVICES = (
    ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon Simple Storage Service", "EU-TimedStorage-INT-IA-ByteHrs", "GB-Mo"),
    ("Amazon Elastic File System", "TimedStorage-ByteHrs", "GB-Mo"),
    ("EC2 - Other", "USE2-EBS:VolumeUsage.gp3", "GB-Mo"),
    ("Amazon Elastic Compute Cloud - Compute", "BoxUsage:m5.large", "Hrs"),
    ("Tax", "Tax", "N/A"),
    ("Amazon Elastic Compute Cloud - Compute", "Credit", "N/A"),
)
AMOUNTS = st.decimals(min_value=-50, max_value=500, places=6, allow_nan=False)
VALUES = ["", "Research", "Platform", "Shared"]


@st.composite
def split_rule(draw: st.DrawFn) -> dict:
    targets = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True))
    method = draw(st.sampled_from(["PROPORTIONAL", "EVEN", "FIXED"]))
    rule = {"Source": draw(st.sampled_from(VALUES)), "Targets": targets, "Method": method}
    if method == "FIXED":
        values = [str(draw(st.integers(1, 100))) for _ in targets]
        rule["Parameters"] = [{"Type": "ALLOCATION_PERCENTAGES", "Values": values}]
    return rule


@st.composite
def definitions(draw: st.DrawFn) -> tuple[CostCategoryDefinition, ...]:
    """None, or a definition whose rules changed on a random 1st (or never)."""
    if not draw(st.booleans()):
        return ()
    change = draw(st.sampled_from([date(2025, 11, 1), date(2026, 10, 1), None]))
    old = tuple(draw(st.lists(split_rule(), max_size=2)))
    new = tuple(draw(st.lists(split_rule(), max_size=2)))
    versions = [CostCategoryVersion(date(2025, 1, 1), change, split_charge_rules=old)]
    if change is not None:
        versions.append(CostCategoryVersion(change, split_charge_rules=new))
    return (CostCategoryDefinition(CATEGORY, "cc", tuple(versions)),)


@st.composite
def line_items(draw: st.DrawFn) -> LineItem:
    service, usage_type, unit = draw(st.sampled_from(SERVICES))
    workload = draw(st.sampled_from([None, "web", "genome", "batch", "Untagged"]))
    cost_center = draw(st.sampled_from([None, "", "Research", "Platform"]))
    return LineItem(
        day=draw(st.sampled_from(DAYS)),
        account="111122223333",
        service=service,
        usage_type=usage_type,
        unit=unit,
        amount=draw(AMOUNTS),
        quantity=draw(st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)),
        tags={} if workload is None else {"App": workload},
        cost_categories={} if cost_center is None else {CATEGORY: cost_center},
    )


def run_chain(
    items: list[LineItem],
    page_size: int,
    with_category: bool,
    defined: tuple[CostCategoryDefinition, ...] = (),
) -> PeriodReport:
    fake = LocalCostExplorer(items, TODAY, page_size=page_size, definitions=defined)
    config = CollectionConfig(
        cost_metric="UnblendedCost",
        workload_tag_key="App",
        cost_category_name=CATEGORY if with_category else None,
        history_months=13,
    )
    ce = CostExplorer(fake.client())
    data = collect(ce, [SPEC], config, TODAY)
    rules = {}
    if with_category:
        rules = read_split_rules(ce, CATEGORY, [w.start for w in SPEC.windows()])
    options = ReportOptions(
        include_efs=True,
        include_ebs=True,
        workload_tag_key="App",
        cost_metric="UnblendedCost",
        cost_category_name=config.cost_category_name,
    )
    return build_period_report(
        SPEC,
        data,
        options,
        collected_at=datetime(2026, 11, 20, 6, tzinfo=UTC),
        collection={"ce_requests": 0},
        split_rules=rules,
    )


@settings(max_examples=40, deadline=None)
@given(
    items=st.lists(line_items(), max_size=30),
    page_size=st.integers(min_value=1, max_value=8),
    with_category=st.booleans(),
    defined=definitions(),
)
def test_every_view_of_a_month_adds_up_to_its_ledger(
    items: list[LineItem],
    page_size: int,
    with_category: bool,
    defined: tuple[CostCategoryDefinition, ...],
) -> None:
    # split charges (random rules, changing between months) move money between cost
    # centers, never in or out: the cost-by-workload rows still add up to the ledger
    report = run_chain(items, page_size, with_category, defined)
    for window in (SPEC.current, SPEC.prev_month, SPEC.yoy):
        ledger = sum((i.amount for i in items if window.start <= i.day < window.end), Decimal(0))
        by_workload = sum(
            (r.cost_usd for r in report.workload_rows if r.period == window.label), Decimal(0)
        )
        by_usage_type = sum(
            (r.cost_usd for r in report.usage_rows if r.period == window.label), Decimal(0)
        )
        assert by_workload == ledger
        assert by_usage_type == ledger

    summary = report.summary
    tagging = summary["tagging_coverage"]
    # Within 0..100 whenever neither part is negative; negative usage (which these random
    # accounts can have) is shown as computed, not clamped (processing/charges.Coverage).
    if tagging["tagged_cost_usd"] >= 0 and tagging["untagged_cost_usd"] >= 0:
        assert 0 <= tagging["tagged_percentage"] <= 100
    assert 0 <= summary["storage_metrics"]["hot_tier_percentage"] <= 100
    rounded_centers = sum(c["current_cost_usd"] for c in summary["cost_centers"])
    # Each entry is rounded on its own: the rounded parts may differ from the rounded total
    # by at most half a cent per cost center.
    assert abs(rounded_centers - summary["totals"]["current_cost_usd"]) <= 0.005 * (
        len(summary["cost_centers"]) + 1
    )


@settings(max_examples=15, deadline=None)
@given(items=st.lists(line_items(), max_size=20), page_size=st.integers(min_value=1, max_value=5))
def test_same_account_gives_byte_identical_files(items: list[LineItem], page_size: int) -> None:
    first = run_chain(items, page_size, with_category=True)
    again = run_chain(list(reversed(items)), 500, with_category=True)
    assert summary_json_bytes(first.summary) == summary_json_bytes(again.summary)
    assert workload_parquet_bytes(first.workload_rows) == workload_parquet_bytes(
        again.workload_rows
    )
    assert usage_parquet_bytes(first.usage_rows) == usage_parquet_bytes(again.usage_rows)
