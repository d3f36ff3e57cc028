# ruff: noqa: E501 - one bill line per line reads better than wrapped ones
"""The account of the end-to-end test: a small university cloud, written out as bill lines.

Three cost centers (cost category "Cost Center": Research, Platform, Teaching; tax, a credit and
some transfer are not covered), twelve workloads (tag App) plus untagged spend, and
`genome-pipeline` split across Research and Platform. Each cost center has its own account.
Every amount is a price list rate times a round quantity, so the expected numbers in
`test_end_to_end.py` can be worked out on paper.

October 2026 is the month under test; September 2026 and October 2025 are its comparisons.
August 2026 and November 2025 hold lines that must not show up anywhere.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from dapanoskop.localce import LineItem

COST_CATEGORY = "Cost Center"
TAG_KEY = "App"

S3 = "Amazon Simple Storage Service"
EFS = "Amazon Elastic File System"
EC2 = "Amazon Elastic Compute Cloud - Compute"
EC2_OTHER = "EC2 - Other"  # EBS volumes, IOPS and snapshots
LAMBDA = "AWS Lambda"
ECS = "Amazon Elastic Container Service"  # Fargate
TRANSFER = "AWS Data Transfer"
TAX = "Tax"

ACCOUNTS = {
    "Research": "111111111111",
    "Platform": "222222222222",
    "Teaching": "333333333333",
    None: "444444444444",  # the management account: tax, credits, shared transfer
}
REGIONS = {"USE2": "us-east-2", "EU": "eu-west-1"}  # no prefix: us-east-1


class Line(NamedTuple):
    """One bill line; `app` / `cost_center` None = no tag / not covered by the category."""

    day: int
    app: str | None
    cost_center: str | None
    service: str
    usage_type: str
    unit: str
    quantity: str
    amount: str
    record_type: str = "Usage"


# fmt: off
OCTOBER_2026 = [
    # Research
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-ByteHrs", "GB-Mo", "2048", "47.104"),  # 0.023/GB
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-INT-FA-ByteHrs", "GB-Mo", "1024", "23.552"),
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-INT-IA-ByteHrs", "GB-Mo", "3072", "38.40"),  # 0.0125/GB
    Line(10, "genome-pipeline", "Research", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "360", "61.20"),  # 0.17/h
    Line(20, "genome-pipeline", "Research", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "360", "61.20"),
    Line(10, "imaging", "Research", EC2, "BoxUsage:g4dn.xlarge", "Hrs", "100", "52.60"),
    Line(10, "imaging", "Research", S3, "USE2-TimedStorage-SIA-ByteHrs", "GB-Mo", "1024", "12.80"),
    Line(10, "imaging", "Research", S3, "USE2-EarlyDelete-SIA", "GB-Mo", "96", "1.20"),
    Line(10, "hpc-scheduler", "Research", EC2, "BoxUsage:m5.large", "Hrs", "720", "69.12"),
    Line(10, "analytics", "Research", LAMBDA, "EU-Lambda-GB-Second", "Lambda-GB-Second", "1000000", "16.6667"),
    Line(10, "analytics", "Research", LAMBDA, "EU-Request", "Requests", "2000000", "0.40"),
    # Platform
    Line(10, "genome-pipeline", "Platform", S3, "TimedStorage-GlacierByteHrs", "GB-Mo", "1024", "4.096"),  # 0.004/GB
    Line(10, "data-lake", "Platform", S3, "TimedStorage-ByteHrs", "GB-Mo", "1024", "23.552"),
    Line(10, "data-lake", "Platform", S3, "Requests-Tier1", "Requests", "1000000", "5.00"),
    Line(10, "ci-runners", "Platform", ECS, "USE2-Fargate-vCPU-Hours:perCPU", "hours", "1000", "40.48"),
    Line(10, "ci-runners", "Platform", ECS, "USE2-Fargate-GB-Hours", "hours", "2000", "8.885"),
    Line(10, "billing-api", "Platform", LAMBDA, "Lambda-GB-Second", "Lambda-GB-Second", "500000", "8.33335"),
    Line(10, "billing-api", "Platform", TRANSFER, "DataTransfer-Out-Bytes", "GB", "100", "9.00"),
    Line(10, "backups", "Platform", EC2_OTHER, "EBS:SnapshotUsage", "GB-Mo", "2048", "102.40"),
    Line(10, "orders-db", "Platform", EC2_OTHER, "USE2-EBS:VolumeUsage.gp3", "GB-Mo", "1024", "81.92"),
    Line(10, "orders-db", "Platform", EC2_OTHER, "USE2-EBS:VolumeP-IOPS.piops", "IOPS-Mo", "3000", "195.00"),
    Line(10, None, "Platform", S3, "TimedStorage-GDA-ByteHrs", "GB-Mo", "2048", "2.02752"),
    # Teaching
    Line(10, "web-portal", "Teaching", EFS, "TimedStorage-ByteHrs", "GB-Mo", "512", "153.60"),
    Line(10, "web-portal", "Teaching", EFS, "IATimedStorage-ByteHrs", "GB-Mo", "1024", "25.60"),
    Line(10, "web-portal", "Teaching", S3, "TimedStorage-ByteHrs", "GB-Mo", "256", "5.888"),
    Line(10, "web-portal", "Teaching", EC2, "EU-BoxUsage:t3.medium", "Hrs", "720", "32.832"),
    Line(10, "lms", "Teaching", EC2, "BoxUsage:t3.large", "Hrs", "720", "59.904"),
    Line(10, "lms", "Teaching", TRANSFER, "EU-DataTransfer-Out-Bytes", "GB", "50", "4.50"),
    Line(10, "notebooks", "Teaching", ECS, "Fargate-vCPU-Hours:perCPU", "hours", "200", "8.096"),
    Line(10, "notebooks", "Teaching", EC2_OTHER, "EBS:VolumeUsage.gp2", "GB-Mo", "128", "12.80"),
    # Not covered by the cost category
    Line(10, None, None, TRANSFER, "USE2-USE1-AWS-Out-Bytes", "GB", "200", "4.00"),
    Line(31, None, None, TAX, "Tax", "N/A", "0", "62.25", "Tax"),
    Line(31, None, None, S3, "Credit", "N/A", "0", "-25.00", "Credit"),
]

SEPTEMBER_2026 = [
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-ByteHrs", "GB-Mo", "2048", "47.104"),
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-INT-FA-ByteHrs", "GB-Mo", "512", "11.776"),
    Line(10, "genome-pipeline", "Research", S3, "TimedStorage-INT-IA-ByteHrs", "GB-Mo", "2048", "25.60"),
    Line(10, "genome-pipeline", "Research", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "600", "102.00"),
    Line(10, "imaging", "Research", EC2, "BoxUsage:g4dn.xlarge", "Hrs", "50", "26.30"),
    Line(10, "hpc-scheduler", "Research", EC2, "BoxUsage:m5.large", "Hrs", "720", "69.12"),
    Line(10, "genome-pipeline", "Platform", S3, "TimedStorage-GlacierByteHrs", "GB-Mo", "1024", "4.096"),
    Line(10, "data-lake", "Platform", S3, "TimedStorage-ByteHrs", "GB-Mo", "1024", "23.552"),
    Line(10, "ci-runners", "Platform", ECS, "USE2-Fargate-vCPU-Hours:perCPU", "hours", "500", "20.24"),
    Line(10, "billing-api", "Platform", LAMBDA, "Lambda-GB-Second", "Lambda-GB-Second", "400000", "6.66668"),
    Line(10, "backups", "Platform", EC2_OTHER, "EBS:SnapshotUsage", "GB-Mo", "1024", "51.20"),
    Line(10, "orders-db", "Platform", EC2_OTHER, "USE2-EBS:VolumeUsage.gp3", "GB-Mo", "1024", "81.92"),
    Line(10, None, "Platform", S3, "TimedStorage-GDA-ByteHrs", "GB-Mo", "2048", "2.02752"),
    Line(10, "web-portal", "Teaching", EFS, "TimedStorage-ByteHrs", "GB-Mo", "512", "153.60"),
    Line(10, "lms", "Teaching", EC2, "BoxUsage:t3.large", "Hrs", "720", "59.904"),
    Line(30, None, None, TAX, "Tax", "N/A", "0", "50.00", "Tax"),
]

OCTOBER_2025 = [
    Line(10, "genome-pipeline", "Research", EC2, "USE2-BoxUsage:c5.xlarge", "Hrs", "720", "122.40"),
    Line(10, "legacy-wiki", "Teaching", EC2, "BoxUsage:t2.medium", "Hrs", "720", "33.408"),
    Line(10, "lms", "Teaching", EC2, "BoxUsage:t3.large", "Hrs", "360", "29.952"),
    Line(31, None, None, TAX, "Tax", "N/A", "0", "20.00", "Tax"),
]

# Outside the three windows: these must not change any number.
NOISE = {
    (2026, 8): [Line(10, "genome-pipeline", "Research", EC2, "BoxUsage:m5.large", "Hrs", "1", "999.99")],
    (2025, 11): [Line(1, "legacy-wiki", "Teaching", S3, "TimedStorage-ByteHrs", "GB-Mo", "9", "888.88")],
}
# fmt: on


def _region(usage_type: str) -> str:
    prefix, sep, _ = usage_type.partition("-")
    return REGIONS.get(prefix, "us-east-1") if sep else "us-east-1"


def _item(year: int, month: int, line: Line) -> LineItem:
    return LineItem(
        day=date(year, month, line.day),
        account=ACCOUNTS[line.cost_center],
        service=line.service,
        usage_type=line.usage_type,
        unit=line.unit,
        amount=Decimal(line.amount),
        quantity=Decimal(line.quantity),
        record_type=line.record_type,
        region="global" if line.service == TAX else _region(line.usage_type),
        tags={TAG_KEY: line.app} if line.app else {},
        cost_categories={COST_CATEGORY: line.cost_center} if line.cost_center else {},
    )


def line_items() -> list[LineItem]:
    """Every line of the account, as the local Cost Explorer takes them."""
    months = {
        (2026, 10): OCTOBER_2026,
        (2026, 9): SEPTEMBER_2026,
        (2025, 10): OCTOBER_2025,
        **NOISE,
    }
    return [_item(year, month, line) for (year, month), lines in months.items() for line in lines]
