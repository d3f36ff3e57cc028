"""Synthetic accounts for the benchmarks: many workloads, many usage types, built fast.

What an account looks like (the density every figure in RESULTS.md depends on):

* A catalog of `usage_types` usage types: 60 base usage types of 22 services (EC2 instance
  hours and Spot, EBS volumes and snapshots, NAT gateways, data transfer, S3 storage classes
  and requests, EFS, RDS, Lambda, DynamoDB, CloudWatch, ELB, Fargate, KMS, ...) in up to ten
  regions (no prefix for us-east-1, then `USE2-`, `USW2-`, `EU-`, ...), main region first.
* `workloads` values of the `App` tag. Each workload uses between 10 and 50 of the catalog's
  usage types (uniformly, so 30 on average), drawn without replacement with a popularity that
  falls with the position in the catalog (weight 1 / (1 + i/20)): every workload has some EC2,
  EBS, data transfer and CloudWatch of the main region, and fewer use a far region. Thirty
  usage types per application is what a service with compute, storage, a database, a load
  balancer, logs and traffic across two or three regions has on a bill.
* Untagged spend: one untagged profile per catalog usage type (shared infrastructure).
* Each workload belongs to one of `cost_centers` values of the cost category "Cost Center"
  and lives in one of `accounts` linked accounts.

So a month has `workloads x 30 + usage_types` (TAG App x USAGE_TYPE) groups, `workloads + 1`
(TAG x COST_CATEGORY) groups and about `usage_types` (SERVICE x USAGE_TYPE) groups; `groups()`
computes them exactly. The pipeline only ever asks Cost Explorer for MONTHLY sums, so how a
month's cost is spread over its days changes nothing it sees: each month's whole cost is on its
1st, and six small "tick" items on the 5th, 9th, ..., 25th give the forecast the seven days of
history it needs. That keeps the local Cost Explorer small and quick to load.

Deterministic: the same spec and day give the same items.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dapanoskop.localce import LineItem
from dapanoskop.periods import add_months

TAG_KEY = "App"
COST_CATEGORY = "Cost Center"
MIN_USAGE_TYPES_PER_WORKLOAD = 10
MAX_USAGE_TYPES_PER_WORKLOAD = 50
TICK_DAYS = (5, 9, 13, 17, 21, 25)
_SEED = 20261126

EC2 = "Amazon Elastic Compute Cloud - Compute"
EC2_OTHER = "EC2 - Other"
S3 = "Amazon Simple Storage Service"

# (service, usage type without region prefix, unit); roughly most common first.
BASE_USAGE_TYPES: tuple[tuple[str, str, str], ...] = (
    (EC2, "BoxUsage:m5.large", "Hrs"),
    (EC2_OTHER, "EBS:VolumeUsage.gp3", "GB-Mo"),
    (EC2_OTHER, "DataTransfer-Regional-Bytes", "GB"),
    ("AmazonCloudWatch", "CW:MetricMonitorUsage", "Metrics"),
    ("AmazonCloudWatch", "TimedStorage-ByteHrs", "GB-Mo"),
    (S3, "TimedStorage-ByteHrs", "GB-Mo"),
    (S3, "Requests-Tier1", "Requests"),
    (S3, "Requests-Tier2", "Requests"),
    (EC2, "BoxUsage:m6i.xlarge", "Hrs"),
    (EC2_OTHER, "EBS:SnapshotUsage", "GB-Mo"),
    (EC2_OTHER, "NatGateway-Hours", "Hrs"),
    (EC2_OTHER, "NatGateway-Bytes", "GB"),
    ("Elastic Load Balancing", "LoadBalancerUsage", "Hrs"),
    ("Elastic Load Balancing", "LCUUsage", "LCU-Hrs"),
    ("AWS Lambda", "Lambda-GB-Second", "Lambda-GB-Second"),
    ("AWS Lambda", "Request", "Requests"),
    ("AWS Key Management Service", "KMS-Requests", "Requests"),
    ("AWS Key Management Service", "KMS-Keys", "Keys"),
    ("Amazon Relational Database Service", "InstanceUsage:db.r6g.large", "Hrs"),
    ("Amazon Relational Database Service", "RDS:GP3-Storage", "GB-Mo"),
    ("Amazon DynamoDB", "TimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon DynamoDB", "ReadRequestUnits", "ReadRequestUnits"),
    ("Amazon DynamoDB", "WriteRequestUnits", "WriteRequestUnits"),
    (EC2, "BoxUsage:t3.medium", "Hrs"),
    (EC2, "BoxUsage:c6g.xlarge", "Hrs"),
    (EC2, "SpotUsage:m5.2xlarge", "Hrs"),
    (EC2_OTHER, "EBS:VolumeUsage.gp2", "GB-Mo"),
    (EC2_OTHER, "EBS:VolumeUsage.piops", "GB-Mo"),
    (EC2_OTHER, "EBS:VolumeP-IOPS.piops", "IOPS-Mo"),
    (S3, "TimedStorage-INT-FA-ByteHrs", "GB-Mo"),
    (S3, "TimedStorage-INT-IA-ByteHrs", "GB-Mo"),
    (S3, "TimedStorage-SIA-ByteHrs", "GB-Mo"),
    (S3, "TimedStorage-GlacierByteHrs", "GB-Mo"),
    (S3, "TimedStorage-GDA-ByteHrs", "GB-Mo"),
    (S3, "DataTransfer-Out-Bytes", "GB"),
    ("Amazon Elastic File System", "TimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon Elastic File System", "IATimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon Elastic Container Service", "Fargate-vCPU-Hours:perCPU", "hours"),
    ("Amazon Elastic Container Service", "Fargate-GB-Hours", "hours"),
    ("AmazonCloudWatch", "CW:Requests", "Requests"),
    ("AmazonCloudWatch", "DataProcessing-Bytes", "GB"),
    ("Amazon Virtual Private Cloud", "VpcEndpoint-Hours", "Hrs"),
    ("Amazon Virtual Private Cloud", "VpcEndpoint-Bytes", "GB"),
    ("Amazon Simple Queue Service", "Requests-RBP", "Requests"),
    ("Amazon Simple Notification Service", "Requests-Tier1", "Requests"),
    ("AWS Secrets Manager", "AWSSecretsManager-Secrets", "Secrets"),
    ("Amazon ElastiCache", "NodeUsage:cache.r6g.large", "Hrs"),
    ("Amazon OpenSearch Service", "ESInstance:r6g.large", "Hrs"),
    ("Amazon OpenSearch Service", "ES:GP3-Storage", "GB-Mo"),
    (EC2, "BoxUsage:r6i.2xlarge", "Hrs"),
    (EC2, "BoxUsage:g5.xlarge", "Hrs"),
    (EC2, "SpotUsage:c6i.4xlarge", "Hrs"),
    (EC2_OTHER, "ElasticIP:IdleAddress", "Hrs"),
    (EC2_OTHER, "AWS-Out-Bytes", "GB"),
    ("AWS Glue", "Crawler-DPU-Hour", "DPU-Hour"),
    ("AWS Glue", "ETL-DPU-Hour", "DPU-Hour"),
    ("Amazon Athena", "DataScannedInTB", "Terabytes"),
    ("Amazon Kinesis", "Storage-ShardHour", "ShardHour"),
    ("AWS Step Functions", "StateTransition", "Transitions"),
    ("Amazon API Gateway", "ApiGatewayRequest", "Requests"),
)
REGION_PREFIXES = (
    "",
    "USE2-",
    "USW2-",
    "EU-",
    "EUC1-",
    "EUW2-",
    "APN1-",
    "APS2-",
    "APS1-",
    "CAN1-",
)
MAX_USAGE_TYPES = len(BASE_USAGE_TYPES) * len(REGION_PREFIXES)


@dataclass(frozen=True)
class AccountSpec:
    """An account's size; see the module docstring for what the numbers make."""

    name: str
    workloads: int
    usage_types: int
    cost_centers: int
    accounts: int

    def __post_init__(self) -> None:
        if not MIN_USAGE_TYPES_PER_WORKLOAD <= self.usage_types <= MAX_USAGE_TYPES:
            low, high = MIN_USAGE_TYPES_PER_WORKLOAD, MAX_USAGE_TYPES
            raise ValueError(f"usage_types must be {low}..{high}, not {self.usage_types}")


