"""Categories (contract §4, schema 2) and region prefixes, checked against a catalog of real
usage types (tests/data/usage_types.csv: usage type, service, record type, expected category,
where the name comes from)."""

import csv
import logging
from pathlib import Path

import pytest

from dapanoskop import categories
from dapanoskop.categories import (
    Category,
    StorageService,
    categorize,
    is_hot_usage_type,
    is_volume_usage_type,
    storage_class_name,
    storage_service,
    strip_region_prefix,
)

CATALOG = list(
    csv.DictReader((Path(__file__).parent / "data" / "usage_types.csv").open(encoding="utf-8"))
)
# Every prefix form AWS uses: none (us-east-1), a region, eu-west-1's "EU", a Local Zone, two
# regions (inter-region transfer), GovCloud, China, Wavelength, a CloudFront edge group, a
# region that does not exist yet.
PREFIXES = [
    "",
    "USE2-",
    "EU-",
    "APS3-",
    "USE1-LAX1-",
    "USE1-EUC1-",
    "UGW1-",
    "CNN1-",
    "USW2-WL1-",
    "JP-",
    "ZZZ1-",
    "APX12-",
]


def test_the_catalog_covers_every_category_and_the_issues_examples() -> None:
    assert {row["category"] for row in CATALOG} == {c.value for c in Category}
    assert len(CATALOG) > 90
    usage_types = {row["usage_type"] for row in CATALOG}
    for example in (
        "InstanceUsage:db.r5.large",
        "Multi-AZUsage:db.r5.large",
        "NodeUsage:cache.r6g.large",
        "ESInstance:r6g.large.search",
        "Node:dc2.large",
        "Host:ml.m5.large",
        "AmazonEKS-Hours:perCluster",
        "SoftwareUsage:m5.xlarge",
        "HeavyUsage:m5.large",
        "ComputeSP:1yrNoUpfront",
        "RDS:GP2-Storage",
        "RDS:ChargedBackupUsage",
        "Aurora:StorageUsage",
    ):
        assert example in usage_types


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "row", CATALOG, ids=[f"{r['usage_type']}|{r['service']}|{r['record_type']}" for r in CATALOG]
)
def test_every_catalogued_usage_type_gets_its_category_with_any_prefix(
    row: dict[str, str], prefix: str
) -> None:
    usage_type = prefix + row["usage_type"]
    assert strip_region_prefix(usage_type) == row["usage_type"]
    found = categorize(usage_type, frozenset({row["service"]}), row["record_type"])
    assert found.value == row["category"]


@pytest.mark.parametrize(
    ("usage_type", "bare"),
    [
        ("USE2-BoxUsage:m5.large", "BoxUsage:m5.large"),
        ("BoxUsage:m5.large", "BoxUsage:m5.large"),
        ("EU-TimedStorage-ByteHrs", "TimedStorage-ByteHrs"),
        ("APE1-USE1-AWS-In-Bytes", "AWS-In-Bytes"),
        ("USE1-AWS-Out-Bytes", "AWS-Out-Bytes"),
        ("AWS-Out-Bytes", "AWS-Out-Bytes"),  # capitals without digits: not a code
        ("EBS:VolumeUsage.gp3", "EBS:VolumeUsage.gp3"),
        ("CW:Requests", "CW:Requests"),
        ("ZZZ1-BoxUsage:m5.large", "BoxUsage:m5.large"),  # shaped like a code: stripped
        ("USE1-LAX1-BoxUsage:c5.large", "BoxUsage:c5.large"),
        ("EC2SP:m5.1yrNoUpfront", "EC2SP:m5.1yrNoUpfront"),
        ("KMS-Requests", "KMS-Requests"),
        ("USE1-", "USE1-"),  # nothing after the code: left whole
    ],
)
def test_strip_region_prefix(usage_type: str, bare: str) -> None:
    assert strip_region_prefix(usage_type) == bare


