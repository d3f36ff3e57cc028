"""The static tables of the demo organization: accounts, workloads, their bill lines, events.

`demo_org` turns these into daily line items. Sizes are the level at the start of the current
month; the generator grows them backwards in time, so the organization looks the same size
whatever the day the demo runs. Prices are public us-east-1 list prices (2025), scaled per
region by `REGION_PRICE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

# Services as Cost Explorer names them (SERVICE dimension).
S3 = "Amazon Simple Storage Service"
EFS = "Amazon Elastic File System"
EC2 = "Amazon Elastic Compute Cloud - Compute"
EC2_OTHER = "EC2 - Other"
LAMBDA = "AWS Lambda"
ECS = "Amazon Elastic Container Service"
RDS = "Amazon Relational Database Service"
ELASTICACHE = "Amazon ElastiCache"
SAVINGS_PLANS = "Savings Plans for AWS Compute usage"
SUPPORT_BUSINESS = "AWS Support (Business)"
CLOUDWATCH = "AmazonCloudWatch"
VPC = "Amazon Virtual Private Cloud"
CLOUDTRAIL = "AWS CloudTrail"
CONFIG = "AWS Config"
TAX_SERVICE = "Tax"

# Cost centers (values of the "Cost Center" cost category).
RESEARCH = "Research"
PLATFORM = "Platform"
RETAIL = "Retail"
DATA = "Data"
SHARED = "Shared Services"
COST_CENTERS = (RESEARCH, PLATFORM, RETAIL, DATA, SHARED)

# Linked accounts, each with the cost center its account rule assigns (None: not covered).
MANAGEMENT = "184726395011"
NETWORK = "263918470522"
LOG_ARCHIVE = "305617284933"
BACKUP = "427381956044"
PLATFORM_PROD = "518209637455"
RETAIL_PROD = "609374815266"
RETAIL_STAGING = "712846350977"
DATA_LAKE = "836150492788"
ANALYTICS = "947263018599"
RESEARCH_HPC = "150384726610"
RESEARCH_LAB = "271495837021"
SANDBOX = "392506948132"
# The names the organization gave its accounts (Cost Explorer's DimensionValueAttributes,
# CUR's line_item_usage_account_name).
ACCOUNT_NAMES: dict[str, str] = {
    MANAGEMENT: "management",
    NETWORK: "network",
    LOG_ARCHIVE: "log-archive",
    BACKUP: "backup",
    PLATFORM_PROD: "platform-prod",
    RETAIL_PROD: "retail-prod",
    RETAIL_STAGING: "retail-staging",
    DATA_LAKE: "data-lake",
    ANALYTICS: "analytics",
    RESEARCH_HPC: "research-hpc",
    RESEARCH_LAB: "research-lab",
    SANDBOX: "sandbox",
}
ACCOUNT_COST_CENTER: dict[str, str | None] = {
    MANAGEMENT: SHARED,
    NETWORK: SHARED,
    LOG_ARCHIVE: SHARED,
    BACKUP: SHARED,
    PLATFORM_PROD: PLATFORM,
    RETAIL_PROD: RETAIL,
    RETAIL_STAGING: RETAIL,
    DATA_LAKE: DATA,
    ANALYTICS: DATA,
    RESEARCH_HPC: RESEARCH,
    RESEARCH_LAB: RESEARCH,
    SANDBOX: None,
}

# us-east-1 usage types carry no prefix (shared/aws-facts.md §2.1).
REGION_PREFIX = {"us-east-1": "", "us-east-2": "USE2-", "eu-west-1": "EU-", "eu-central-1": "EUC1-"}
REGION_PRICE = {
    "us-east-1": Decimal(1),
    "us-east-2": Decimal(1),
    "eu-west-1": Decimal("1.05"),
    "eu-central-1": Decimal("1.08"),
}

TB = 1024  # GB per TB (GB = 2^30 bytes, as Cost Explorer counts them)
# Units counted in whole numbers: their quantities are integers, as on a bill.
COUNTED_UNITS = frozenset({"Requests", "Events", "ConfigurationItemRecorded"})


class Shape(StrEnum):
    """How a line's daily quantity moves around its trend."""

    STORED = "stored"  # capacity (GB-Mo, IOPS-Mo, metrics): smooth, billed per day of the month
    STEADY = "steady"  # always-on fleets: a few percent of autoscaling
    BURSTY = "bursty"  # batch jobs, requests, transfer: large day-to-day swings
    WEEKDAY = "weekday"  # office-hours work: a fraction on weekends


