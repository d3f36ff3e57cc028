import pytest

from dapanoskop.categories import (
    Category,
    StorageService,
    categorize,
    is_hot_usage_type,
    is_volume_usage_type,
    storage_service,
    strip_region_prefix,
)


@pytest.mark.parametrize(
    ("usage_type", "bare"),
    [
        ("USE2-BoxUsage:m5.large", "BoxUsage:m5.large"),
        ("BoxUsage:m5.large", "BoxUsage:m5.large"),
        ("EU-TimedStorage-ByteHrs", "TimedStorage-ByteHrs"),
        ("APE1-USE1-AWS-In-Bytes", "AWS-In-Bytes"),
        ("USE1-AWS-Out-Bytes", "AWS-Out-Bytes"),
        ("EBS:VolumeUsage.gp3", "EBS:VolumeUsage.gp3"),
        ("CW:Requests", "CW:Requests"),
        ("XYZ9-BoxUsage", "XYZ9-BoxUsage"),
    ],
)
def test_strip_region_prefix_only_strips_known_codes(usage_type: str, bare: str) -> None:
    assert strip_region_prefix(usage_type) == bare


@pytest.mark.parametrize(
    ("usage_type", "category"),
    [
        ("Tax", Category.SUPPORT),
        ("USE1-Fee-Registration", Category.SUPPORT),
        ("Credit-Promotional", Category.SUPPORT),
        ("Refund", Category.SUPPORT),
        ("Premium-Support", Category.SUPPORT),
        ("TimedStorage-ByteHrs", Category.STORAGE),
        ("EUC1-TimedStorage-INT-FA-ByteHrs", Category.STORAGE),
        ("USE2-EarlyDelete-SIA", Category.STORAGE),
        ("EBS:VolumeP-IOPS.piops", Category.STORAGE),
        ("USW2-IATimedStorage-ByteHrs", Category.STORAGE),
        ("BoxUsage:m5.large", Category.COMPUTE),
        ("USE2-SpotUsage:c5.xlarge", Category.COMPUTE),
        ("Lambda-GB-Second-ARM", Category.COMPUTE),
        ("EU-Fargate-vCPU-Hours:perCPU", Category.COMPUTE),
        ("USE1-DataTransfer-Out-Bytes", Category.OTHER),
        ("NatGateway-Hours", Category.OTHER),
        ("CW:Requests", Category.OTHER),
        ("Requests-Tier1", Category.OTHER),
    ],
)
def test_categorize(usage_type: str, category: Category) -> None:
    assert categorize(usage_type) is category


def test_storage_services_are_told_apart_by_service_name() -> None:
    assert storage_service("Amazon Simple Storage Service", "TimedStorage-ByteHrs") is (
        StorageService.S3
    )
    assert storage_service("Amazon Elastic File System", "TimedStorage-ByteHrs") is (
        StorageService.EFS
    )
    assert storage_service("EC2 - Other", "USE2-EBS:SnapshotUsage") is StorageService.EBS
    assert storage_service("EC2 - Other", "USE2-NatGateway-Hours") is None
    assert storage_service("AWS Lambda", "Lambda-GB-Second") is None


def test_volume_and_hot_usage_types() -> None:
    s3, efs, ebs = StorageService.S3, StorageService.EFS, StorageService.EBS
    assert is_volume_usage_type(s3, "EU-TimedStorage-GlacierByteHrs")
    assert not is_volume_usage_type(s3, "EarlyDelete-ByteHrs")
    assert not is_volume_usage_type(s3, "Requests-Tier1")
    assert is_volume_usage_type(efs, "IATimedStorage-ByteHrs")
    assert is_volume_usage_type(ebs, "EBS:SnapshotUsage")
    assert not is_volume_usage_type(ebs, "EBS:VolumeP-IOPS.piops")
    assert is_hot_usage_type(s3, "USE2-TimedStorage-INT-FA-ByteHrs")
    assert not is_hot_usage_type(s3, "TimedStorage-INT-IA-ByteHrs")
    assert is_hot_usage_type(efs, "TimedStorage-ByteHrs")
    assert not is_hot_usage_type(efs, "IATimedStorage-ByteHrs")
    assert is_hot_usage_type(ebs, "EBS:VolumeUsage.gp3")
    assert not is_hot_usage_type(ebs, "EBS:SnapshotUsage")
