"""Properties of build_period_report over random data that is consistent like Cost Explorer's.

Each window gets random bill records (workload, cost center, service, usage type, unit, cost,
quantity); the three groupings are sums of the same records, as Cost Explorer's groupings
are sums of the same bill.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Context, Decimal, localcontext
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.categories import UNTAGGABLE_RECORD_TYPES
from dapanoskop.formats import summary_json_bytes, usage_parquet_bytes, workload_parquet_bytes
from dapanoskop.model import (
    ChargeLine,
    CostCenterLine,
    ServiceLine,
    SplitChargeRule,
    SplitMethod,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.periods import SummarySpec, add_months, complete_month_spec, mtd_spec
from dapanoskop.processing.rounding import money
from dapanoskop.processor import PeriodReport, ReportOptions, build_period_report

S3 = "Amazon Simple Storage Service"
EFS = "Amazon Elastic File System"
EC2_OTHER = "EC2 - Other"

# (service, usage type, unit): a usage type has one unit; S3 and EFS share one usage type.
CATALOG = (
    (S3, "TimedStorage-ByteHrs", "GB-Mo"),
    (S3, "TimedStorage-INT-FA-ByteHrs", "GB-Mo"),
    (S3, "EUC1-TimedStorage-GlacierByteHrs", "GB-Mo"),
    (S3, "TimedStorage-GDA-ByteHrs", "TB-Mo"),  # a unit nobody knows
    (S3, "Requests-Tier1", "Requests"),
    (S3, "Tax", ""),
    (EFS, "TimedStorage-ByteHrs", "GB-Mo"),
    (EFS, "IATimedStorage-ByteHrs", "GB-Month"),
    (EC2_OTHER, "USE2-EBS:VolumeUsage.gp3", "GB-Mo"),
    (EC2_OTHER, "USE2-EBS:SnapshotUsage", "GB-Mo"),
    (EC2_OTHER, "USE2-EBS:VolumeP-IOPS.gp3", "IOPS-Mo"),
    ("Amazon Elastic Compute Cloud - Compute", "BoxUsage:m5.large", "Hrs"),
    ("AWS Lambda", "Credit", ""),
)
# "" is untagged; a literal "Untagged" tag value gets the same name.
WORKLOADS = ("", "Untagged", "genome", "web", "forschung-ü")
COST_CENTERS = ("", "No cost category", "Research", "Platform")
# Split-charge rules may also name a value without cost ("Shared") and chain rules.
RULE_VALUES = ("", "Research", "Platform", "Shared")


# Record types a usage type may carry; "Tax" and "Credit" usage types only their own. Charges
# of an untaggable record type carry no tag, as on AWS.
RECORD_TYPES = ("Usage", "Usage", "DiscountedUsage", "Credit", "Refund", "SavingsPlanNegation")
OWN_RECORD_TYPE = {"Tax": "Tax", "Credit": "Credit"}


@dataclass(frozen=True)
class Record:
    workload: str
    cost_center: str
    service: str
    usage_type: str
    unit: str
    cost: Decimal
    quantity: Decimal
    record_type: str = "Usage"

    @property
    def untaggable(self) -> bool:
        return self.record_type in UNTAGGABLE_RECORD_TYPES


def _record(
    workload: str,
    cost_center: str,
    item: tuple[str, str, str],
    cost: Decimal,
    quantity: Decimal,
    record_type: str,
) -> Record:
    record_type = OWN_RECORD_TYPE.get(item[1], record_type)
    if record_type in UNTAGGABLE_RECORD_TYPES:
        workload = ""
    return Record(workload, cost_center, *item, cost, quantity, record_type)


records = st.builds(
    _record,
    st.sampled_from(WORKLOADS),
    st.sampled_from(COST_CENTERS),
    st.sampled_from(CATALOG),
    st.decimals(min_value=-500, max_value=5000, places=6, allow_nan=False),
    st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False),
    st.sampled_from(RECORD_TYPES),
)


@st.composite
def split_rules(draw: st.DrawFn) -> SplitChargeRule:
    targets = tuple(draw(st.lists(st.sampled_from(RULE_VALUES), min_size=1, max_size=3)))
    method = draw(st.sampled_from(SplitMethod))
    percentages: tuple[Decimal, ...] = ()
    if method is SplitMethod.FIXED:
        percentages = tuple(
            draw(st.decimals(min_value=1, max_value=100, places=2, allow_nan=False))
            for _ in targets
        )
    return SplitChargeRule(draw(st.sampled_from(RULE_VALUES)), targets, method, percentages)


@dataclass(frozen=True)
class Case:
    spec: SummarySpec
    options: ReportOptions
    data: dict[Window, WindowData]
    records: dict[Window, list[Record]]  # what each window's groupings were summed from
    rules: dict[str, tuple[SplitChargeRule, ...]]  # split-charge rules per month


def usage_grouping(window_records: list[Record]) -> tuple[UsageLine, ...]:
    sums: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    for r in window_records:
        sums[(r.workload, r.usage_type, r.unit)][0] += r.cost
        sums[(r.workload, r.usage_type, r.unit)][1] += r.quantity
    return tuple(UsageLine(w, u, c, q, unit) for (w, u, unit), (c, q) in sums.items())


def cost_center_grouping(window_records: list[Record]) -> tuple[CostCenterLine, ...]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in window_records:
        sums[(r.workload, r.cost_center)] += r.cost
    return tuple(CostCenterLine(w, c, cost) for (w, c), cost in sums.items())


def service_grouping(window_records: list[Record]) -> tuple[ServiceLine, ...]:
    sums: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    for r in window_records:
        sums[(r.service, r.usage_type, r.unit)][0] += r.cost
        sums[(r.service, r.usage_type, r.unit)][1] += r.quantity
    return tuple(ServiceLine(s, u, c, q, unit) for (s, u, unit), (c, q) in sums.items())


def charge_grouping(window_records: list[Record]) -> tuple[ChargeLine, ...]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in window_records:
        sums[(r.record_type, r.usage_type)] += r.cost
    return tuple(ChargeLine(rt, u, cost) for (rt, u), cost in sums.items())


@st.composite
def cases(draw: st.DrawFn) -> Case:
    month = add_months(date(2024, 1, 1), draw(st.integers(0, 47)))
    if draw(st.booleans()):
        spec = complete_month_spec(month)
    else:
        last_day = add_months(month, 1).toordinal() - month.toordinal()
        settle = draw(st.integers(0, 3))
        spec = mtd_spec(month.replace(day=draw(st.integers(settle + 2, last_day))), settle)
    category = draw(st.sampled_from([None, "CostCenter"]))
    options = ReportOptions(
        include_efs=draw(st.booleans()),
        include_ebs=draw(st.booleans()),
        workload_tag_key="App",
        cost_metric="UnblendedCost",
        cost_category_name=category,
    )
    data: dict[Window, WindowData] = {}
    by_window: dict[Window, list[Record]] = {}
    for window in spec.windows():
        status = draw(st.sampled_from(Status))
        window_records = (
            [] if status is Status.UNAVAILABLE else draw(st.lists(records, max_size=12))
        )
        by_window[window] = window_records
        in_parquet = window in (spec.current, spec.prev_month, spec.yoy)
        with_usage = in_parquet or category is None
        data[window] = WindowData(
            window,
            status,
            usage=usage_grouping(window_records) if with_usage else None,
            cost_centers=cost_center_grouping(window_records) if category else None,
            services=(
                service_grouping(window_records)
                if window in (spec.current, spec.comparison)
                else None
            ),
            charges=charge_grouping(window_records) if in_parquet else None,
        )
    rules = {}
    if category is not None:
        for window in spec.windows():
            rules[window.label] = tuple(draw(st.lists(split_rules(), max_size=3)))
    return Case(spec, options, data, by_window, rules)


def build(case: Case, data: dict[Window, WindowData] | None = None) -> PeriodReport:
    return build_period_report(
        case.spec,
        case.data if data is None else data,
        case.options,
        collected_at=datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC),
        collection={"ce_requests": 7},
        split_rules=case.rules,
    )


def total(window_records: list[Record]) -> Decimal:
    return sum((r.cost for r in window_records), Decimal(0))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_cost_centers_workloads_usage_types_and_totals_add_up(case: Case) -> None:
    report = build(case)
    spec, summary = case.spec, report.summary
    windows = {"current": spec.current, "prev_month": spec.prev_month, "yoy": spec.yoy}

    for key, window in windows.items():
        exact = total(case.records[window])
        label = window.label
        workload_sum = sum(r.cost_usd for r in report.workload_rows if r.period == label)
        usage_sum = sum(r.cost_usd for r in report.usage_rows if r.period == label)
        assert workload_sum == exact
        assert usage_sum == exact
        assert summary["totals"][f"{key}_cost_usd"] == money(exact)

    # Every cost center and workload of the summary is the rounded sum of its Parquet rows;
    # split charges appear there as the workload "(split charge)": in - out.
    rows = {(r.cost_center, r.workload, r.period): r.cost_usd for r in report.workload_rows}
    listed = set()
    yoy_available = case.data[spec.yoy].status is not Status.UNAVAILABLE
    for center in summary["cost_centers"]:
        for key, window in windows.items():
            if key == "yoy" and not yoy_available:
                assert "yoy_cost_usd" not in center
                assert all("yoy_cost_usd" not in w for w in center["workloads"])
                continue
            center_rows = [
                c for (cc, _, p), c in rows.items() if cc == center["name"] and p == window.label
            ]
            assert center[f"{key}_cost_usd"] == money(sum(center_rows, Decimal(0)))
            prefix = "" if key == "current" else f"{key}_"
            split = rows.get((center["name"], "(split charge)", window.label))
            if f"{prefix}split_charge_in_usd" in center:
                moved_in = center[f"{prefix}split_charge_in_usd"]
                moved_out = center[f"{prefix}split_charge_out_usd"]
                assert split is not None
                assert money(split) == round(moved_in - moved_out, 2) or (
                    abs(money(split) - (moved_in - moved_out)) <= 0.011  # rounded apart
                )
                listed.add((center["name"], "(split charge)", window.label))
            elif split is not None:
                assert split == 0
                listed.add((center["name"], "(split charge)", window.label))
            for workload in center["workloads"]:
                exact = rows[(center["name"], workload["name"], window.label)]
                assert workload[f"{key}_cost_usd"] == money(exact)
                listed.add((center["name"], workload["name"], window.label))
    if yoy_available:
        assert listed == set(rows)
    else:
        assert listed == {key for key in rows if key[2] != spec.yoy.label}
    assert len(report.workload_rows) == len(rows)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_percentages_and_orders_keep_their_promises(case: Case) -> None:
    report = build(case)
    summary = report.summary

    coverage = summary["tagging_coverage"]
    current = case.records[case.spec.current]
    tagged = total([r for r in current if r.workload])
    untagged = total([r for r in current if not r.workload and not r.untaggable])
    untaggable = total([r for r in current if r.untaggable])
    assert coverage["tagged_cost_usd"] == money(tagged)
    assert coverage["untagged_cost_usd"] == money(untagged)
    assert coverage["untaggable_cost_usd"] == money(untaggable)
    assert tagged + untagged + untaggable == total(current)
    if tagged >= 0 and untagged >= 0:
        assert 0 <= coverage["tagged_percentage"] <= 100
    storage = summary["storage_metrics"]
    assert 0 <= storage["hot_tier_percentage"] <= 100
    assert 0 <= storage["prev_month_hot_tier_percentage"] <= 100
    assert storage["total_volume_bytes"] >= 0

    # Cost centers and workloads: current cost descending, ties by name; §6 and §7 sorted.
    centers = summary["cost_centers"]
    for entries in [centers, *(c["workloads"] for c in centers)]:
        names = [e["name"] for e in entries]
        assert len(names) == len(set(names))
    keys = [(r.cost_center, r.workload, r.period) for r in report.workload_rows]
    assert keys == sorted(keys)
    usage_keys = [(r.period, r.workload, r.usage_type) for r in report.usage_rows]
    assert usage_keys == sorted(set(usage_keys))
    assert all(r.cost_usd or r.usage_quantity for r in report.usage_rows)

    if case.spec.like_for_like is None:
        assert "mtd_comparison" not in summary
        return
    comparison = summary["mtd_comparison"]["cost_centers"]
    assert [c["name"] for c in comparison] == [c["name"] for c in centers]
    for partial, parent in zip(comparison, centers, strict=True):
        assert [w["name"] for w in partial["workloads"]] == [w["name"] for w in parent["workloads"]]
    like_for_like = total(case.records[case.spec.like_for_like])
    assert summary["totals"]["mtd_prior_partial_cost_usd"] == money(like_for_like)


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_same_input_gives_the_same_bytes_whatever_the_line_order(
    case: Case, shuffler: random.Random
) -> None:
    shuffled = {
        window: WindowData(
            window,
            d.status,
            usage=_shuffled(d.usage, shuffler),
            cost_centers=_shuffled(d.cost_centers, shuffler),
            services=_shuffled(d.services, shuffler),
            charges=_shuffled(d.charges, shuffler),
        )
        for window, d in reversed(case.data.items())
    }

    first = _published(build(case))
    # A caller's low-precision decimal context must not change a digit either.
    with localcontext(Context(prec=6)):
        second = _published(build(case, shuffled))

    assert first == second


def _shuffled(lines: tuple[Any, ...] | None, shuffler: random.Random) -> tuple[Any, ...] | None:
    if lines is None:
        return None
    reordered = list(lines)
    shuffler.shuffle(reordered)
    return tuple(reordered)


def _published(report: PeriodReport) -> tuple[bytes, bytes, bytes]:
    return (
        summary_json_bytes(report.summary),
        workload_parquet_bytes(report.workload_rows),
        usage_parquet_bytes(report.usage_rows),
    )


# Amounts a hair apart around a few cents: most pairs publish as the same cent.
near_cents = st.builds(
    lambda cents, offset: Decimal(cents) / 100 + Decimal(offset) / 10000,
    st.sampled_from([281181, 281182, 5, -3]),
    st.integers(-49, 49),
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["a", "B", "c", "Ω", "a b"]), st.sampled_from(["X", "Y", "Z"])),
        near_cents,
        min_size=1,
        max_size=15,
    )
)
def test_lists_are_ordered_by_the_published_amounts_then_by_name(
    costs: dict[tuple[str, str], Decimal],
) -> None:
    spec = complete_month_spec(date(2026, 10, 1))
    lines = tuple(CostCenterLine(w, c, cost) for (w, c), cost in costs.items())
    data = {
        spec.current: WindowData(spec.current, Status.FINAL, cost_centers=lines),
        spec.prev_month: WindowData(spec.prev_month, Status.FINAL, cost_centers=()),
        spec.yoy: WindowData(spec.yoy, Status.FINAL, cost_centers=()),
    }
    options = ReportOptions(False, False, "App", "UnblendedCost", "CC")
    summary = build_period_report(
        spec, data, options, collected_at=datetime(2026, 11, 2, tzinfo=UTC), collection={}
    ).summary

    # What a reader of the file (and `dapanoskop check`) sees: the published amounts.
    centers = summary["cost_centers"]
    for entries in [centers, *(c["workloads"] for c in centers)]:
        keys = [(-e["current_cost_usd"], e["name"]) for e in entries]
        assert keys == sorted(keys)