@dataclass(frozen=True)
class Reservation:
    """Reserved instances bought all-upfront for `term_months` on the 1st of a month.

    UnblendedCost shows the whole fee on the purchase day and the covered hours at zero;
    AmortizedCost spreads the fee over the covered hours at `effective_hourly`.
    """

    instances: int
    effective_hourly: Decimal
    months_before_current: int
    term_months: int = 12
    hours_in_term: int = 8760
    fee_usage_type: str = ""

    @property
    def fee(self) -> Decimal:
        return self.instances * self.hours_in_term * self.effective_hourly


@dataclass(frozen=True)
class Line:
    """One usage type a workload runs up every day.

    `size` is the level at the start of the current month: the capacity held (GB, IOPS, MiB/s,
    metrics) for STORED lines, whose day's quantity is size / days in month (so a month sums
    to the average held), the quantity per day for the others.
    """

    service: str
    usage_type: str
    unit: str
    price: Decimal
    size: float
    shape: Shape
    region: str = "us-east-1"
    growth: float | None = None  # per month; None: the workload's
    account: str | None = None  # None: the workload's
    cost_center: str | None = None  # None: the workload's (set for the split workload)
    spot: bool = False  # the price moves day to day
    reservation: Reservation | None = None


@dataclass(frozen=True)
class Workload:
    """A value of the App tag (None: spend that is never tagged) and its bill lines.

    `untagged` is the share of its spend that was untagged before the tagging campaign; the
    campaign shrinks it month by month.
    """

    name: str | None
    cost_center: str | None
    account: str
    growth: float
    lines: tuple[Line, ...]
    untagged: float = 0.0
    seasonal: bool = False  # retail peak in November and December


def _line(
    service: str,
    bare: str,
    unit: str,
    price: str,
    size: float,
    shape: Shape,
    region: str = "us-east-1",
    **options: Any,
) -> Line:
    """A line in `region`: its usage type gets the region's prefix, its price the region's."""
    return Line(
        service=service,
        usage_type=REGION_PREFIX[region] + bare,
        unit=unit,
        price=Decimal(price) * REGION_PRICE[region],
        size=size,
        shape=shape,
        region=region,
        **options,
    )


def stored(
    service: str,
    bare: str,
    price: str,
    size: float,
    region: str = "us-east-1",
    *,
    unit: str = "GB-Mo",
    **options: Any,
) -> Line:
    return _line(service, bare, unit, price, size, Shape.STORED, region, **options)


def s3(
    storage_class: str, price: str, terabytes: float, region: str = "us-east-1", **options: Any
) -> Line:
    """S3 storage of one class: `storage_class` is the usage type's middle, e.g. `INT-FA-`."""
    bare = f"TimedStorage-{storage_class}ByteHrs"
    return stored(S3, bare, price, terabytes * TB, region, **options)


def hours(
    service: str,
    bare: str,
    price: str,
    units: float,
    shape: Shape,
    region: str = "us-east-1",
    **options: Any,
) -> Line:
    """Hourly usage of `units` things running all day (instances, vCPUs, GB, gateways)."""
    return _line(service, bare, "Hrs", price, units * 24, shape, region, **options)


def flow(
    service: str,
    bare: str,
    unit: str,
    price: str,
    per_day: float,
    shape: Shape,
    region: str = "us-east-1",
    **options: Any,
) -> Line:
    return _line(service, bare, unit, price, per_day, shape, region, **options)


