"""The Cost Explorer bill of a run: every request (every page) costs $0.01.

Budget (issues 3 and 9), for an account whose answers fit one page per request: a daily run
with COST_CATEGORY_NAME set <= 10 requests, a 13-month backfill <= 5; split charges (issue 11)
add at most 2 requests for the cost category's definition (ListCostCategoryDefinitions +
DescribeCostCategoryDefinition) when one version of it covers the run's months, and none
without a cost category. The local Cost Explorer records every HTTP request it answers, so
these tests assert the exact requests, not just their number.

Counts and what they cost (the README documents these):

| run                                                   | requests | cost  |
|-------------------------------------------------------|----------|-------|
| daily, day 3..31, cost category configured            | 12       | $0.12 |
|   9 GetCostAndUsage + 1 GetCostForecast + 2 definition |         |       |
| daily, day 3..31, cost category found by lookup       | 13       | $0.13 |
|   + 1 GetCostCategories                               |          |       |
| daily, the account has no cost category              | 9        | $0.09 |
|   GetCostCategories + 7 GetCostAndUsage + forecast    |          |       |
| daily on the 1st and 2nd (only the last complete month) | 9      | $0.09 |
| daily on the 31st after a 28-day February             | 10       | $0.10 |
| backfill of 13 months, cost category configured       | 6        | $0.06 |
| backfill of 13 months, cost category found by lookup  | 7        | $0.07 |
| each older version of the definition the months reach | +1       | $0.01 |

A year of daily runs with a configured cost category: 12 x 2 x 9 + 341 x 12 = 4,308 requests,
about $43.08 (the established implementation: 25 a day, about $91). The 13-month backfill
costs $0.06 instead of 182 requests ($1.82).

Why these numbers: each grouping is asked once per run of adjacent windows (Cost Explorer's
MONTHLY granularity splits the answer back at month boundaries), and only for the windows a
summary uses it for: workload x usage type for each summary's current, previous and year-ago
month; workload x cost center for every window including the like-for-like one; service x usage
type (storage) for the current and the comparison window only; record type x usage type (what
kind of charge each usage type is: categories and tagging coverage) for each summary's three
months, like workload x usage type. With the default MTD_SETTLE_DAYS=1 the month to date ends
a day before today.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dapanoskop.localce import (
    CostCategoryDefinition,
    CostCategoryVersion,
    LineItem,
    LocalCostExplorer,
)
from dapanoskop.periods import add_months
from tests.conftest import BUCKET, invoke

NOV_26 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
CONFIGURED = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": "CostCenter"}
LOOKED_UP = {"DATA_BUCKET": BUCKET}

USAGE = ("App", "USAGE_TYPE")
COST_CENTER = ("App", "CostCenter")
SERVICE = ("SERVICE", "USAGE_TYPE")
CHARGES = ("RECORD_TYPE", "USAGE_TYPE")


def cau(grouping: tuple[str, str], start: str, end: str) -> tuple[str, ...]:
    return ("GetCostAndUsage", *grouping, start, end)


LIST = ("ListCostCategoryDefinitions",)


def describe(effective_on: str) -> tuple[str, ...]:
    return ("DescribeCostCategoryDefinition", effective_on)


# CostCenter's definition: one version since 2024, Research split onto Platform.
RESEARCH_TO_PLATFORM = {"Source": "Research", "Targets": ["Platform"], "Method": "EVEN"}
ONE_VERSION = (
    CostCategoryDefinition(
        "CostCenter",
        "cc1",
        (CostCategoryVersion(date(2024, 1, 1), split_charge_rules=(RESEARCH_TO_PLATFORM,)),),
    ),
)
DEFINITION = {"ListCostCategoryDefinitions": 1, "DescribeCostCategoryDefinition": 1}


# The daily run of 26 November 2026 (empty bucket, 1 settle day) writes two summaries:
#   2026-11 (MTD): current [11-01, 11-25), prev October, yoy November 2025,
#                  like-for-like [10-01, 10-25);
#   2026-10:       current October, prev September, yoy October 2025.
# Adjacent windows share a request: the year-ago months [2025-10-01, 2025-12-01) and
# September..November-to-date [2026-09-01, 2026-11-25).
DAILY_NOV_26 = [
    cau(USAGE, "2025-10-01", "2025-12-01"),
    cau(USAGE, "2026-09-01", "2026-11-25"),
    cau(COST_CENTER, "2025-10-01", "2025-12-01"),
    cau(COST_CENTER, "2026-09-01", "2026-11-25"),
    cau(COST_CENTER, "2026-10-01", "2026-10-25"),  # like-for-like
    cau(SERVICE, "2026-09-01", "2026-11-25"),  # storage: current + comparison only
    cau(SERVICE, "2026-10-01", "2026-10-25"),
    cau(CHARGES, "2025-10-01", "2025-12-01"),  # record types: the usage rows' months
    cau(CHARGES, "2026-09-01", "2026-11-25"),
    # The forecast starts today; 25 November (settling) is projected from the actual days.
    ("GetCostForecast", "2026-11-26", "2026-12-01"),
    LIST,
    describe("2026-11-01"),  # its version covers every month back to 2025-10
]

# Each day: (service, usage type, unit, cost, App tag, CostCenter).
DAILY_LINES = (
    ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "GB-Mo", "1.00", "web", "Research"),
    (
        "Amazon Elastic Compute Cloud - Compute",
        "BoxUsage:m5.large",
        "Hrs",
        "2.00",
        "batch",
        "Platform",
    ),
)


def ledger(today: date, *, cost_category: bool = True) -> list[LineItem]:
    """A modest account: $1.00 S3 + $2.00 EC2 a day over all the months Cost Explorer keeps.

    Two workloads, two usage types, two cost centers: each month has two groups per grouping,
    so even a 13-month request is 26 groups, one page.
    """
    items = []
    day = add_months(today.replace(day=1), -13)
    while day < today:
        for service, usage_type, unit, amount, workload, center in DAILY_LINES:
            items.append(
                LineItem(
                    day,
                    "111111111111",
                    service,
                    usage_type,
                    unit,
                    Decimal(amount),
                    Decimal("1"),
                    tags={"App": workload},
                    cost_categories={"CostCenter": center} if cost_category else {},
                )
            )
        day += timedelta(days=1)
    return items


def run(
    s3: Any,
    now: datetime,
    event: Any = None,
    env: dict[str, str] = CONFIGURED,
    *,
    cost_category: bool = True,
    definitions: tuple[CostCategoryDefinition, ...] = ONE_VERSION,
) -> tuple[int, dict[str, Any], LocalCostExplorer]:
    lce = LocalCostExplorer(
        ledger(now.date(), cost_category=cost_category),
        now.date(),
        definitions=definitions if cost_category else (),
    )
    status, body = invoke(event, env, lambda: now, lce.client(), s3)
    return status, body, lce


def sent(lce: LocalCostExplorer) -> list[tuple[str, ...]]:
    """Each request as (operation, group-by keys..., start, end), sorted: the bill does not
    depend on the order the collector sends them in."""
    described = []
    for operation, params in lce.requests:
        if operation == "ListCostCategoryDefinitions":
            described.append((operation,))
            continue
        if operation == "DescribeCostCategoryDefinition":
            described.append((operation, params["EffectiveOn"][:10]))
            continue
        keys = tuple(group["Key"] for group in params.get("GroupBy", []))
        period = params["TimePeriod"]
        described.append((operation, *keys, period["Start"], period["End"]))
    return sorted(described)


def assert_economical(lce: LocalCostExplorer) -> None:
    """One page per request, and no (grouping, month piece) fetched twice."""
    assert not any("NextPageToken" in params for _, params in lce.requests)
    pieces: Counter[tuple[Any, ...]] = Counter()
    for operation, params in lce.requests:
        if operation != "GetCostAndUsage":
            continue
        assert params["Granularity"] == "MONTHLY"
        keys = tuple(group["Key"] for group in params["GroupBy"])
        start = date.fromisoformat(params["TimePeriod"]["Start"])
        end = date.fromisoformat(params["TimePeriod"]["End"])
        while start < end:  # the MONTHLY result periods of the request
            piece_end = min(add_months(start.replace(day=1), 1), end)
            pieces[(keys, start, piece_end)] += 1
            start = piece_end
    assert max(pieces.values()) == 1, pieces


def assert_reported(s3: Any, body: dict[str, Any], by_operation: dict[str, int]) -> None:
    """The answer and every summary written carry the run's request count and cost."""
    total = sum(by_operation.values())
    assert body["ce_requests"] == total
    assert body["ce_requests_by_operation"] == by_operation
    assert body["ce_cost_usd"] == f"{total / 100:.2f}"
    assert body["succeeded"]
    for period in body["succeeded"]:
        stored = s3.get_object(Bucket=BUCKET, Key=f"{period}/summary.json")["Body"].read()
        collection = json.loads(stored)["collection"]
        assert collection["ce_requests"] == total, period
        assert collection["ce_requests_by_operation"] == by_operation, period