ACCOUNTS: dict[str, AccountSpec] = {
    spec.name: spec
    for spec in (
        AccountSpec("small", workloads=50, usage_types=100, cost_centers=5, accounts=5),
        AccountSpec("large", workloads=2_000, usage_types=300, cost_centers=20, accounts=100),
        AccountSpec(
            "very-large", workloads=20_000, usage_types=500, cost_centers=50, accounts=1_000
        ),
    )
}


def catalog(size: int) -> list[tuple[str, str, str]]:
    """The first `size` usage types: every base type of the main region, then the next region."""
    return [
        (service, prefix + usage_type, unit)
        for prefix in REGION_PREFIXES
        for service, usage_type, unit in BASE_USAGE_TYPES
    ][:size]


@dataclass(frozen=True)
class _Workload:
    name: str
    account: str
    tags: dict[str, str]
    cost_categories: dict[str, str]
    usage: tuple[tuple[int, int], ...]  # (catalog index, monthly cost in cents)


def _workloads(spec: AccountSpec) -> list[_Workload]:
    """Every workload with its usage types and base monthly cost; the untagged spend last."""
    rng = random.Random(_SEED)
    weights = [1 / (1 + i / 20) for i in range(spec.usage_types)]
    workloads = []
    for n in range(spec.workloads):
        count = min(
            rng.randint(MIN_USAGE_TYPES_PER_WORKLOAD, MAX_USAGE_TYPES_PER_WORKLOAD),
            spec.usage_types,
        )
        # Weighted sampling without replacement (Efraimidis-Spirakis): the `count` largest
        # u ** (1 / w).
        keys = [rng.random() ** (1 / w) for w in weights]
        chosen = heapq.nlargest(count, range(spec.usage_types), key=keys.__getitem__)
        workloads.append(
            _Workload(
                name=f"app-{n:05d}",
                account=f"{100000000000 + n % spec.accounts:012d}",
                tags={TAG_KEY: f"app-{n:05d}"},
                cost_categories={COST_CATEGORY: f"CC-{n % spec.cost_centers:02d}"},
                usage=tuple(sorted((i, _monthly_cents(rng)) for i in chosen)),
            )
        )
    workloads.append(
        _Workload(
            name="",
            account=f"{100000000000:012d}",
            tags={},
            cost_categories={COST_CATEGORY: "Shared"},
            usage=tuple((i, _monthly_cents(rng)) for i in range(spec.usage_types)),
        )
    )
    return workloads