STEADY, BURSTY, WEEKDAY = Shape.STEADY, Shape.BURSTY, Shape.WEEKDAY
S3_STANDARD, INT_FA, INT_IA, INT_AIA = "0.023", "0.023", "0.0125", "0.004"
INT_AA, INT_DAA, SIA, ZIA = "0.0036", "0.00099", "0.0125", "0.01"
GIR, GLACIER, GDA = "0.004", "0.0036", "0.00099"
LAMBDA_GBS, LAMBDA_GBS_ARM, LAMBDA_REQUEST = "0.0000166667", "0.0000133334", "0.0000002"
FARGATE_VCPU, FARGATE_GB = "0.04048", "0.004445"
TIER1, TIER2 = "0.000005", "0.0000004"

MOVING_WORKLOAD = "recommendations"  # from Research to Data, see MOVE_MONTHS_BEFORE_CURRENT
MOVED_TO = DATA
MOVE_MONTHS_BEFORE_CURRENT = 1  # the move happens on the 1st of the last complete month
SPLIT_WORKLOAD = "etl-jobs"  # Fargate in the data lake (Data), Lambda in retail (Retail)

# fmt: off
WORKLOADS: tuple[Workload, ...] = (
    # --- Research -------------------------------------------------------------------------
    Workload("genome-pipeline", RESEARCH, RESEARCH_HPC, growth=0.04, untagged=0.30, lines=(
        hours(EC2, "SpotUsage:c6i.4xlarge", "0.26", 30, BURSTY, "us-east-2", spot=True),
        hours(EC2, "BoxUsage:c6i.4xlarge", "0.68", 4, STEADY, "us-east-2"),
        s3("INT-FA-", INT_FA, 60, "us-east-2", growth=0.01),
        s3("INT-IA-", INT_IA, 120, "us-east-2", growth=0.03),
        s3("INT-AIA-", INT_AIA, 200, "us-east-2", growth=0.06),
        s3("INT-AA-", INT_AA, 150, "us-east-2", growth=0.07),
        s3("INT-DAA-", INT_DAA, 300, "us-east-2", growth=0.09),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 2e6, BURSTY, "us-east-2"),
        flow(S3, "Requests-Tier2", "Requests", TIER2, 20e6, BURSTY, "us-east-2"),
        stored(EFS, "TimedStorage-ByteHrs", "0.30", 8 * TB, "us-east-2"),
        stored(EFS, "IATimedStorage-ByteHrs", "0.016", 30 * TB, "us-east-2", growth=0.06),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 15 * TB, "us-east-2"),
        flow(EC2_OTHER, "DataTransfer-Regional-Bytes", "GB", "0.01", 5000, BURSTY, "us-east-2"),
    )),
    Workload("protein-folding", RESEARCH, RESEARCH_HPC, growth=0.03, untagged=0.20, lines=(
        hours(EC2, "BoxUsage:g5.2xlarge", "1.212", 6, STEADY, "eu-central-1"),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 6 * TB, "eu-central-1"),
        s3("", S3_STANDARD, 40, "eu-central-1", growth=0.02),
        s3("SIA-", SIA, 80, "eu-central-1", growth=0.05),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 0.5e6, BURSTY, "eu-central-1"),
    )),
    Workload("climate-model", RESEARCH, RESEARCH_LAB, growth=0.02, untagged=0.15, lines=(
        hours(EC2, "BoxUsage:c6i.8xlarge", "1.36", 5, BURSTY),
        stored(EFS, "TimedStorage-ByteHrs", "0.30", 5 * TB),
        stored(EFS, "ArchiveTimedStorage-ByteHrs", "0.008", 100 * TB, growth=0.06),
        stored(EC2_OTHER, "EBS:VolumeUsage.piops", "0.125", 4 * TB),
        stored(EC2_OTHER, "EBS:VolumeP-IOPS.piops", "0.065", 20000, unit="IOPS-Mo"),
        s3("Glacier", GLACIER, 250, growth=0.05),
        flow(S3, "EarlyDelete-ByteHrs", "GB-Mo", GLACIER, 1400, BURSTY),
    )),
    Workload("lab-notebooks", RESEARCH, RESEARCH_LAB, growth=0.03, untagged=0.10, lines=(
        flow(ECS, "Fargate-vCPU-Hours:perCPU", "hours", FARGATE_VCPU, 800, WEEKDAY),
        flow(ECS, "Fargate-GB-Hours", "hours", FARGATE_GB, 3200, WEEKDAY),
        stored(EFS, "TimedStorage-ByteHrs", "0.30", 1 * TB),
    )),
    Workload(MOVING_WORKLOAD, RESEARCH, RESEARCH_HPC, growth=0.06, untagged=0.10, lines=(
        hours(EC2, "BoxUsage:g5.xlarge", "1.006", 4, STEADY),
        flow(LAMBDA, "Lambda-GB-Second", "Lambda-GB-Second", LAMBDA_GBS, 3e6, BURSTY),
        flow(LAMBDA, "Request", "Requests", LAMBDA_REQUEST, 5e6, BURSTY),
        s3("", S3_STANDARD, 20),
    )),
    # --- Platform -------------------------------------------------------------------------
    Workload("eks-platform", PLATFORM, PLATFORM_PROD, growth=0.025, untagged=0.05, lines=(
        hours(EC2, "BoxUsage:m6i.2xlarge", "0.384", 20, STEADY, reservation=Reservation(
            instances=8, effective_hourly=Decimal("0.227"), months_before_current=7,
            fee_usage_type="HeavyUsage:m6i.2xlarge")),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 20 * TB),
        stored(EC2_OTHER, "EBS:VolumeP-Throughput.gp3", "0.04", 4000, unit="MiBps-Mo"),
        stored(EC2_OTHER, "EBS:VolumeP-IOPS.gp3", "0.005", 30000, unit="IOPS-Mo"),
        hours(EC2_OTHER, "NatGateway-Hours", "0.045", 3, STEADY),
        flow(EC2_OTHER, "NatGateway-Bytes", "GB", "0.045", 2000, BURSTY),
        flow(EC2_OTHER, "DataTransfer-Regional-Bytes", "GB", "0.01", 3000, BURSTY),
    )),
    Workload("ci-runners", PLATFORM, PLATFORM_PROD, growth=0.03, untagged=0.10, lines=(
        hours(EC2, "SpotUsage:c6i.2xlarge", "0.13", 50, WEEKDAY, spot=True),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 5 * TB),
        s3("", S3_STANDARD, 30),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 5e6, WEEKDAY),
        flow(S3, "Requests-Tier2", "Requests", TIER2, 50e6, WEEKDAY),
        flow(EC2_OTHER, "DataTransfer-Out-Bytes", "GB", "0.09", 300, WEEKDAY),
    )),
    Workload("observability", PLATFORM, PLATFORM_PROD, growth=0.03, untagged=0.05, lines=(
        stored(CLOUDWATCH, "CW:MetricMonitorUsage", "0.30", 20000, unit="Metrics"),
        flow(CLOUDWATCH, "CW:Requests", "Requests", "0.00001", 2e6, BURSTY),
        flow(CLOUDWATCH, "DataProcessing-Bytes", "GB", "0.50", 150, BURSTY),
        # CloudWatch Logs storage shares its usage type with S3 and EFS Standard.
        stored(CLOUDWATCH, "TimedStorage-ByteHrs", "0.03", 40 * TB),
        hours(EC2, "BoxUsage:r6i.xlarge", "0.252", 6, STEADY),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 10 * TB),
        s3("GIR-", GIR, 200, growth=0.05),
    )),
    Workload("identity", PLATFORM, PLATFORM_PROD, growth=0.02, lines=(
        flow(LAMBDA, "Lambda-GB-Second-ARM", "Lambda-GB-Second", LAMBDA_GBS_ARM, 1.5e6, STEADY),
        flow(LAMBDA, "Request-ARM", "Requests", LAMBDA_REQUEST, 30e6, STEADY),
    )),
    # --- Retail (peaks in November and December) ------------------------------------------
    Workload("webshop", RETAIL, RETAIL_PROD, growth=0.025, untagged=0.35, seasonal=True, lines=(
        hours(EC2, "BoxUsage:m6i.xlarge", "0.192", 30, STEADY),
        hours(EC2, "BoxUsage:m6i.xlarge", "0.192", 12, STEADY, "eu-west-1"),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp2", "0.10", 15 * TB, growth=-0.05),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 10 * TB, growth=0.06),
        flow(EC2_OTHER, "DataTransfer-Out-Bytes", "GB", "0.09", 1500, BURSTY),
        flow(EC2_OTHER, "DataTransfer-Out-Bytes", "GB", "0.09", 600, BURSTY, "eu-west-1"),
        hours(RDS, "Multi-AZUsage:db.r6g.2xlarge", "1.642", 2, STEADY),
        # RDS storage is GB-Mo too, but RDS is not a storage service of the report.
        stored(RDS, "RDS:Multi-AZ-GP3-Storage", "0.23", 4 * TB),
        # The staging copy runs in its own account during office hours.
        hours(EC2, "BoxUsage:t3.large", "0.0832", 10, WEEKDAY, account=RETAIL_STAGING),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp2", "0.10", 2 * TB, account=RETAIL_STAGING),
    )),
    Workload("checkout", RETAIL, RETAIL_PROD, growth=0.03, untagged=0.15, seasonal=True, lines=(
        flow(LAMBDA, "Lambda-GB-Second", "Lambda-GB-Second", LAMBDA_GBS, 4e6, BURSTY),
        flow(LAMBDA, "Request", "Requests", LAMBDA_REQUEST, 40e6, BURSTY),
        flow(ECS, "Fargate-vCPU-Hours:perCPU", "hours", FARGATE_VCPU, 48 * 24, STEADY),
        flow(ECS, "Fargate-GB-Hours", "hours", FARGATE_GB, 192 * 24, STEADY),
        hours(RDS, "Multi-AZUsage:db.r6g.large", "0.411", 1, STEADY),
        hours(ELASTICACHE, "NodeUsage:cache.r6g.large", "0.206", 3, STEADY),
    )),
    Workload("product-catalog", RETAIL, RETAIL_PROD, growth=0.04, untagged=0.25, seasonal=True,
             lines=(
        s3("", S3_STANDARD, 80, growth=0.02),
        s3("INT-FA-", INT_FA, 50, growth=0.01),
        s3("INT-IA-", INT_IA, 150, growth=0.04),
        s3("INT-AIA-", INT_AIA, 100, growth=0.08),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 5e6, BURSTY),
        flow(S3, "Requests-Tier2", "Requests", TIER2, 200e6, BURSTY),
        flow(S3, "DataTransfer-Out-Bytes", "GB", "0.09", 800, BURSTY),
        flow(LAMBDA, "Lambda-GB-Second-ARM", "Lambda-GB-Second", LAMBDA_GBS_ARM, 2e6, BURSTY),
    )),
    Workload("search", RETAIL, RETAIL_PROD, growth=0.03, untagged=0.20, seasonal=True, lines=(
        hours(EC2, "BoxUsage:r6g.2xlarge", "0.4032", 9, STEADY),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 12 * TB),
        stored(EC2_OTHER, "EBS:VolumeP-IOPS.gp3", "0.005", 60000, unit="IOPS-Mo"),
        stored(EC2_OTHER, "EBS:SnapshotUsage", "0.05", 30 * TB),
    )),
    # --- Data -----------------------------------------------------------------------------
    Workload("data-lake", DATA, DATA_LAKE, growth=0.04, untagged=0.25, lines=(
        s3("", S3_STANDARD, 150, "us-east-2", growth=0.02),
        s3("INT-FA-", INT_FA, 100, "us-east-2", growth=0.01),
        s3("INT-IA-", INT_IA, 300, "us-east-2", growth=0.03),
        s3("INT-AIA-", INT_AIA, 500, "us-east-2", growth=0.06),
        s3("SIA-", SIA, 200, "us-east-2", growth=0.02),
        s3("ZIA-", ZIA, 80, "us-east-2", growth=0.01),
        s3("GIR-", GIR, 400, "us-east-2", growth=0.05),
        s3("Glacier", GLACIER, 600, "us-east-2", growth=0.06),
        s3("GDA-", GDA, 2000, "us-east-2", growth=0.08),
        flow(S3, "EarlyDelete-SIA", "GB-Mo", SIA, 200, BURSTY, "us-east-2"),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 10e6, BURSTY, "us-east-2"),
        flow(S3, "Requests-Tier2", "Requests", TIER2, 300e6, BURSTY, "us-east-2"),
    )),
    Workload(SPLIT_WORKLOAD, DATA, DATA_LAKE, growth=0.03, untagged=0.15, lines=(
        flow(ECS, "Fargate-vCPU-Hours:perCPU", "hours", FARGATE_VCPU, 2000, BURSTY, "us-east-2"),
        flow(ECS, "Fargate-GB-Hours", "hours", FARGATE_GB, 8000, BURSTY, "us-east-2"),
        flow(LAMBDA, "Lambda-GB-Second", "Lambda-GB-Second", LAMBDA_GBS, 3e6, BURSTY,
             account=RETAIL_PROD, cost_center=RETAIL),
        flow(LAMBDA, "Request", "Requests", LAMBDA_REQUEST, 10e6, BURSTY,
             account=RETAIL_PROD, cost_center=RETAIL),
    )),
    Workload("bi-dashboards", DATA, ANALYTICS, growth=0.02, untagged=0.20, lines=(
        hours(EC2, "BoxUsage:r6i.2xlarge", "0.504", 4, WEEKDAY),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp2", "0.10", 8 * TB, growth=-0.03),
        stored(EC2_OTHER, "EBS:SnapshotUsage", "0.05", 20 * TB),
    )),
    # --- Shared Services ------------------------------------------------------------------
    Workload("backup", SHARED, BACKUP, growth=0.03, untagged=0.10, lines=(
        stored(EC2_OTHER, "EBS:SnapshotUsage", "0.05", 80 * TB),
        s3("Glacier", GLACIER, 300),
        s3("GDA-", GDA, 1000, growth=0.05),
        s3("GDA-", GDA, 1000, "us-east-2", growth=0.05),
        # Cross-region replication to us-east-2: inter-region usage types carry both codes.
        Line(S3, "USE1-USE2-AWS-Out-Bytes", "GB", Decimal("0.02"), 3000, BURSTY),
    )),
    Workload("log-archive", SHARED, LOG_ARCHIVE, growth=0.03, lines=(
        s3("", S3_STANDARD, 20, "eu-west-1"),
        s3("SIA-", SIA, 100, "eu-west-1"),
        s3("GIR-", GIR, 300, "eu-west-1", growth=0.04),
        s3("Glacier", GLACIER, 500, "eu-west-1", growth=0.05),
        s3("GDA-", GDA, 2000, "eu-west-1", growth=0.07),
        flow(S3, "EarlyDelete-GDA", "GB-Mo", GDA, 3000, BURSTY, "eu-west-1"),
        flow(S3, "Requests-Tier1", "Requests", TIER1, 3e6, STEADY, "eu-west-1"),
    )),
    Workload("network", SHARED, NETWORK, growth=0.02, lines=(
        hours(EC2_OTHER, "NatGateway-Hours", "0.045", 6, STEADY),
        flow(EC2_OTHER, "NatGateway-Bytes", "GB", "0.045", 5000, BURSTY),
        hours(EC2_OTHER, "NatGateway-Hours", "0.045", 3, STEADY, "eu-west-1"),
        flow(EC2_OTHER, "NatGateway-Bytes", "GB", "0.045", 1500, BURSTY, "eu-west-1"),
        Line(EC2_OTHER, "USE1-USE2-AWS-Out-Bytes", "GB", Decimal("0.02"), 4000, BURSTY),
        # Inbound transfer is free: a line with quantity and no cost.
        Line(EC2_OTHER, "USE2-USE1-AWS-In-Bytes", "GB", Decimal(0), 4000, BURSTY, "us-east-2"),
        hours(VPC, "TransitGateway-Hours", "0.05", 12, STEADY),
        flow(VPC, "TransitGateway-Bytes", "GB", "0.02", 3000, BURSTY),
    )),
    # --- Sandbox: no cost center ----------------------------------------------------------
    Workload("hackathon", None, SANDBOX, growth=0.05, untagged=0.30, lines=(
        hours(EC2, "BoxUsage:t3.large", "0.0832", 20, WEEKDAY),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp3", "0.08", 2 * TB),
        s3("", S3_STANDARD, 5),
    )),
    # --- Never tagged: organization plumbing ----------------------------------------------
    Workload(None, SHARED, MANAGEMENT, growth=0.02, lines=(
        s3("", S3_STANDARD, 30),  # the organization trail
        flow(CLOUDTRAIL, "PaidEventsRecorded", "Events", "0.00002", 2e6, STEADY),
        flow(CONFIG, "ConfigurationItemRecorded", "ConfigurationItemRecorded", "0.003", 5000,
             BURSTY),
        hours(VPC, "VpcEndpoint-Hours", "0.01", 40, STEADY, account=NETWORK),
    )),
    Workload(None, None, SANDBOX, growth=0.04, lines=(
        hours(EC2, "BoxUsage:t3.medium", "0.0416", 30, WEEKDAY),
        stored(EC2_OTHER, "EBS:VolumeUsage.gp2", "0.10", 3 * TB),
    )),
)
# fmt: on


