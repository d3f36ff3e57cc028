"""Property: grouped answers add up exactly to the ungrouped Total, for every period.

Over random line items, for every grouping pair the pipeline uses (TAG x USAGE_TYPE,
TAG x COST_CATEGORY, SERVICE x USAGE_TYPE), across pages of a random small size, the groups of
each period sum to that period's ungrouped Total, which in turn equals the plain sum of the
items in the period (an oracle computed here from the items themselves).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from localce_support import TODAY, fetch_all, merge_pages

from dapanoskop.localce import LineItem, LocalCostExplorer

START, END = date(2026, 10, 1), date(2026, 11, 26)
GROUPINGS = [
    [{"Type": "TAG", "Key": "App"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    [{"Type": "TAG", "Key": "App"}, {"Type": "COST_CATEGORY", "Key": "CostCenter"}],
    [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
]
METRICS = ["UnblendedCost", "UsageQuantity"]

money = st.decimals(
    min_value=-1000, max_value=1000, places=8, allow_nan=False, allow_infinity=False
)
quantities = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False)
optional_value = st.sampled_from([None, "", "a", "b"])


@st.composite
def line_items(draw) -> LineItem:
    app = draw(optional_value)
    center = draw(st.sampled_from([None, "x", "y"]))
    usage_type = draw(st.sampled_from(["TimedStorage-ByteHrs", "BoxUsage:t3.micro", "Requests"]))
    return LineItem(
        # a range that crosses the October/November boundary and reaches past END
        day=date(2026, 10, 20) + timedelta(days=draw(st.integers(0, 40))),
        account=draw(st.sampled_from(["111111111111", "222222222222"])),
        service=draw(st.sampled_from(["S3", "EC2"])),
        usage_type=usage_type,
        unit={"TimedStorage-ByteHrs": "GB-Mo", "BoxUsage:t3.micro": "Hrs"}.get(usage_type, "N/A"),
        amount=draw(money),
        quantity=draw(quantities),
        tags={} if app is None else {"App": app},
        cost_categories={} if center is None else {"CostCenter": center},
    )


def period_sums(groups: list[dict], metric: str) -> Decimal:
    return sum((Decimal(g["Metrics"][metric]["Amount"]) for g in groups), Decimal(0))


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(line_items(), max_size=40),
    page_size=st.integers(1, 6),
    granularity=st.sampled_from(["MONTHLY", "DAILY"]),
)
def test_grouped_answers_sum_exactly_to_the_ungrouped_total(items, page_size, granularity):
    client = LocalCostExplorer(items, TODAY, page_size=page_size).client()
    request = {
        "TimePeriod": {"Start": START.isoformat(), "End": END.isoformat()},
        "Granularity": granularity,
        "Metrics": METRICS,
    }
    [ungrouped] = fetch_all(client, **request)
    totals = {
        (r["TimePeriod"]["Start"], r["TimePeriod"]["End"]): r["Total"]
        for r in ungrouped["ResultsByTime"]
    }
    for (start, end), total in totals.items():
        in_period = [i for i in items if start <= i.day.isoformat() < end]
        assert Decimal(total["UnblendedCost"]["Amount"]) == sum(
            (i.amount for i in in_period), Decimal(0)
        )
        assert Decimal(total["UsageQuantity"]["Amount"]) == sum(
            (i.quantity for i in in_period), Decimal(0)
        )
    for group_by in GROUPINGS:
        merged = merge_pages(fetch_all(client, **request, GroupBy=group_by))
        assert merged.keys() == totals.keys()
        for period, groups in merged.items():
            keys = [tuple(g["Keys"]) for g in groups]
            assert keys == sorted(set(keys))  # each group once, in key order
            for metric in METRICS:
                assert period_sums(groups, metric) == Decimal(totals[period][metric]["Amount"])