def _monthly_cents(rng: random.Random) -> int:
    """A monthly cost between $0.05 and $2,000, log-uniform (many small lines, a few big)."""
    return max(1, round(math.exp(rng.uniform(math.log(5), math.log(200_000)))))


@dataclass(frozen=True)
class Groups:
    """Groups one month has per Cost Explorer grouping the pipeline asks for."""

    workload_usage_type: int
    workload_cost_center: int
    service_usage_type: int

    @property
    def total(self) -> int:
        return self.workload_usage_type + self.workload_cost_center + self.service_usage_type


def groups(spec: AccountSpec) -> Groups:
    """Exact group counts of a month with data (every month of the account has them all)."""
    workloads = _workloads(spec)
    types = catalog(spec.usage_types)
    return Groups(
        workload_usage_type=sum(len(w.usage) for w in workloads),
        workload_cost_center=len(workloads),
        service_usage_type=len({(types[i][0], types[i][1]) for w in workloads for i, _ in w.usage}),
    )


def first_month(today: date, history_months: int = 13) -> date:
    """The oldest month with data: what Cost Explorer keeps (13 months before today's)."""
    return add_months(today.replace(day=1), -history_months)


def line_items(spec: AccountSpec, today: date) -> Iterator[LineItem]:
    """The account's items from `first_month(today)` up to yesterday, generated lazily.

    Each month: every (workload, usage type) once on the 1st, growing 1 % a month with
    +-10 % noise; then one tick item on each of TICK_DAYS before today.
    """
    types = catalog(spec.usage_types)
    workloads = _workloads(spec)
    rng = random.Random(_SEED + 1)
    month = first_month(today)
    age = 0
    while month < today:
        growth = 1.01**age
        for workload in workloads:
            for index, cents in workload.usage:
                service, usage_type, unit = types[index]
                amount = max(1, round(cents * growth * rng.uniform(0.9, 1.1)))
                yield LineItem(
                    day=month,
                    account=workload.account,
                    service=service,
                    usage_type=usage_type,
                    unit=unit,
                    amount=Decimal(amount).scaleb(-2),
                    quantity=Decimal(amount * 7),
                    tags=workload.tags,
                    cost_categories=workload.cost_categories,
                )
        for day in TICK_DAYS:
            tick = month.replace(day=day)
            if tick < today:
                service, usage_type, unit = types[0]
                yield LineItem(
                    day=tick,
                    account=workloads[-1].account,
                    service=service,
                    usage_type=usage_type,
                    unit=unit,
                    amount=Decimal("1.00"),
                    quantity=Decimal(1),
                    cost_categories=workloads[-1].cost_categories,
                )
        month = add_months(month, 1)
        age += 1