def test_daily_run_with_a_configured_cost_category_makes_12_requests(s3: Any) -> None:
    status, body, lce = run(s3, NOV_26)

    assert status == 200
    assert body["succeeded"] == ["2026-11", "2026-10"]
    assert sent(lce) == sorted(DAILY_NOV_26)
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 9, "GetCostForecast": 1, **DEFINITION})


def test_daily_run_looking_up_the_cost_category_makes_13_requests(s3: Any) -> None:
    status, body, lce = run(s3, NOV_26, env=LOOKED_UP)

    assert status == 200
    # The lookup covers the newest summary's current window; the account's only category,
    # CostCenter, is then used exactly as if configured.
    assert sent(lce) == sorted([*DAILY_NOV_26, ("GetCostCategories", "2026-11-01", "2026-11-25")])
    assert_economical(lce)
    assert_reported(
        s3,
        body,
        {"GetCostAndUsage": 9, "GetCostCategories": 1, "GetCostForecast": 1, **DEFINITION},
    )


def test_daily_run_without_any_cost_category_makes_9_requests(s3: Any) -> None:
    status, body, lce = run(s3, NOV_26, env=LOOKED_UP, cost_category=False)

    assert status == 200
    # No cost center grouping at all; the like-for-like window's workload costs come from the
    # usage-type grouping instead.
    assert sent(lce) == sorted(
        [
            ("GetCostCategories", "2026-11-01", "2026-11-25"),
            cau(USAGE, "2025-10-01", "2025-12-01"),
            cau(USAGE, "2026-09-01", "2026-11-25"),
            cau(USAGE, "2026-10-01", "2026-10-25"),
            cau(SERVICE, "2026-09-01", "2026-11-25"),
            cau(SERVICE, "2026-10-01", "2026-10-25"),
            cau(CHARGES, "2025-10-01", "2025-12-01"),
            cau(CHARGES, "2026-09-01", "2026-11-25"),
            ("GetCostForecast", "2026-11-26", "2026-12-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 7, "GetCostCategories": 1, "GetCostForecast": 1})


def test_daily_run_after_last_month_is_final_still_makes_12_requests(s3: Any) -> None:
    # October is published with final data (it closed on 4 November), so only November
    # month-to-date is written: its windows no longer chain with September, and storage needs
    # the like-for-like window and November-to-date, which do not touch.
    run(s3, NOV_26, {"backfill": True, "months": 1})

    status, body, lce = run(s3, NOV_26 + timedelta(hours=1))

    assert status == 200
    assert body["succeeded"] == ["2026-11"]
    assert body["skipped"] == [{"period": "2026-10", "reason": "already published with final data"}]
    assert sent(lce) == sorted(
        [
            cau(USAGE, "2025-11-01", "2025-12-01"),
            cau(USAGE, "2026-10-01", "2026-11-25"),
            cau(COST_CENTER, "2025-11-01", "2025-12-01"),
            cau(COST_CENTER, "2026-10-01", "2026-11-25"),
            cau(COST_CENTER, "2026-10-01", "2026-10-25"),
            cau(SERVICE, "2026-10-01", "2026-10-25"),
            cau(SERVICE, "2026-11-01", "2026-11-25"),
            cau(CHARGES, "2025-11-01", "2025-12-01"),
            cau(CHARGES, "2026-10-01", "2026-11-25"),
            ("GetCostForecast", "2026-11-26", "2026-12-01"),
            LIST,
            describe("2026-11-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 9, "GetCostForecast": 1, **DEFINITION})


@pytest.mark.parametrize("day", [1, 2])
def test_daily_run_on_the_first_and_second_makes_9_requests(s3: Any, day: int) -> None:
    # 1 December 2026 writes only November: current November, prev October, yoy November
    # 2025. No month-to-date period, so no like-for-like window and no forecast. On the 2nd
    # the only day of December, the 1st, is still loading (1 settle day): the same.
    status, body, lce = run(s3, datetime(2026, 12, day, 6, 0, tzinfo=UTC))

    assert status == 200
    assert body["succeeded"] == ["2026-11"]
    assert sent(lce) == sorted(
        [
            cau(USAGE, "2025-11-01", "2025-12-01"),
            cau(USAGE, "2026-10-01", "2026-12-01"),
            cau(COST_CENTER, "2025-11-01", "2025-12-01"),
            cau(COST_CENTER, "2026-10-01", "2026-12-01"),
            cau(SERVICE, "2026-10-01", "2026-12-01"),
            cau(CHARGES, "2025-11-01", "2025-12-01"),
            cau(CHARGES, "2026-10-01", "2026-12-01"),
            LIST,
            describe("2026-11-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 7, **DEFINITION})


def test_daily_run_on_31_march_after_a_28_day_february_makes_10_requests(s3: Any) -> None:
    # The month to date of 31 March 2026 is [03-01, 03-30): 29 days. Its like-for-like window
    # is all of February (28 days < 29), the same window as the previous month, so it is
    # fetched once, inside the January..March chain.
    status, body, lce = run(s3, datetime(2026, 3, 31, 6, 0, tzinfo=UTC))

    assert status == 200
    assert body["succeeded"] == ["2026-03", "2026-02"]
    assert sent(lce) == sorted(
        [
            cau(USAGE, "2025-02-01", "2025-04-01"),
            cau(USAGE, "2026-01-01", "2026-03-30"),
            cau(COST_CENTER, "2025-02-01", "2025-04-01"),
            cau(COST_CENTER, "2026-01-01", "2026-03-30"),
            cau(SERVICE, "2026-01-01", "2026-03-30"),
            cau(CHARGES, "2025-02-01", "2025-04-01"),
            cau(CHARGES, "2026-01-01", "2026-03-30"),
            ("GetCostForecast", "2026-03-31", "2026-04-01"),
            LIST,
            describe("2026-03-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 7, "GetCostForecast": 1, **DEFINITION})


def test_backfill_of_13_months_makes_6_requests(s3: Any) -> None:
    # October 2026 back to October 2025, each with its previous and year-ago month. Cost
    # Explorer keeps 2025-10-01 onwards, so September 2025 and the year-ago months before
    # October 2025 are known unavailable without asking; everything else is one chain,
    # [2025-10-01, 2026-11-01), asked once per grouping.
    status, body, lce = run(s3, NOV_26, {"backfill": True})

    assert status == 200
    assert len(body["succeeded"]) == 13
    assert sent(lce) == sorted(
        [
            cau(USAGE, "2025-10-01", "2026-11-01"),
            cau(COST_CENTER, "2025-10-01", "2026-11-01"),
            cau(SERVICE, "2025-10-01", "2026-11-01"),
            cau(CHARGES, "2025-10-01", "2026-11-01"),
            LIST,
            describe("2026-10-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 4, **DEFINITION})


def test_backfill_looking_up_the_cost_category_makes_7_requests(s3: Any) -> None:
    status, body, lce = run(s3, NOV_26, {"backfill": True}, env=LOOKED_UP)

    assert status == 200
    assert sent(lce) == sorted(
        [
            ("GetCostCategories", "2026-10-01", "2026-11-01"),
            cau(USAGE, "2025-10-01", "2026-11-01"),
            cau(COST_CENTER, "2025-10-01", "2026-11-01"),
            cau(SERVICE, "2025-10-01", "2026-11-01"),
            cau(CHARGES, "2025-10-01", "2026-11-01"),
            LIST,
            describe("2026-10-01"),
        ]
    )
    assert_economical(lce)
    assert_reported(s3, body, {"GetCostAndUsage": 4, "GetCostCategories": 1, **DEFINITION})


def test_each_older_version_of_the_definition_costs_one_more_request(s3: Any) -> None:
    # The rules changed on 2026-10-01 and 2026-01-01: the daily run of 26 November reaches
    # back to October 2025, so it describes the version effective on its newest month,
    # 2026-11-01 (from 2026-10), then on the newest month before that version, 2026-09-01
    # (from 2026-01), then on 2025-11-01 (from 2024-01, covering 2025-10 too).
    versions = (
        CostCategoryVersion(
            date(2024, 1, 1), date(2026, 1, 1), split_charge_rules=(RESEARCH_TO_PLATFORM,)
        ),
        CostCategoryVersion(date(2026, 1, 1), date(2026, 10, 1)),
        CostCategoryVersion(date(2026, 10, 1), split_charge_rules=(RESEARCH_TO_PLATFORM,)),
    )
    definitions = (CostCategoryDefinition("CostCenter", "cc1", versions),)
    status, _, lce = run(s3, NOV_26, definitions=definitions)

    assert status == 200
    definition_requests = [r for r in sent(lce) if r[0] != "GetCostAndUsage"]
    assert definition_requests == sorted(
        [
            ("GetCostForecast", "2026-11-26", "2026-12-01"),
            LIST,
            describe("2026-11-01"),
            describe("2026-09-01"),
            describe("2025-11-01"),
        ]
    )
    # September 2026 had no rule: Research keeps its cost there; October 2026 split it.
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())
    research = next(c for c in summary["cost_centers"] if c["name"] == "Research")
    assert research["is_split_charge"] is True
    assert research["current_cost_usd"] == 0.0
    assert research["prev_month_cost_usd"] == 30.0  # $1.00 a day in September
    assert "prev_month_split_charge_out_usd" not in research
    assert research["yoy_split_charge_out_usd"] == 31.0  # October 2025: first version


def test_a_configured_category_without_a_definition_costs_one_request(s3: Any) -> None:
    status, _, lce = run(s3, NOV_26, definitions=())

    assert status == 200
    assert [r for r in sent(lce) if r[0].endswith("Definition") or r == LIST] == [LIST]


def test_months_before_the_category_existed_cost_no_describe(s3: Any) -> None:
    # The category was created with its rules effective from 2026-01: before that, Cost
    # Explorer has no value of it ("No cost category"), so the year-ago months (Oct-Nov 2025)
    # are not worth a Describe that could only answer ResourceNotFoundException.
    young = (
        CostCategoryDefinition(
            "CostCenter",
            "cc1",
            (CostCategoryVersion(date(2026, 1, 1), split_charge_rules=(RESEARCH_TO_PLATFORM,)),),
        ),
    )
    items = [
        item
        if item.day >= date(2026, 1, 1)
        else LineItem(
            item.day,
            item.account,
            item.service,
            item.usage_type,
            item.unit,
            item.amount,
            item.quantity,
            tags=item.tags,
        )
        for item in ledger(NOV_26.date())
    ]
    lce = LocalCostExplorer(items, NOV_26.date(), definitions=young)
    status, body = invoke(None, CONFIGURED, lambda: NOV_26, lce.client(), s3)

    assert status == 200
    assert [r for r in sent(lce) if r[0] != "GetCostAndUsage"] == sorted(
        [("GetCostForecast", "2026-11-26", "2026-12-01"), LIST, describe("2026-11-01")]
    )
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())
    research = next(c for c in summary["cost_centers"] if c["name"] == "Research")
    assert research["split_charge_out_usd"] == 31.0  # October 2026: $1.00 a day, split
    assert "yoy_split_charge_out_usd" not in research  # October 2025: no category yet
    assert body["ce_requests_by_operation"]["DescribeCostCategoryDefinition"] == 1