def test_an_unknown_code_is_logged_once_and_never_changes_the_category(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(categories, "_unknown_codes_logged", set())
    strip_region_prefix.cache_clear()
    categorize.cache_clear()
    caplog.set_level(logging.INFO, logger="dapanoskop.categories")

    assert categorize("QQQ7-BoxUsage:m5.large") is Category.COMPUTE
    assert categorize("QQQ7-TimedStorage-ByteHrs") is Category.STORAGE
    assert categorize("USE1-QQQ7-EBS:VolumeUsage.gp3") is Category.STORAGE

    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["unknown region code stripped code=QQQ7 usage_type=QQQ7-BoxUsage:m5.large"]


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
        # Without its service a generic name stays what its name says.
        ("Request", Category.OTHER),
    ],
)
def test_categorize_by_name_alone(usage_type: str, category: Category) -> None:
    assert categorize(usage_type) is category


def test_record_type_and_service_decide_before_the_name() -> None:
    # A credit billed under a compute usage type is a credit.
    assert categorize("BoxUsage:m5.large", record_type="Credit") is Category.SUPPORT
    # A support plan is Support whatever its usage type is called.
    assert categorize("Dollar", frozenset({"AWS Support (Developer)"})) is Category.SUPPORT
    # Usage record types leave the decision to the name.
    assert categorize("BoxUsage:m5.large", record_type="Usage") is Category.COMPUTE
    # Redshift's generic `Node:` needs its service when the service is known.
    assert categorize("Node:x1", frozenset({"Amazon Neptune"})) is Category.OTHER


def test_storage_services_are_told_apart_by_service_name() -> None:
    assert storage_service("Amazon Simple Storage Service", "TimedStorage-ByteHrs") is (
        StorageService.S3
    )
    assert storage_service("Amazon Elastic File System", "TimedStorage-ByteHrs") is (
        StorageService.EFS
    )
    assert storage_service("EC2 - Other", "USE2-EBS:SnapshotUsage") is StorageService.EBS
    assert storage_service("EC2 - Other", "ZZZ1-EBS:SnapshotUsage") is StorageService.EBS
    assert storage_service("EC2 - Other", "USE2-NatGateway-Hours") is None
    assert storage_service("AWS Lambda", "Lambda-GB-Second") is None


def test_volume_and_hot_usage_types() -> None:
    s3, efs, ebs = StorageService.S3, StorageService.EFS, StorageService.EBS
    assert is_volume_usage_type(s3, "EU-TimedStorage-GlacierByteHrs")
    assert is_volume_usage_type(s3, "ZZZ1-TimedStorage-ByteHrs")
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


@pytest.mark.parametrize(
    ("kind", "usage_type", "name"),
    [
        (StorageService.S3, "USE2-TimedStorage-ByteHrs", "S3 Standard"),
        (StorageService.EFS, "TimedStorage-ByteHrs", "EFS Standard"),
        (StorageService.S3, "TimedStorage-GDA-ByteHrs", "S3 Glacier Deep Archive"),
        (StorageService.EBS, "EBS:VolumeUsage.piops", "EBS io1"),
        (StorageService.EBS, "EBS:VolumeUsage", "EBS standard"),
        (StorageService.EBS, "EBS:SnapshotUsage", "EBS snapshots"),
        (StorageService.S3, "TimedStorage-NEW-ByteHrs", "S3 TimedStorage-NEW-ByteHrs"),
    ],
)
def test_storage_class_names(kind: StorageService, usage_type: str, name: str) -> None:
    assert storage_class_name(kind, usage_type) == name


def test_a_usage_record_type_overrules_a_support_looking_name() -> None:
    # Cost Explorer says this is usage: the name alone does not make it a fee.
    assert categorize("Fee-Registration") is Category.SUPPORT
    assert categorize("Fee-Registration", record_type="Usage") is Category.OTHER