@dataclass(frozen=True)
class Incident:
    """Instances left running by mistake for some days, refunded by AWS the month after."""

    account: str
    usage_type: str
    price: Decimal
    instances: int
    months_before_current: int
    first_day: int
    days: int
    refund_day: int

    @property
    def cost(self) -> Decimal:
        return self.instances * 24 * self.days * self.price


RUNAWAY = Incident(
    account=SANDBOX,
    usage_type="BoxUsage:p4d.24xlarge",
    price=Decimal("32.7726"),
    instances=1,
    months_before_current=5,
    first_day=3,
    days=9,
    refund_day=15,
)

# Research credits: a share of the research HPC account's EC2 compute, credited daily.
CREDIT_ACCOUNT = RESEARCH_HPC
CREDIT_SHARE = Decimal("0.10")
CREDIT_MONTHS_BEFORE_CURRENT = 9  # the grant started then and is still running
CREDIT_USAGE_TYPE = "Credit"

TAX_RATE = Decimal("0.02")

# A Compute Savings Plan of the platform account: an hourly commitment billed every day as a
# recurring fee (record type SavingsPlanRecurringFee, usage type ComputeSP:1yrNoUpfront), never
# tagged. The covered usage is not modelled separately: the commitment is the whole charge, in
# every cost metric.
SAVINGS_PLAN_ACCOUNT = PLATFORM_PROD
SAVINGS_PLAN_USAGE_TYPE = "ComputeSP:1yrNoUpfront"
SAVINGS_PLAN_HOURLY = Decimal("4.50")
SAVINGS_PLAN_MONTHS_BEFORE_CURRENT = 4  # bought then, still running

# Business support, billed to the management account on the 1st for the month's charges of the
# whole organization: 10 % of the first $10K, 7 % up to $80K, 5 % up to $250K, 3 % above (AWS
# Support pricing, Business tier).
SUPPORT_ACCOUNT = MANAGEMENT
SUPPORT_USAGE_TYPE = "Dollar"
SUPPORT_TIERS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal(10_000), Decimal("0.10")),
    (Decimal(80_000), Decimal("0.07")),
    (Decimal(250_000), Decimal("0.05")),
    (Decimal("Infinity"), Decimal("0.03")),
)
