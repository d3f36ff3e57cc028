"""The collector against the local Cost Explorer: pages, units, retention, cost categories, Decimal.

Most tests use one small account, worked out by hand below; the clock stands at
2026-11-01 06:00 UTC, so the scheduled run writes October 2026 (compared with September 2026
and October 2025).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq
import pytest

from dapanoskop.collector import CollectionConfig, collect
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.handler import handle
from dapanoskop.localce import LineItem, LocalCostExplorer
from dapanoskop.model import (
    ChargeLine,
    CostCenterLine,
    ServiceLine,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.periods import complete_month_spec, month_window
from tests.conftest import BUCKET, FAILED, invoke

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
TODAY = NOW.date()
CATEGORY = "Cost Center"
S3 = "Amazon Simple Storage Service"
EC2 = "Amazon Elastic Compute Cloud - Compute"
TAX = "Tax"

OCTOBER = month_window(date(2026, 10, 1))
SEPTEMBER = month_window(date(2026, 9, 1))
OCTOBER_2025 = month_window(date(2025, 10, 1))


def item(
    day: date,
    app: str | None,
    cost_center: str | None,
    service: str,
    usage_type: str,
    unit: str,
    quantity: str,
    amount: str,
    *,
    categories: Sequence[str] = (CATEGORY,),
) -> LineItem:
    """A bill line; the cost center is filed under every name in `categories`."""
    return LineItem(
        day=day,
        account="111111111111",
        service=service,
        usage_type=usage_type,
        unit=unit,
        amount=Decimal(amount),
        quantity=Decimal(quantity),
        record_type="Tax" if service == TAX else "Usage",
        tags={"App": app} if app else {},
        cost_categories=dict.fromkeys(categories, cost_center) if cost_center else {},
    )


def small_account(categories: Sequence[str] = (CATEGORY,)) -> list[LineItem]:
    """Eight lines over three months; `web` is split across Research and Platform.

    | month   | App    | cost center | service | usage type              | unit  | qty  | $      |
    | 2026-10 | web    | Research    | S3      | TimedStorage-ByteHrs    | GB-Mo | 1024 | 23.552 |
    | 2026-10 | batch  | Platform    | EC2     | USE2-BoxUsage:c5.xlarge | Hrs   |  100 | 17.00  |
    | 2026-10 | web    | Platform    | EC2     | BoxUsage:m5.large       | Hrs   |   50 |  4.80  |
    | 2026-10 | -      | -           | Tax     | Tax                     | N/A   |    0 |  3.25  |
    | 2026-09 | web    | Research    | S3      | TimedStorage-ByteHrs    | GB-Mo | 1024 | 23.552 |
    | 2026-09 | batch  | Platform    | EC2     | USE2-BoxUsage:c5.xlarge | Hrs   |   50 |  8.50  |
    | 2025-10 | web    | Research    | EC2     | BoxUsage:m5.large       | Hrs   |  100 |  9.60  |
    | 2025-10 | legacy | Platform    | EC2     | BoxUsage:t2.micro       | Hrs   |  100 |  1.16  |
    Totals: 2026-10 23.552 + 17.00 + 4.80 + 3.25 = 48.602; 2026-09 32.052; 2025-10 10.76.
    """
    oct_, sep, last_year = date(2026, 10, 10), date(2026, 9, 10), date(2025, 10, 10)
    lines = [
        (oct_, "web", "Research", S3, "TimedStorage-ByteHrs", "GB-Mo", "1024", "23.552"),
        (oct_, "batch", "Platform", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "100", "17.00"),
        (oct_, "web", "Platform", EC2, "BoxUsage:m5.large", "Hrs", "50", "4.80"),
        (oct_, None, None, TAX, "Tax", "N/A", "0", "3.25"),
        (sep, "web", "Research", S3, "TimedStorage-ByteHrs", "GB-Mo", "1024", "23.552"),
        (sep, "batch", "Platform", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "50", "8.50"),
        (last_year, "web", "Research", EC2, "BoxUsage:m5.large", "Hrs", "100", "9.60"),
        (last_year, "legacy", "Platform", EC2, "BoxUsage:t2.micro", "Hrs", "100", "1.16"),
    ]
    return [item(*line, categories=categories) for line in lines]


def config(cost_category: str | None = CATEGORY, history_months: int = 13) -> CollectionConfig:
    return CollectionConfig(
        cost_metric="UnblendedCost",
        workload_tag_key="App",
        cost_category_name=cost_category,
        history_months=history_months,
    )


def collect_october(fake: LocalCostExplorer) -> tuple[dict[Window, WindowData], CostExplorer]:
    ce = CostExplorer(fake.client())
    data = collect(ce, [complete_month_spec(OCTOBER.start)], config(), TODAY)
    return data, ce


def run(s3: Any, fake: LocalCostExplorer, **env: str) -> dict[str, Any]:
    status, body = invoke({}, {"DATA_BUCKET": BUCKET, **env}, lambda: NOW, fake.client(), s3)
    return {"statusCode": status, **body}


def read_summary(s3: Any) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())


def read_bytes(s3: Any, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def d(value: str) -> Decimal:
    return Decimal(value)


# --- What one collection holds ---------------------------------------------------------------


def test_collects_each_grouping_of_each_window_with_units_and_status() -> None:
    data, ce = collect_october(LocalCostExplorer(small_account(), TODAY))

    # October closes on 4 November: estimated on the 1st; September and October 2025 final.
    assert data[OCTOBER] == WindowData(
        window=OCTOBER,
        status=Status.ESTIMATED,
        usage=(  # Cost Explorer sorts groups by keys; "App$" (no tag) comes first
            UsageLine("", "Tax", d("3.25"), d("0"), "N/A"),
            UsageLine("batch", "USE2-BoxUsage:c5.xlarge", d("17.00"), d("100"), "Hrs"),
            UsageLine("web", "BoxUsage:m5.large", d("4.80"), d("50"), "Hrs"),
            UsageLine("web", "TimedStorage-ByteHrs", d("23.552"), d("1024"), "GB-Mo"),
        ),
        cost_centers=(
            CostCenterLine("", "", d("3.25")),
            CostCenterLine("batch", "Platform", d("17.00")),
            CostCenterLine("web", "Platform", d("4.80")),
            CostCenterLine("web", "Research", d("23.552")),
        ),
        services=(
            ServiceLine(EC2, "BoxUsage:m5.large", d("4.80"), d("50"), "Hrs"),
            ServiceLine(EC2, "USE2-BoxUsage:c5.xlarge", d("17.00"), d("100"), "Hrs"),
            ServiceLine(S3, "TimedStorage-ByteHrs", d("23.552"), d("1024"), "GB-Mo"),
            ServiceLine(TAX, "Tax", d("3.25"), d("0"), "N/A"),
        ),
        charges=(  # record type x usage type: what kind of charge each usage type is
            ChargeLine("Tax", "Tax", d("3.25")),
            ChargeLine("Usage", "BoxUsage:m5.large", d("4.80")),
            ChargeLine("Usage", "TimedStorage-ByteHrs", d("23.552")),
            ChargeLine("Usage", "USE2-BoxUsage:c5.xlarge", d("17.00")),
        ),
    )
    assert data[SEPTEMBER].status is Status.FINAL
    # Storage is compared with the previous month only: no service grouping a year back.
    assert data[OCTOBER_2025].status is Status.FINAL
    assert data[OCTOBER_2025].services is None
    assert data[OCTOBER_2025].usage == (
        UsageLine("legacy", "BoxUsage:t2.micro", d("1.16"), d("100"), "Hrs"),
        UsageLine("web", "BoxUsage:m5.large", d("9.60"), d("100"), "Hrs"),
    )
    assert data[OCTOBER_2025].charges == (
        ChargeLine("Usage", "BoxUsage:m5.large", d("9.60")),
        ChargeLine("Usage", "BoxUsage:t2.micro", d("1.16")),
    )
    # [2025-10] and [2026-09, 2026-10] for App x usage type, App x cost center and record
    # type x usage type, one request for service x usage type (September and October only).
    assert ce.requests == 7


# --- Pagination ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page_size", "pages"),
    [
        # Groups per grouping, (Sep, Oct) chain and (Oct 2025) alone:
        #   App x usage type     Sep 2, Oct 4 | 2025-10: 2
        #   App x cost center    Sep 2, Oct 4 | 2025-10: 2
        #   service x usage      Sep 2, Oct 4
        #   record type x usage  Sep 2, Oct 4 | 2025-10: 2
        # page_size 1: one group per page: (6 + 2) + (6 + 2) + 6 + (6 + 2) = 30
        (1, 30),
        # page_size 2: Sep fills page 1, Oct takes pages 2 and 3:
        #   (3 + 1) + (3 + 1) + 3 + (3 + 1) = 15
        (2, 15),
        # page_size 3: page 1 holds Sep's 2 groups and Oct's first, page 2 Oct's other 3:
        #   (2 + 1) + (2 + 1) + 2 + (2 + 1) = 11
        (3, 11),
    ],
)
def test_pages_are_followed_merged_by_period_and_counted(page_size: int, pages: int) -> None:
    whole, unpaged_ce = collect_october(LocalCostExplorer(small_account(), TODAY))
    fake = LocalCostExplorer(small_account(), TODAY, page_size=page_size)

    paged, ce = collect_october(fake)

    assert paged == whole
    assert unpaged_ce.requests == 7
    assert ce.requests == pages
    assert fake.request_count("GetCostAndUsage") == pages
    # Every page beyond the first of each of the 7 requests was asked for with a token.
    with_token = [params for _, params in fake.requests if "NextPageToken" in params]
    assert len(with_token) == pages - 7


def test_summary_from_one_group_per_page_equals_the_unpaged_one(s3: Any) -> None:
    unpaged = run(s3, LocalCostExplorer(small_account(), TODAY), COST_CATEGORY_NAME=CATEGORY)
    files = {
        name: read_bytes(s3, f"2026-10/{name}")
        for name in ("cost-by-workload.parquet", "cost-by-usage-type.parquet")
    }
    summary = read_summary(s3)

    paged = run(
        s3, LocalCostExplorer(small_account(), TODAY, page_size=1), COST_CATEGORY_NAME=CATEGORY
    )

    # + 1 ListCostCategoryDefinitions each (the category has no definition, so no rules)
    assert (unpaged["ce_requests"], paged["ce_requests"]) == (8, 31)
    paged_summary = read_summary(s3)
    assert paged_summary.pop("collection") == {
        "ce_requests": 31,
        "ce_requests_by_operation": {"GetCostAndUsage": 30, "ListCostCategoryDefinitions": 1},
    }
    assert summary.pop("collection")["ce_requests"] == 8
    assert paged_summary == summary
    for name, data in files.items():
        assert read_bytes(s3, f"2026-10/{name}") == data


# --- Units -------------------------------------------------------------------------------------


def test_unknown_storage_unit_is_left_out_of_volume_and_logged(
    s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    odd = item(
        date(2026, 10, 10), "web", "Research", S3, "TimedStorage-GDA-ByteHrs", "TB-Mo", "2",
        "2.02752",
    )  # fmt: skip
    fake = LocalCostExplorer([*small_account(), odd], TODAY)

    with caplog.at_level(logging.INFO):
        answer = run(s3, fake, COST_CATEGORY_NAME=CATEGORY)

    assert answer["statusCode"] == 200
    # October S3 storage: cost 23.552 + 2.02752 = 25.57952 -> 25.58 (the charge still counts);
    # volume only the 1024 GB-Mo of Standard (the TB-Mo line is not guessed), all hot;
    # per TiB 25.57952 / (1024 / 1024) -> 25.58. September: 23.552 on 1024 GB-Mo.
    assert read_summary(s3)["storage_metrics"] == {
        "total_cost_usd": 25.58,
        "prev_month_cost_usd": 23.55,
        "total_volume_bytes": 1024 * 2**30,
        "prev_month_total_volume_bytes": 1024 * 2**30,
        "hot_tier_percentage": 100.0,
        "prev_month_hot_tier_percentage": 100.0,
        "cost_per_tb_usd": 25.58,
        "prev_month_cost_per_tb_usd": 23.55,
    }
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("storage volume unit unknown")
    ]
    assert warnings == [
        "storage volume unit unknown, left out of volume window=2026-10 "
        f"service={S3} usage_type=TimedStorage-GDA-ByteHrs unit=TB-Mo"
    ]
    # The usage-type file keeps the line with its quantity in Cost Explorer's unit.
    table = pq.read_table(io.BytesIO(read_bytes(s3, "2026-10/cost-by-usage-type.parquet")))
    rows = [row for row in table.to_pylist() if row["usage_type"] == "TimedStorage-GDA-ByteHrs"]
    assert rows == [
        {
            "workload": "web",
            "usage_type": "TimedStorage-GDA-ByteHrs",
            "category": "Storage",
            "period": "2026-10",
            "cost_usd": 2.02752,
            "usage_quantity": 2.0,
        }
    ]


# --- Months Cost Explorer does not have -------------------------------------------------------

# With the cost category and no October 2025: Research 23.552 / 23.552 / 0, Platform
# 17.00 + 4.80 = 21.80 / 8.50 / 0, Uncategorized (tax) 3.25 / 0 / 0; legacy, which had cost
# only in October 2025, is not listed.
WITHOUT_YOY = [
    {
        "name": "Research",
        "current_cost_usd": 23.55,
        "prev_month_cost_usd": 23.55,
        "yoy_cost_usd": 0.0,
        "workloads": [
            {
                "name": "web",
                "current_cost_usd": 23.55,
                "prev_month_cost_usd": 23.55,
                "yoy_cost_usd": 0.0,
            }
        ],
    },
    {
        "name": "Platform",
        "current_cost_usd": 21.8,
        "prev_month_cost_usd": 8.5,
        "yoy_cost_usd": 0.0,
        "workloads": [
            {
                "name": "batch",
                "current_cost_usd": 17.0,
                "prev_month_cost_usd": 8.5,
                "yoy_cost_usd": 0.0,
            },
            {
                "name": "web",
                "current_cost_usd": 4.8,
                "prev_month_cost_usd": 0.0,
                "yoy_cost_usd": 0.0,
            },
        ],
    },
    {
        "name": "Uncategorized",
        "current_cost_usd": 3.25,
        "prev_month_cost_usd": 0.0,
        "yoy_cost_usd": 0.0,
        "workloads": [
            {
                "name": "Untagged",
                "current_cost_usd": 3.25,
                "prev_month_cost_usd": 0.0,
                "yoy_cost_usd": 0.0,
            }
        ],
    },
]


def no_yoy(centers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same cost centers as published when the year-ago month is unavailable."""
    return [
        {
            **{k: v for k, v in center.items() if k != "yoy_cost_usd"},
            "workloads": [
                {k: v for k, v in w.items() if k != "yoy_cost_usd"} for w in center["workloads"]
            ],
        }
        for center in centers
    ]


