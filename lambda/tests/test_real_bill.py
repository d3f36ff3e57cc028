"""A bill as a FinOps engineer reads it: databases, caches, commitments, tax, credits, refunds
and a support plan, through the handler and the local Cost Explorer, every figure by hand.

October 2026 (written on 1 November), no cost category:

| App  | service                   | usage type                 | record type             |      $ |
|------|---------------------------|----------------------------|-------------------------|--------|
| shop | RDS                       | Multi-AZUsage:db.r6g.large | Usage                   | 300.00 |
| shop | RDS                       | RDS:GP3-Storage            | Usage                   |  46.00 |
| shop | ElastiCache               | NodeUsage:cache.r6g.large  | Usage                   | 150.00 |
| -    | ElastiCache               | NodeUsage:cache.r6g.large  | Usage                   |  50.00 |
| -    | Savings Plans (Compute)   | ComputeSP:1yrNoUpfront     | SavingsPlanRecurringFee | 100.00 |
| web  | EC2                       | USE2-BoxUsage:m5.large     | Usage                   | 200.00 |
| -    | EC2                       | USE2-BoxUsage:m5.large     | Credit                  | -20.00 |
| web  | EC2                       | ZZZ1-BoxUsage:m5.large     | Usage                   |  10.00 |
| web  | S3                        | TimedStorage-ByteHrs       | Usage (1000 GB-Mo)      |  23.00 |
| -    | Tax                       | Tax                        | Tax                     |  40.00 |
| -    | EC2                       | Refund                     | Refund                  |  -5.00 |
| -    | AWS Support (Business)    | Dollar                     | Usage                   | 100.00 |
| -    | AWS Data Transfer         | DataTransfer-Out-Bytes     | Usage                   |   9.00 |

Total 1003.00. `ZZZ1-` is a region code nobody knows yet; the credit shares its usage type
with web's instance hours.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq

from dapanoskop.handler import handle
from dapanoskop.localce import LineItem, LocalCostExplorer
from tests.conftest import BUCKET

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
RDS = "Amazon Relational Database Service"
CACHE = "Amazon ElastiCache"
SP = "Savings Plans for AWS Compute usage"
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"

OCTOBER = [
    ("shop", RDS, "Multi-AZUsage:db.r6g.large", "Usage", "300.00", "744", "Hrs"),
    ("shop", RDS, "RDS:GP3-Storage", "Usage", "46.00", "400", "GB-Mo"),
    ("shop", CACHE, "NodeUsage:cache.r6g.large", "Usage", "150.00", "744", "Hrs"),
    ("", CACHE, "NodeUsage:cache.r6g.large", "Usage", "50.00", "248", "Hrs"),
    ("", SP, "ComputeSP:1yrNoUpfront", "SavingsPlanRecurringFee", "100.00", "0", "N/A"),
    ("web", EC2, "USE2-BoxUsage:m5.large", "Usage", "200.00", "2083", "Hrs"),
    ("", EC2, "USE2-BoxUsage:m5.large", "Credit", "-20.00", "0", "N/A"),
    ("web", EC2, "ZZZ1-BoxUsage:m5.large", "Usage", "10.00", "104", "Hrs"),
    ("web", S3, "TimedStorage-ByteHrs", "Usage", "23.00", "1000", "GB-Mo"),
    ("", "Tax", "Tax", "Tax", "40.00", "0", "N/A"),
    ("", EC2, "Refund", "Refund", "-5.00", "0", "N/A"),
    ("", "AWS Support (Business)", "Dollar", "Usage", "100.00", "0", "N/A"),
    ("", "AWS Data Transfer", "DataTransfer-Out-Bytes", "Usage", "9.00", "100", "GB"),
]
SEPTEMBER = [("web", EC2, "USE2-BoxUsage:m5.large", "Usage", "100.00", "1041", "Hrs")]


def items() -> list[LineItem]:
    found = []
    for day, lines in ((date(2026, 10, 15), OCTOBER), (date(2026, 9, 15), SEPTEMBER)):
        for app, service, usage_type, record_type, amount, quantity, unit in lines:
            found.append(
                LineItem(
                    day=day,
                    account="111111111111",
                    service=service,
                    usage_type=usage_type,
                    unit=unit,
                    amount=Decimal(amount),
                    quantity=Decimal(quantity),
                    record_type=record_type,
                    tags={"App": app} if app else {},
                )
            )
    return found


def run(s3: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    fake = LocalCostExplorer(items(), NOW.date())
    answer = handle({}, {"DATA_BUCKET": BUCKET}, lambda: NOW, fake.client(), s3)
    assert answer["statusCode"] == 200, answer
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())
    parquet = s3.get_object(Bucket=BUCKET, Key="2026-10/cost-by-usage-type.parquet")["Body"]
    rows = pq.read_table(io.BytesIO(parquet.read())).to_pylist()
    return summary, rows


def test_categories_follow_what_each_charge_pays_for(s3: Any) -> None:
    _, rows = run(s3)
    october = [row for row in rows if row["period"] == "2026-10"]
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for row in october:
        by_category[row["category"]] += Decimal(str(row["cost_usd"]))
    # Compute: RDS instances 300 + cache nodes 150 + 50 + Savings Plan fee 100 + EC2 200
    #   - the credit 20 billed under the same usage type (its usage type is mostly usage)
    #   + 10 behind the unknown ZZZ1- prefix = 790.
    # Storage: RDS storage 46 + S3 23 = 69. Support: tax 40 - refund 5 + support plan 100 =
    # 135 (the support plan by its service, the refund by its record type). Other: transfer 9.
    assert dict(by_category) == {
        "Compute": Decimal("790.00"),
        "Storage": Decimal("69.00"),
        "Support": Decimal("135.00"),
        "Other": Decimal("9.00"),
    }
    categories = {(row["workload"], row["usage_type"]): row["category"] for row in october}
    assert categories[("web", "ZZZ1-BoxUsage:m5.large")] == "Compute"
    assert categories[("Untagged", "Dollar")] == "Support"
    assert categories[("Untagged", "ComputeSP:1yrNoUpfront")] == "Compute"


def test_coverage_counts_taggable_usage_and_reports_untaggable_cost(s3: Any) -> None:
    summary, _ = run(s3)
    # Untaggable, by record type and service: tax 40 - credit 20 - refund 5 + support 100
    #   = 115. Tagged usage: shop 300 + 46 + 150, web 200 + 10 + 23 = 729. Untagged usage:
    #   cache 50 + Savings Plan fee 100 + transfer 9 = 159 (the untagged rows, 274, less the
    #   115 that cannot carry a tag). 729 / 888 = 82.09 % -> 82.1.
    assert summary["tagging_coverage"] == {
        "tagged_cost_usd": 729.0,
        "untagged_cost_usd": 159.0,
        "tagged_percentage": 82.1,
        "untaggable_cost_usd": 115.0,
    }
    assert summary["totals"]["current_cost_usd"] == 1003.0
    # Storage metrics keep their service scope: S3 only (RDS storage is Storage, not S3).
    # 23.00 on 1000 GB-Mo: per TiB 23 x 1024 / 1000 = 23.552 -> 23.55.
    assert summary["storage_metrics"]["total_cost_usd"] == 23.0
    assert summary["storage_metrics"]["cost_per_tb_usd"] == 23.55
    assert [c["storage_class"] for c in summary["storage_classes"]] == ["S3 Standard"]
    assert summary["schema_version"] == 2
