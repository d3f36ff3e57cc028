"""Shared helpers for the local Cost Explorer tests: line items and page merging."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dapanoskop.localce import LineItem

TODAY = date(2026, 11, 26)
S3 = "Amazon Simple Storage Service"
EC2 = "Amazon Elastic Compute Cloud - Compute"
ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"


def item(day: date, amount: str, **fields: Any) -> LineItem:
    """A line item with dull defaults; only what a test talks about needs saying."""
    defaults: dict[str, Any] = {
        "account": ACCOUNT_A,
        "service": S3,
        "usage_type": "TimedStorage-ByteHrs",
        "unit": "GB-Mo",
        "quantity": Decimal(0),
    }
    defaults.update(fields)
    if isinstance(defaults["quantity"], str):
        defaults["quantity"] = Decimal(defaults["quantity"])
    return LineItem(day=day, amount=Decimal(amount), **defaults)


def october_items() -> list[LineItem]:
    """Six October 2026 line items used by the grouping and filter tests.

    | # | day   | account | service | usage type                | unit  | amount | qty | record | region    | App   | CostCenter |
    | 1 | 10-05 | A       | S3      | TimedStorage-ByteHrs      | GB-Mo | 10.50  | 100 | Usage  | us-east-1 | web   | Research   |
    | 2 | 10-06 | A       | S3      | TimedStorage-ByteHrs      | GB-Mo |  0.25  |   5 | Usage  | us-east-1 | web   | Research   |
    | 3 | 10-07 | A       | EC2     | BoxUsage:m5.large         | Hrs   | 20     |  24 | Usage  | eu-west-1 | batch | -          |
    | 4 | 10-08 | B       | S3      | USE2-TimedStorage-ByteHrs | GB-Mo |  3.125 |  10 | Usage  | us-east-2 | -     | Ops        |
    | 5 | 10-09 | B       | Tax     | Tax                       | N/A   |  1.10  |   0 | Tax    | global    | -     | -          |
    | 6 | 10-10 | A       | S3      | TimedStorage-ByteHrs      | GB-Mo | -2.00  |   0 | Credit | us-east-1 | web   | Research   |
    Total = 10.50 + 0.25 + 20 + 3.125 + 1.10 - 2.00 = 32.975
    """  # noqa: E501 - a table reads better on one line
    web = {"App": "web"}
    research = {"CostCenter": "Research"}
    return [
        item(date(2026, 10, 5), "10.50", quantity="100", tags=web, cost_categories=research),
        item(date(2026, 10, 6), "0.25", quantity="5", tags=web, cost_categories=research),
        item(
            date(2026, 10, 7),
            "20",
            service=EC2,
            usage_type="BoxUsage:m5.large",
            unit="Hrs",
            quantity="24",
            region="eu-west-1",
            tags={"App": "batch"},
        ),
        item(
            date(2026, 10, 8),
            "3.125",
            account=ACCOUNT_B,
            usage_type="USE2-TimedStorage-ByteHrs",
            quantity="10",
            region="us-east-2",
            cost_categories={"CostCenter": "Ops"},
        ),
        item(
            date(2026, 10, 9),
            "1.10",
            account=ACCOUNT_B,
            service="Tax",
            usage_type="Tax",
            unit="N/A",
            record_type="Tax",
            region="global",
        ),
        item(
            date(2026, 10, 10),
            "-2.00",
            record_type="Credit",
            tags=web,
            cost_categories=research,
        ),
    ]


OCTOBER = {"Start": "2026-10-01", "End": "2026-11-01"}


def fetch_all(client: Any, **request: Any) -> list[dict[str, Any]]:
    """Every page of a GetCostAndUsage answer, resending the identical request with the token."""
    pages = []
    token = None
    while True:
        extra = {"NextPageToken": token} if token else {}
        page = client.get_cost_and_usage(**request, **extra)
        pages.append(page)
        token = page.get("NextPageToken")
        if not token:
            return pages


def merge_pages(pages: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(Start, End) -> all groups of that period across pages, in page order."""
    merged: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for page in pages:
        for result in page["ResultsByTime"]:
            period = (result["TimePeriod"]["Start"], result["TimePeriod"]["End"])
            merged.setdefault(period, []).extend(result["Groups"])
    return merged


def amounts(groups: list[dict[str, Any]], metric: str = "UnblendedCost") -> dict[str, str]:
    """Group key(s) joined by '|' -> the metric's Amount string."""
    return {"|".join(g["Keys"]): g["Metrics"][metric]["Amount"] for g in groups}
