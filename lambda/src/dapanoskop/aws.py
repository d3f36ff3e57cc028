"""boto3 clients, created only when a run needs them (never at import time).

Cost Explorer has one endpoint per partition, and it follows the partition of the region the
code runs in (AWS_REGION in a Lambda):

| partition | Cost Explorer region | endpoint |
|---|---|---|
| aws | us-east-1 | https://ce.us-east-1.amazonaws.com |
| aws-cn | cn-northwest-1 | https://ce.cn-northwest-1.amazonaws.com.cn |
| aws-us-gov | us-gov-west-1 | https://ce.us-gov-west-1.amazonaws.com |

Sources: the Cost Explorer user guide, "Using the Cost Explorer API", service endpoint
(https://docs.aws.amazon.com/cost-management/latest/userguide/ce-api.html for aws;
https://docs.amazonaws.cn/en_us/cost-management/latest/userguide/ce-api.html for aws-cn), and
botocore's endpoint data: `endpoints.json` names `ce.cn-northwest-1.amazonaws.com.cn` as the
aws-cn partition endpoint, and `partitions.json` names us-gov-west-1 as the implicit global
region of aws-us-gov, which the Cost Explorer endpoint rules resolve to
`ce.us-gov-west-1.amazonaws.com` (tests/test_aws.py checks what the installed botocore builds).

Throttling (`LimitExceededException`) is retried by botocore's standard retry mode with
exponential backoff; the attempt count is bounded so a run that keeps being throttled fails
and says which request failed.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from dapanoskop.storagelens import StorageLensClients

CE_REGION = "us-east-1"
CE_REGION_OF_PARTITION: dict[str, str] = {
    "aws": "us-east-1",
    "aws-cn": "cn-northwest-1",
    "aws-us-gov": "us-gov-west-1",
}
# total_max_attempts counts the first try too: 8 attempts, 7 retries with backoff.
RETRY_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 8})


class UnsupportedPartitionError(ValueError):
    """The region belongs to a partition whose Cost Explorer endpoint we have not verified."""


def partition_of(region: str) -> str:
    """The partition of a region by its name (`cn-*`: aws-cn, `us-gov-*`: aws-us-gov).

    botocore knows every partition's region pattern, so a region botocore has not heard of
    yet still lands in the right partition.
    """
    return boto3.session.Session().get_partition_for_region(region)


def cost_explorer_region(region: str | None) -> str:
    """The region whose Cost Explorer endpoint serves the partition of `region`.

    No region (a laptop without one configured) means the commercial partition.
    """
    if not region:
        return CE_REGION
    partition = partition_of(region)
    try:
        return CE_REGION_OF_PARTITION[partition]
    except KeyError:
        supported = ", ".join(CE_REGION_OF_PARTITION)
        raise UnsupportedPartitionError(
            f"region {region} is in partition {partition}; Cost Explorer is supported in "
            f"{supported}"
        ) from None


def cost_explorer_client(session: Any = None, region: str | None = None) -> Any:
    """A Cost Explorer client for the partition of `region` (default: the session's region)."""
    session = session or boto3.session.Session()
    ce_region = cost_explorer_region(region or session.region_name)
    return session.client("ce", region_name=ce_region, config=RETRY_CONFIG)


def s3_client(session: Any = None) -> Any:
    return (session or boto3.session.Session()).client("s3", config=RETRY_CONFIG)


def storage_lens_clients(session: Any = None) -> StorageLensClients:
    """STS, S3 Control and CloudWatch (in the configuration's home Region), each on first use.

    Fewer attempts than Cost Explorer: Storage Lens is optional, and a run should not wait
    long for it.
    """
    chosen = session or boto3.session.Session()
    config = Config(retries={"mode": "standard", "total_max_attempts": 3})
    return StorageLensClients(
        sts=lambda: chosen.client("sts", config=config),
        s3control=lambda: chosen.client("s3control", config=config),
        cloudwatch=lambda region: chosen.client("cloudwatch", region_name=region, config=config),
    )


def client(service: str, session: Any = None) -> Any:
    """Any other client (SNS, Secrets Manager, SSM) in the session's region, same retries."""
    return (session or boto3.session.Session()).client(service, config=RETRY_CONFIG)


def athena_client(session: Any = None) -> Any:
    """Athena in the session's region (the export's table lives there)."""
    return client("athena", session)