@pytest.mark.parametrize(
    "refusal", ["DataUnavailableException", "BillExpirationException", "ValidationException"]
)
def test_yoy_month_beyond_cost_explorer_retention_is_unavailable(s3: Any, refusal: str) -> None:
    # Cost Explorer keeps 12 months here, the pipeline expects 13: October 2025 is asked for
    # and refused, although the ledger has 10.76 dollars in it. Each of the refusals that mean
    # "outside your history" (the ValidationException with its live-API message) is taken so.
    fake = LocalCostExplorer(small_account(), TODAY, retention_months=12, history_refusal=refusal)

    answer = run(s3, fake, COST_CATEGORY_NAME=CATEGORY)

    assert answer["statusCode"] == 200
    assert answer["succeeded"] == ["2026-10"]
    summary = read_summary(s3)
    assert summary["period_status"] == {
        "current": "estimated",
        "prev_month": "final",
        "yoy": "unavailable",
    }
    # 48.602 -> 48.60; 23.552 + 8.50 = 32.052 -> 32.05; October 2025 counts as 0.
    assert summary["totals"] == {
        "current_cost_usd": 48.6,
        "prev_month_cost_usd": 32.05,
        "yoy_cost_usd": 0.0,
    }
    # The year-ago month is unavailable: cost centers and workloads leave yoy_cost_usd out.
    assert summary["cost_centers"] == no_yoy(WITHOUT_YOY)
    # The refused request is billed like the others. Once the first grouping learns that
    # 2025-10 is gone, the other groupings do not ask again: [2026-09, 2026-10] for each of
    # the four groupings + 1 refused = 5, + 1 ListCostCategoryDefinitions.
    assert answer["ce_requests"] == 6
    refused = [p for _, p in fake.requests if p.get("TimePeriod", {}).get("Start") == "2025-10-01"]
    assert len(refused) == 1
    table = pq.read_table(io.BytesIO(read_bytes(s3, "2026-10/cost-by-workload.parquet")))
    last_year = [row for row in table.to_pylist() if row["period"] == "2025-10"]
    assert last_year == [
        {"cost_center": center, "workload": workload, "period": "2025-10", "cost_usd": 0.0}
        for center, workload in [
            ("Platform", "batch"),
            ("Platform", "web"),
            ("Research", "web"),
            ("Uncategorized", "Untagged"),
        ]
    ]


