"""The Cost Explorer endpoint follows the partition of the region the code runs in.

Expected endpoints, from the Cost Explorer user guide ("Using the Cost Explorer API", service
endpoint: ce.us-east-1.amazonaws.com; its China edition: ce.cn-northwest-1.amazonaws.com.cn)
and botocore's endpoint data (aws-us-gov resolves to its implicit global region us-gov-west-1).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import boto3
import pytest

from dapanoskop import aws
from dapanoskop.handler import RunFailedError, handle


@pytest.mark.parametrize(
    ("region", "ce_region", "endpoint"),
    [
        ("us-east-1", "us-east-1", "https://ce.us-east-1.amazonaws.com"),
        ("eu-central-1", "us-east-1", "https://ce.us-east-1.amazonaws.com"),
        ("ap-southeast-7", "us-east-1", "https://ce.us-east-1.amazonaws.com"),
        ("cn-north-1", "cn-northwest-1", "https://ce.cn-northwest-1.amazonaws.com.cn"),
        ("cn-northwest-1", "cn-northwest-1", "https://ce.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-east-1", "us-gov-west-1", "https://ce.us-gov-west-1.amazonaws.com"),
        ("us-gov-west-1", "us-gov-west-1", "https://ce.us-gov-west-1.amazonaws.com"),
    ],
)
def test_cost_explorer_endpoint_follows_the_partition(
    region: str, ce_region: str, endpoint: str
) -> None:
    assert aws.cost_explorer_region(region) == ce_region
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    assert aws.cost_explorer_client(session).meta.endpoint_url == endpoint


def test_no_region_means_the_commercial_partition() -> None:
    assert aws.cost_explorer_region(None) == "us-east-1"
    assert aws.cost_explorer_region("") == "us-east-1"


def test_an_unverified_partition_is_refused_by_name() -> None:
    with pytest.raises(aws.UnsupportedPartitionError) as caught:
        aws.cost_explorer_region("us-iso-east-1")
    assert str(caught.value) == (
        "region us-iso-east-1 is in partition aws-iso; Cost Explorer is supported in "
        "aws, aws-cn, aws-us-gov"
    )


def test_the_lambda_uses_its_own_region(s3) -> None:
    # A region of a partition without a verified Cost Explorer endpoint: the run fails after
    # the destination check, before any request, and says why.
    env = {"DATA_BUCKET": "cost-data", "AWS_REGION": "us-iso-east-1"}
    with pytest.raises(RunFailedError) as caught:
        handle({}, env, lambda: datetime.now(UTC), s3_client=s3, metrics_stream=io.StringIO())
    assert str(caught.value) == (
        "region us-iso-east-1 is in partition aws-iso; Cost Explorer is supported in "
        "aws, aws-cn, aws-us-gov"
    )
