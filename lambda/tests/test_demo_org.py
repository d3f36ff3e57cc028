"""The demo organization: what a demo user will see in the report must be in the line items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.categories import Category, categorize, strip_region_prefix
from dapanoskop.costcategories import read_split_rules
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.demo_org import (
    COST_CENTERS,
    DEMO_COST_CATEGORY,
    DEMO_TAG_KEY,
    MOVING_WORKLOAD,
    SPLIT_WORKLOAD,
    WORKLOAD_NAMES,
    demo_cost_category_definitions,
    demo_line_items,
    move_month,
    untagged_campaign,
)
from dapanoskop.localce.ledger import LineItem
from dapanoskop.model import SplitChargeRule, SplitMethod

TODAY = date(2026, 11, 26)
S3 = "Amazon Simple Storage Service"
EFS = "Amazon Elastic File System"
EC2 = "Amazon Elastic Compute Cloud - Compute"


@pytest.fixture(scope="module")
def items() -> list[LineItem]:
    return demo_line_items(TODAY)


def month_of(item: LineItem) -> str:
    return f"{item.day.year:04d}-{item.day.month:02d}"


def monthly(
    items: Iterable[LineItem],
    metric: str = "UnblendedCost",
    keep: Callable[[LineItem], bool] = lambda item: True,
) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if keep(item):
            totals[month_of(item)] += item.metric(metric)
    return totals


# --- determinism and dates -----------------------------------------------------------------


def test_same_arguments_give_the_same_items(items: list[LineItem]) -> None:
    assert demo_line_items(TODAY) == items


def test_another_seed_gives_other_amounts_but_the_same_story(items: list[LineItem]) -> None:
    other = demo_line_items(TODAY, seed=8)
    assert other != items
    assert [i for i in other if i.record_type in ("Refund", "Fee")] == [
        i for i in items if i.record_type in ("Refund", "Fee")
    ]


def test_a_shorter_history_is_the_tail_of_a_longer_one(items: list[LineItem]) -> None:
    # months=2 starts on 2026-09-01; every item from then on is the same in both.
    short = demo_line_items(TODAY, months=2)
    assert short == [item for item in items if item.day >= date(2026, 9, 1)]


def test_items_run_from_the_first_month_to_yesterday_every_day(items: list[LineItem]) -> None:
    days = {item.day for item in items}
    # 2025-09-01 .. 2026-11-25: 365 days to 2026-08-31, then 30 + 31 + 25 = 451 days.
    assert min(days) == date(2025, 9, 1)
    assert max(days) == date(2026, 11, 25)
    assert len(days) == 451
    assert TODAY not in days


def test_items_come_in_day_order(items: list[LineItem]) -> None:
    assert all(a.day <= b.day for a, b in pairwise(items))


def test_on_the_first_of_a_month_the_last_complete_month_ends_the_items() -> None:
    items = demo_line_items(date(2026, 3, 1), months=2)
    assert min(i.day for i in items) == date(2026, 1, 1)
    assert max(i.day for i in items) == date(2026, 2, 28)


def test_no_months_on_the_first_of_a_month_is_empty() -> None:
    assert demo_line_items(date(2026, 3, 1), months=0) == []


def test_negative_months_are_refused() -> None:
    with pytest.raises(ValueError, match="months must be 0 or more"):
        demo_line_items(TODAY, months=-1)


@settings(max_examples=10, deadline=None)
@given(
    today=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    months=st.integers(min_value=0, max_value=2),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_window_starts_on_a_first_and_stops_before_today(
    today: date, months: int, seed: int
) -> None:
    items = demo_line_items(today, months=months, seed=seed)
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    if first == today:
        assert items == []
        return
    assert min(i.day for i in items) == first
    assert max(i.day for i in items) == today - timedelta(days=1)


# --- cost centers and workloads ------------------------------------------------------------


def test_five_cost_centers_and_twenty_workloads(items: list[LineItem]) -> None:
    cost_centers = {i.cost_categories[DEMO_COST_CATEGORY] for i in items if i.cost_categories}
    workloads = {i.tags[DEMO_TAG_KEY] for i in items if i.tags}
    assert cost_centers == {"Research", "Platform", "Retail", "Data", "Shared Services"}
    assert cost_centers == set(COST_CENTERS)
    assert len(workloads) == 20
    assert workloads == set(WORKLOAD_NAMES)
    assert len({i.account for i in items}) == 12
    assert all(len(i.account) == 12 and i.account.isdigit() for i in items)


def test_some_cost_is_not_covered_by_the_cost_category(items: list[LineItem]) -> None:
    uncovered = [i for i in items if DEMO_COST_CATEGORY not in i.cost_categories]
    assert {i.account for i in uncovered} == {"392506948132"}  # the sandbox
    assert "hackathon" in {i.tags.get(DEMO_TAG_KEY) for i in uncovered}


def test_the_moving_workload_changes_cost_center_on_the_stated_month(
    items: list[LineItem],
) -> None:
    assert MOVING_WORKLOAD == "recommendations"
    assert move_month(TODAY) == date(2026, 10, 1)  # the last complete month
    moving = [i for i in items if i.tags.get(DEMO_TAG_KEY) == MOVING_WORKLOAD]
    before = {i.cost_categories[DEMO_COST_CATEGORY] for i in moving if i.day < date(2026, 10, 1)}
    after = {i.cost_categories[DEMO_COST_CATEGORY] for i in moving if i.day >= date(2026, 10, 1)}
    assert before == {"Research"}
    assert after == {"Data"}
    assert {
        i.cost_categories[DEMO_COST_CATEGORY] for i in moving if i.day == date(2026, 9, 30)
    } == {"Research"}


def test_the_split_workload_has_two_cost_centers_every_month(items: list[LineItem]) -> None:
    split: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for item in items:
        if item.tags.get(DEMO_TAG_KEY) == SPLIT_WORKLOAD:
            split[month_of(item)].add((item.account, item.cost_categories[DEMO_COST_CATEGORY]))
    assert len(split) == 15
    for pairs in split.values():
        assert pairs == {("836150492788", "Data"), ("609374815266", "Retail")}


def test_untagged_share_falls_from_a_fifth_to_about_five_percent(items: list[LineItem]) -> None:
    # Of taggable (usage) spend, as tagging coverage counts it: tax, credits, the refund, the
    # RI fee and the support plan cannot carry a tag.
    def taggable(item: LineItem) -> bool:
        return categorize(item.usage_type, frozenset({item.service}), item.record_type) is not (
            Category.SUPPORT
        )

    totals = monthly(items, keep=taggable)
    untagged = monthly(items, keep=lambda i: taggable(i) and DEMO_TAG_KEY not in i.tags)
    first = untagged["2025-09"] / totals["2025-09"]
    last = untagged["2026-10"] / totals["2026-10"]
    assert Decimal("0.18") < first < Decimal("0.23")
    assert Decimal("0.04") < last < Decimal("0.07")


def test_the_tagging_campaign_leaves_a_tenth_after_thirteen_months() -> None:
    # 0.10 + 0.90 * min(k, 13) / 13: k=13 -> 1.0, k=0 -> 0.1, k=20 -> 1.0 (capped).
    assert untagged_campaign(13) == pytest.approx(1.0)
    assert untagged_campaign(0) == pytest.approx(0.1)
    assert untagged_campaign(20) == pytest.approx(1.0)


# --- usage types ---------------------------------------------------------------------------


def test_s3_has_every_common_storage_class_in_gb_mo(items: list[LineItem]) -> None:
    storage = {(strip_region_prefix(i.usage_type), i.unit) for i in items if i.service == S3}
    classes = {ut for ut, unit in storage if ut.startswith("TimedStorage")}
    assert classes == {
        "TimedStorage-ByteHrs",
        "TimedStorage-INT-FA-ByteHrs",
        "TimedStorage-INT-IA-ByteHrs",
        "TimedStorage-INT-AIA-ByteHrs",
        "TimedStorage-INT-AA-ByteHrs",
        "TimedStorage-INT-DAA-ByteHrs",
        "TimedStorage-SIA-ByteHrs",
        "TimedStorage-ZIA-ByteHrs",
        "TimedStorage-GIR-ByteHrs",
        "TimedStorage-GlacierByteHrs",
        "TimedStorage-GDA-ByteHrs",
    }
    assert {unit for ut, unit in storage if ut.startswith("TimedStorage")} == {"GB-Mo"}
    others = {ut for ut, _ in storage} - classes
    assert {"Requests-Tier1", "Requests-Tier2", "DataTransfer-Out-Bytes"} <= others
    assert any(ut.startswith("EarlyDelete") for ut in others)


@pytest.mark.parametrize(
    ("usage_type", "price"),
    [
        ("TimedStorage-ByteHrs", "0.023"),
        ("USE2-TimedStorage-INT-FA-ByteHrs", "0.023"),
        ("USE2-TimedStorage-INT-IA-ByteHrs", "0.0125"),
        ("USE2-TimedStorage-INT-AIA-ByteHrs", "0.004"),
        ("USE2-TimedStorage-SIA-ByteHrs", "0.0125"),
        ("USE2-TimedStorage-ZIA-ByteHrs", "0.01"),
        ("USE2-TimedStorage-GIR-ByteHrs", "0.004"),
        ("USE2-TimedStorage-GlacierByteHrs", "0.0036"),
        ("USE2-TimedStorage-GDA-ByteHrs", "0.00099"),
    ],
)
def test_s3_storage_costs_quantity_times_list_price(
    items: list[LineItem], usage_type: str, price: str
) -> None:
    lines = [i for i in items if i.service == S3 and i.usage_type == usage_type]
    assert lines
    assert all(i.amount == i.quantity * Decimal(price) for i in lines)


def test_a_month_of_gb_mo_sums_to_the_average_gb_stored(items: list[LineItem]) -> None:
    # log-archive holds 100 TB in Standard-IA on 2026-11-01, growing 3 % a month. A day d of
    # October is t = (d - 2026-11-01) / 30.4375 months away, t from -31/30.4375 to -1/30.4375,
    # so October holds on average 102400 GB x mean(1.03^t) = 102400 x 0.984619 = 100825 GB
    # (noise is at most 0.2 %).
    october = sum(
        i.quantity
        for i in items
        if i.usage_type == "EU-TimedStorage-SIA-ByteHrs" and month_of(i) == "2026-10"
    )
    assert october == pytest.approx(Decimal(100825), rel=Decimal("0.002"))


def test_a_day_of_gb_mo_is_a_share_of_the_month_it_lies_in(items: list[LineItem]) -> None:
    # The same GB held on 31 January and 1 February: 1/31 of a month, then 1/28.
    def day_quantity(day: date) -> Decimal:
        return sum(
            i.quantity
            for i in items
            if i.day == day and i.usage_type == "EU-TimedStorage-SIA-ByteHrs"
        )

    january, february = day_quantity(date(2026, 1, 31)), day_quantity(date(2026, 2, 1))
    assert january * 31 == pytest.approx(february * 28, rel=Decimal("0.005"))


def test_s3_data_drifts_to_colder_classes(items: list[LineItem]) -> None:
    def hot_share(month: str) -> Decimal:
        stored = [
            i
            for i in items
            if i.service == S3
            and month_of(i) == month
            and strip_region_prefix(i.usage_type).startswith("TimedStorage-")
        ]
        hot = sum(
            i.quantity
            for i in stored
            if strip_region_prefix(i.usage_type)
            in ("TimedStorage-ByteHrs", "TimedStorage-INT-FA-ByteHrs")
        )
        return hot / sum(i.quantity for i in stored)

    assert hot_share("2026-10") < hot_share("2025-09") * Decimal("0.85")


def test_efs_storage_shares_the_s3_standard_usage_type(items: list[LineItem]) -> None:
    efs = {(strip_region_prefix(i.usage_type), i.unit) for i in items if i.service == EFS}
    assert efs == {
        ("TimedStorage-ByteHrs", "GB-Mo"),
        ("IATimedStorage-ByteHrs", "GB-Mo"),
        ("ArchiveTimedStorage-ByteHrs", "GB-Mo"),
    }
    services = {i.service for i in items if i.usage_type == "TimedStorage-ByteHrs"}
    assert {S3, EFS} <= services


def test_ebs_volumes_iops_throughput_and_snapshots_under_ec2_other(items: list[LineItem]) -> None:
    ebs = {
        (strip_region_prefix(i.usage_type), i.unit)
        for i in items
        if i.service == "EC2 - Other" and "EBS:" in i.usage_type
    }
    assert {
        ("EBS:VolumeUsage.gp3", "GB-Mo"),
        ("EBS:VolumeUsage.gp2", "GB-Mo"),
        ("EBS:VolumeP-IOPS.piops", "IOPS-Mo"),
        ("EBS:SnapshotUsage", "GB-Mo"),
    } <= ebs
    assert "EBS:VolumeP-Throughput.gp3" in {usage_type for usage_type, _ in ebs}


def test_compute_and_transfer_usage_types(items: list[LineItem]) -> None:
    by_service: dict[str, set[str]] = defaultdict(set)
    for item in items:
        by_service[item.service].add(strip_region_prefix(item.usage_type))
    assert any(ut.startswith("BoxUsage:") for ut in by_service[EC2])
    assert any(ut.startswith("SpotUsage:") for ut in by_service[EC2])
    assert {"Lambda-GB-Second", "Lambda-GB-Second-ARM", "Request"} <= by_service["AWS Lambda"]
    assert {"Fargate-vCPU-Hours:perCPU", "Fargate-GB-Hours"} <= by_service[
        "Amazon Elastic Container Service"
    ]
    assert {"NatGateway-Hours", "NatGateway-Bytes"} <= by_service["EC2 - Other"]
    assert any(ut.startswith("CW:") for ut in by_service["AmazonCloudWatch"])
    assert {categorize(ut) for ut in by_service[EC2] if ut.startswith(("Box", "Spot"))} == {
        Category.COMPUTE
    }


def test_usage_types_with_and_without_region_prefixes(items: list[LineItem]) -> None:
    usage_types = {i.usage_type for i in items}
    assert "BoxUsage:m6i.xlarge" in usage_types  # us-east-1: no prefix
    assert "EU-BoxUsage:m6i.xlarge" in usage_types
    assert "USE2-TimedStorage-INT-IA-ByteHrs" in usage_types
    assert "EUC1-BoxUsage:g5.2xlarge" in usage_types
    assert "USE1-USE2-AWS-Out-Bytes" in usage_types
    regions = {i.region for i in items}
    assert {"us-east-1", "us-east-2", "eu-west-1", "eu-central-1"} <= regions


def test_requests_are_counted_in_whole_numbers(items: list[LineItem]) -> None:
    requests = [i for i in items if i.unit == "Requests"]
    assert {strip_region_prefix(i.usage_type) for i in requests} >= {"Request", "Requests-Tier1"}
    assert all(i.quantity == i.quantity.to_integral_value() for i in requests)


def test_free_inbound_transfer_has_quantity_and_no_cost(items: list[LineItem]) -> None:
    inbound = [i for i in items if i.usage_type == "USE2-USE1-AWS-In-Bytes"]
    assert inbound
    assert all(i.amount == 0 and i.quantity > 0 for i in inbound)


# --- tax, credits, refund, amortization ----------------------------------------------------


def test_tax_is_two_percent_of_each_account_on_the_first(items: list[LineItem]) -> None:
    taxes = [i for i in items if i.record_type == "Tax"]
    assert {(i.service, i.usage_type, i.day.day) for i in taxes} == {("Tax", "Tax", 1)}
    assert all(i.amount > 0 and not i.tags for i in taxes)
    charges: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in items:
        if item.record_type != "Tax":
            charges[month_of(item), item.account] += item.amount
    for tax in taxes:
        expected = charges[month_of(tax), tax.account] * Decimal("0.02")
        assert tax.amount == expected.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert len({month_of(i) for i in taxes}) == 15


def test_credits_are_negative_support_charges_from_february(items: list[LineItem]) -> None:
    credits = [i for i in items if i.record_type == "Credit"]
    assert credits
    assert all(i.amount < 0 for i in credits)
    assert {categorize(i.usage_type) for i in credits} == {Category.SUPPORT}
    # Nine months before November 2026.
    assert min(i.day for i in credits) == date(2026, 2, 1)
    assert {i.cost_categories[DEMO_COST_CATEGORY] for i in credits} == {"Research"}


def test_the_runaway_instance_is_refunded_exactly_the_month_after(items: list[LineItem]) -> None:
    runaway = [i for i in items if i.usage_type == "BoxUsage:p4d.24xlarge"]
    refunds = [i for i in items if i.record_type == "Refund"]
    # 1 instance x 24 h x 9 days (3 to 11 June 2026) x $32.7726 = $7,078.8816
    assert [i.day for i in runaway] == [date(2026, 6, d) for d in range(3, 12)]
    assert sum(i.amount for i in runaway) == Decimal("7078.8816")
    assert len(refunds) == 1
    assert refunds[0].day == date(2026, 7, 15)
    assert refunds[0].amount == Decimal("-7078.8816")
    assert categorize(refunds[0].usage_type) is Category.SUPPORT


def test_reserved_instances_make_amortized_cost_differ(items: list[LineItem]) -> None:
    fees = [i for i in items if i.record_type == "Fee"]
    # 8 instances x 8760 h x $0.227 = $15,908.16, paid on 2026-04-01, nothing amortized.
    assert [(i.day, i.amount, i.metric("AmortizedCost")) for i in fees] == [
        (date(2026, 4, 1), Decimal("15908.16"), 0)
    ]
    covered = [i for i in items if i.record_type == "DiscountedUsage"]
    assert min(i.day for i in covered) == date(2026, 4, 1)
    assert all(i.amount == 0 for i in covered)
    assert all(i.metric("AmortizedCost") == i.quantity * Decimal("0.227") for i in covered)
    # 8 reserved instances cover 8 x 24 = 192 hours a day (split into tagged and untagged).
    one_day = sum(i.quantity for i in covered if i.day == date(2026, 5, 5))
    assert one_day == pytest.approx(Decimal(192), abs=Decimal("0.00001"))
    unblended, amortized = monthly(items), monthly(items, "AmortizedCost")
    assert unblended["2026-04"] > amortized["2026-04"]
    assert unblended["2026-05"] < amortized["2026-05"]
    assert unblended["2025-09"] == amortized["2025-09"]


# --- totals over time ----------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["UnblendedCost", "AmortizedCost"])
def test_month_totals_grow_about_three_percent_a_month(items: list[LineItem], metric: str) -> None:
    totals = monthly(items, metric)
    # 2025-09 to 2026-10: 13 months of growth.
    growth = float(totals["2026-10"] / totals["2025-09"]) ** (1 / 13) - 1
    assert 0.02 < growth < 0.04
    assert 100_000 < totals["2025-09"] < totals["2026-10"] < 250_000


def test_december_is_a_seasonal_peak(items: list[LineItem]) -> None:
    totals = monthly(items, "AmortizedCost")
    winter = ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert max(winter, key=totals.__getitem__) == "2025-12"
    assert totals["2025-12"] > Decimal("1.08") * (totals["2025-10"] + totals["2026-02"]) / 2
    retail = monthly(items, keep=lambda i: i.cost_categories.get(DEMO_COST_CATEGORY) == "Retail")
    assert retail["2025-12"] > Decimal("1.3") * retail["2025-10"]


def test_shared_services_is_split_proportionally_onto_the_business_cost_centers(
    items: list[LineItem],
) -> None:
    fake = LocalCostExplorer(items, TODAY, definitions=demo_cost_category_definitions(TODAY))
    months = [date(2026, 11, 1), date(2025, 10, 1)]
    rules = read_split_rules(CostExplorer(fake.client()), DEMO_COST_CATEGORY, months)

    expected = (
        SplitChargeRule(
            "Shared Services",
            ("Research", "Platform", "Retail", "Data"),
            SplitMethod.PROPORTIONAL,
        ),
    )
    # one version, effective long before any month the demo writes: 1 List + 1 Describe
    assert rules == {"2026-11": expected, "2025-10": expected}
    assert fake.request_count() == 2
    # and the source has cost of its own to split every month
    shared = [i for i in items if i.cost_categories.get(DEMO_COST_CATEGORY) == "Shared Services"]
    assert {month_of(i) for i in shared} == {month_of(i) for i in items}


def category_of(item: LineItem) -> Category:
    return categorize(item.usage_type, frozenset({item.service}), item.record_type)


def test_databases_caches_savings_plans_and_support_get_the_categories_a_finops_team_expects(
    items: list[LineItem],
) -> None:
    by_usage_type = {(i.service, strip_region_prefix(i.usage_type)): i for i in items}
    expected = {
        ("Amazon Relational Database Service", "Multi-AZUsage:db.r6g.large"): Category.COMPUTE,
        ("Amazon Relational Database Service", "RDS:Multi-AZ-GP3-Storage"): Category.STORAGE,
        ("Amazon ElastiCache", "NodeUsage:cache.r6g.large"): Category.COMPUTE,
        ("Savings Plans for AWS Compute usage", "ComputeSP:1yrNoUpfront"): Category.COMPUTE,
        ("AWS Support (Business)", "Dollar"): Category.SUPPORT,
        ("Tax", "Tax"): Category.SUPPORT,
        ("Amazon Elastic Compute Cloud - Compute", "HeavyUsage:m6i.2xlarge"): Category.SUPPORT,
    }
    assert {key: category_of(by_usage_type[key]) for key in expected} == expected


def test_the_savings_plan_fee_is_billed_daily_and_untagged(items: list[LineItem]) -> None:
    fees = [i for i in items if i.record_type == "SavingsPlanRecurringFee"]
    # $4.50 an hour from July 2026 (four months before November) to 25 November.
    assert min(i.day for i in fees) == date(2026, 7, 1)
    assert max(i.day for i in fees) == date(2026, 11, 25)
    assert {i.amount for i in fees} == {Decimal("108.00")}
    assert all(not i.tags for i in fees)


def test_business_support_is_tiered_on_the_organizations_month(items: list[LineItem]) -> None:
    support = [i for i in items if i.service == "AWS Support (Business)"]
    assert len(support) == 15  # one a month: September 2025 .. November 2026
    for line in support:
        month = [
            i.amount
            for i in items
            if month_of(i) == month_of(line) and i.service not in ("Tax", line.service)
        ]
        total = sum(month, Decimal(0))
        # 10 % of 10K + 7 % of 70K + 5 % of 170K + 3 % above 250K (or less for smaller months).
        fee = (
            min(total, Decimal(10_000)) * Decimal("0.10")
            + max(min(total, Decimal(80_000)) - 10_000, 0) * Decimal("0.07")
            + max(min(total, Decimal(250_000)) - 80_000, 0) * Decimal("0.05")
            + max(total - 250_000, 0) * Decimal("0.03")
        )
        assert line.amount == fee.quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert line.day.day == 1