def test_yoy_month_beyond_configured_history_is_not_requested(s3: Any) -> None:
    fake = LocalCostExplorer(small_account(), TODAY)

    answer = run(s3, fake, COST_CATEGORY_NAME=CATEGORY, CE_HISTORY_MONTHS="12")

    assert answer["statusCode"] == 200
    summary = read_summary(s3)
    assert summary["period_status"]["yoy"] == "unavailable"
    assert summary["totals"]["yoy_cost_usd"] == 0.0
    assert summary["cost_centers"] == no_yoy(WITHOUT_YOY)
    # Only the [2026-09, 2026-10] requests: 1 per grouping, + 1 ListCostCategoryDefinitions.
    assert answer["ce_requests"] == 5
    assert [p["TimePeriod"] for _, p in fake.requests if "TimePeriod" in p] == [
        {"Start": "2026-09-01", "End": "2026-11-01"}
    ] * 4


def test_a_validation_error_that_is_not_about_history_fails_the_run(s3: Any) -> None:
    fake = LocalCostExplorer(small_account(), TODAY)
    fake.fail_next("GetCostAndUsage", "ValidationException", message="Metrics are invalid")

    answer = run(s3, fake, COST_CATEGORY_NAME=CATEGORY)

    assert answer["statusCode"] == FAILED
    assert "ValidationException" in answer["error"]
    assert "Metrics are invalid" in answer["error"]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def test_an_unavailable_newest_month_keeps_the_older_months(s3: Any) -> None:
    # 3 November, no settle days: the month to date [11-01, 11-03) is not loaded yet and Cost
    # Explorer refuses it (DataUnavailableException). That says nothing about October, which is
    # still estimated and must be written in full; the refused month is skipped.
    today = date(2026, 11, 3)
    fake = LocalCostExplorer(small_account(), today, no_data_from=date(2026, 11, 1))

    answer = handle(
        {},
        {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": CATEGORY, "MTD_SETTLE_DAYS": "0"},
        lambda: datetime(2026, 11, 3, 6, 0, tzinfo=UTC),
        fake.client(),
        s3,
    )
    body = json.loads(answer["body"])

    assert answer["statusCode"] == 200
    assert body["succeeded"] == ["2026-10"]
    assert body["skipped"] == [
        {"period": "2026-11", "reason": "Cost Explorer has no data for this month"}
    ]
    summary = read_summary(s3)
    assert summary["period_status"] == {
        "current": "estimated",
        "prev_month": "final",
        "yoy": "final",
    }
    assert summary["totals"] == {
        "current_cost_usd": 48.6,
        "prev_month_cost_usd": 32.05,
        "yoy_cost_usd": 10.76,
    }
    assert summary["cost_centers"] == BY_COST_CENTER


def test_old_months_are_split_out_of_a_refused_multi_month_request() -> None:
    # On 2026-11-26 the report of November 2025 is backfilled with multi-year history
    # configured (38 months), but Cost Explorer keeps 12: data starts 2025-11-01.
    today = date(2026, 11, 26)
    nov_2025, oct_2025, nov_2024 = (
        month_window(date(2025, 11, 1)),
        month_window(date(2025, 10, 1)),
        month_window(date(2024, 11, 1)),
    )
    items = [
        item(date(2025, 11, 5), "web", None, EC2, "BoxUsage:m5.large", "Hrs", "10", "0.96"),
        item(date(2025, 10, 5), "web", None, EC2, "BoxUsage:m5.large", "Hrs", "20", "1.92"),
        item(date(2024, 11, 5), "web", None, EC2, "BoxUsage:m5.large", "Hrs", "30", "2.88"),
    ]
    fake = LocalCostExplorer(items, today, retention_months=12)
    ce = CostExplorer(fake.client())

    data = collect(
        ce, [complete_month_spec(nov_2025.start)], config(None, history_months=38), today
    )

    assert data == {
        nov_2024: WindowData(nov_2024, Status.UNAVAILABLE),
        oct_2025: WindowData(oct_2025, Status.UNAVAILABLE),
        nov_2025: WindowData(
            nov_2025,
            Status.FINAL,
            usage=(UsageLine("web", "BoxUsage:m5.large", d("0.96"), d("10"), "Hrs"),),
            services=(ServiceLine(EC2, "BoxUsage:m5.large", d("0.96"), d("10"), "Hrs"),),
            charges=(ChargeLine("Usage", "BoxUsage:m5.large", d("0.96")),),
        ),
    }
    # App x usage type, newest run first: [2025-10, 2025-11] refused; its newer half [2025-11]
    # answers, its older half [2025-10] is refused, so history starts 2025-11 and [2024-11] is
    # unavailable without asking. Service x usage type (current and previous month) and record
    # type x usage type then ask for 2025-11 only. 5 requests, each billed.
    assert [p["TimePeriod"] for _, p in fake.requests] == [
        {"Start": "2025-10-01", "End": "2025-12-01"},
        {"Start": "2025-11-01", "End": "2025-12-01"},
        {"Start": "2025-10-01", "End": "2025-11-01"},
        {"Start": "2025-11-01", "End": "2025-12-01"},
        {"Start": "2025-11-01", "End": "2025-12-01"},
    ]
    assert ce.requests == 5


# --- Cost categories when COST_CATEGORY_NAME is unset ---------------------------------------

# Everything under Uncategorized: web 23.552 + 4.80 = 28.352 -> 28.35 / 23.552 / 9.60,
# batch 17.00 / 8.50 / 0, Untagged 3.25 / 0 / 0, legacy 0 / 0 / 1.16; the cost center is the
# total: 48.602 -> 48.60 / 32.052 -> 32.05 / 10.76.
ALL_UNCATEGORIZED = [
    {
        "name": "Uncategorized",
        "current_cost_usd": 48.6,
        "prev_month_cost_usd": 32.05,
        "yoy_cost_usd": 10.76,
        "workloads": [
            {
                "name": "web",
                "current_cost_usd": 28.35,
                "prev_month_cost_usd": 23.55,
                "yoy_cost_usd": 9.6,
            },
            {
                "name": "batch",
                "current_cost_usd": 17.0,
                "prev_month_cost_usd": 8.5,
                "yoy_cost_usd": 0.0,
            },
            {
                "name": "Untagged",
                "current_cost_usd": 3.25,
                "prev_month_cost_usd": 0.0,
                "yoy_cost_usd": 0.0,
            },
            {
                "name": "legacy",
                "current_cost_usd": 0.0,
                "prev_month_cost_usd": 0.0,
                "yoy_cost_usd": 1.16,
            },
        ],
    }
]
# With the one category: as WITHOUT_YOY plus October 2025: Research web 9.60, Platform
# legacy 1.16 (listed last, 0 now).
BY_COST_CENTER = [
    {
        **WITHOUT_YOY[0],
        "yoy_cost_usd": 9.6,
        "workloads": [{**WITHOUT_YOY[0]["workloads"][0], "yoy_cost_usd": 9.6}],
    },
    {
        **WITHOUT_YOY[1],
        "yoy_cost_usd": 1.16,
        "workloads": [
            *WITHOUT_YOY[1]["workloads"],
            {
                "name": "legacy",
                "current_cost_usd": 0.0,
                "prev_month_cost_usd": 0.0,
                "yoy_cost_usd": 1.16,
            },
        ],
    },
    WITHOUT_YOY[2],
]


@pytest.mark.parametrize(
    ("categories", "chosen", "cost_centers", "requests", "log"),
    [
        # GetCostCategories + App x usage type (2) + services (1) + record types (2); no
        # cost-center grouping.
        pytest.param(
            (),
            None,
            ALL_UNCATEGORIZED,
            6,
            "no cost category chosen; set COST_CATEGORY_NAME names=-",
            id="none",
        ),
        # GetCostCategories + 2 + App x cost category (2) + 1 + 2 + ListCostCategoryDefinitions.
        pytest.param(
            (CATEGORY,),
            CATEGORY,
            BY_COST_CENTER,
            9,
            "using the account's only cost category name=Cost Center",
            id="one",
        ),
        pytest.param(
            (CATEGORY, "Department"),
            None,
            ALL_UNCATEGORIZED,
            6,
            "no cost category chosen; set COST_CATEGORY_NAME names=Cost Center,Department",
            id="several",
        ),
    ],
)
def test_cost_category_is_found_when_not_configured(
    s3: Any,
    caplog: pytest.LogCaptureFixture,
    categories: tuple[str, ...],
    chosen: str | None,
    cost_centers: list[dict[str, Any]],
    requests: int,
    log: str,
) -> None:
    fake = LocalCostExplorer(small_account(categories), TODAY)

    with caplog.at_level(logging.INFO):
        answer = run(s3, fake)

    assert answer["statusCode"] == 200
    summary = read_summary(s3)
    assert summary["cost_category_name"] == chosen
    assert summary["cost_centers"] == cost_centers
    assert summary["totals"] == {
        "current_cost_usd": 48.6,
        "prev_month_cost_usd": 32.05,
        "yoy_cost_usd": 10.76,
    }
    assert summary["collection"]["ce_requests"] == requests
    definitions = {"ListCostCategoryDefinitions": 1} if chosen else {}
    assert summary["collection"]["ce_requests_by_operation"] == {
        "GetCostAndUsage": requests - 1 - len(definitions),
        "GetCostCategories": 1,
        **definitions,
    }
    messages = [record.getMessage() for record in caplog.records]
    assert log in messages


# --- Exact amounts -------------------------------------------------------------------------------


def test_decimal_amounts_survive_exactly() -> None:
    # 0.0000001234 is 1.234E-7: a float would print it differently and an addition with 0.1
    # in floating point gives 0.10000012340000001; Decimal keeps 0.1000001234.
    tiny = [
        item(date(2026, 10, 3), "web", "Research", S3, "Requests-Tier2", "Requests", "1",
             "0.0000001234"),
        item(date(2026, 10, 4), "web", "Research", S3, "Requests-Tier2", "Requests", "3",
             "0.1"),
        item(date(2026, 10, 5), "batch", "Research", S3, "Requests-Tier2", "Requests", "7",
             "0.0000001234"),
    ]  # fmt: skip
    data, _ = collect_october(LocalCostExplorer(tiny, TODAY))

    usage = data[OCTOBER].usage
    assert usage == (
        UsageLine("batch", "Requests-Tier2", Decimal("0.0000001234"), d("7"), "Requests"),
        UsageLine("web", "Requests-Tier2", Decimal("0.1000001234"), d("4"), "Requests"),
    )
    assert [str(line.cost) for line in usage or ()] == ["1.234E-7", "0.1000001234"]
    assert data[OCTOBER].cost_centers == (
        CostCenterLine("batch", "Research", Decimal("0.0000001234")),
        CostCenterLine("web", "Research", Decimal("0.1000001234")),
    )
    assert data[OCTOBER].services == (
        ServiceLine(S3, "Requests-Tier2", Decimal("0.1000002468"), d("11"), "Requests"),
    )
