"""An S3 Storage Lens organization simulated on the moto server: configurations (s3control)
and their CloudWatch metrics (put_metric_data), with the dimensions AWS documents for
organization-level metrics (Amazon S3 user guide, "S3 Storage Lens metrics and dimensions")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import boto3

from dapanoskop.storagelens import NAMESPACE, StorageLensClients

ORG_ARN = "arn:aws:organizations::123456789012:organization/o-abc123"


class LensAccount:
    """Clients on the moto server, and helpers that set up what Storage Lens would show."""

    def __init__(self, endpoint: str) -> None:
        settings = {
            "region_name": "us-east-1",
            "endpoint_url": endpoint,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self.sts = boto3.client("sts", **settings)
        self.s3control = boto3.client("s3control", **settings)
        # S3 Control puts the account id in front of the host name; the moto server on
        # loopback has no such host, so the request goes to the server itself.
        self.s3control.meta.events.register("before-send.s3-control", self._no_account_host)
        self.cloudwatch = boto3.client("cloudwatch", **settings)
        self.account = self.sts.get_caller_identity()["Account"]
        self.regions_asked: list[str | None] = []

    def _no_account_host(self, request: Any, **_kwargs: Any) -> None:
        request.url = request.url.replace(f"//{self.account}.", "//")

    def clients(self) -> StorageLensClients:
        def cloudwatch(region: str | None) -> Any:
            self.regions_asked.append(region)
            return self.cloudwatch

        return StorageLensClients(
            sts=lambda: self.sts, s3control=lambda: self.s3control, cloudwatch=cloudwatch
        )

    def configuration(
        self, config_id: str, *, organization: bool = True, cloudwatch: bool = True
    ) -> None:
        configuration: dict[str, Any] = {
            "Id": config_id,
            "AccountLevel": {"BucketLevel": {}},
            "IsEnabled": True,
            "DataExport": {"CloudWatchMetrics": {"IsEnabled": cloudwatch}},
        }
        if organization:
            configuration["AwsOrg"] = {"Arn": ORG_ARN}
        self.s3control.put_storage_lens_configuration(
            ConfigId=config_id, AccountId=self.account, StorageLensConfiguration=configuration
        )

    def metric(
        self,
        config_id: str,
        name: str,
        points: Iterable[tuple[date, float]],
        *,
        region: str = "us-east-1",
        storage_class: str = "STANDARD",
        record_type: str = "ORGANIZATION",
    ) -> None:
        dimensions = [
            {"Name": "configuration_id", "Value": config_id},
            {"Name": "metrics_version", "Value": "1.0"},
            {"Name": "aws_region", "Value": region},
            {"Name": "storage_class", "Value": storage_class},
            {"Name": "record_type", "Value": record_type},
        ]
        if record_type == "ORGANIZATION":
            dimensions.append({"Name": "organization_id", "Value": "o-abc123"})
        else:
            dimensions.append({"Name": "aws_account_number", "Value": self.account})
        self.cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": datetime(day.year, day.month, day.day, tzinfo=UTC),
                    "Value": value,
                    "Unit": "Bytes" if name == "StorageBytes" else "Count",
                }
                for day, value in points
            ],
        )
