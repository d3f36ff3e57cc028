"""Usage types: region prefixes, categories (contract §4) and storage classification (§3.2).

Everything here looks at names only, so it is pure and cheap; it is applied once per
distinct usage type.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

# Billing region codes as they appear in usage types (shared/aws-facts.md §2.1).
REGION_CODES = frozenset(
    {
        "USE1", "USE2", "USW1", "USW2", "CAN1", "CAN2", "MXC1",
        "EU", "EUW2", "EUW3", "EUC1", "EUC2", "EUN1", "EUS1", "EUS2",
        "APE1", "APE2", "APN1", "APN2", "APN3",
        "APS1", "APS2", "APS3", "APS4", "APS5", "APS6", "APS7", "APS8", "APS9",
        "SAE1", "MES1", "MEC1", "ILC1", "CPT", "AFS1", "UGW1", "UGE1", "CNN1", "CNW1",
    }
)  # fmt: skip

_PREFIX = re.compile(r"^([A-Z]{2,4}\d?)-(?:([A-Z]{2,4}\d?)-)?")


class Category(StrEnum):
    STORAGE = "Storage"
    COMPUTE = "Compute"
    SUPPORT = "Support"
    OTHER = "Other"


# First matching rule wins (contract §4). Matched against the usage type without its prefix.
_RULES: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.SUPPORT, ("Tax", "Fee", "Refund", "Credit", "Premium")),
    (
        Category.STORAGE,
        (
            "TimedStorage",
            "EarlyDelete",
            "EBS:",
            # EFS storage classes (Infrequent Access, Archive; One Zone variants share these).
            "IATimedStorage",
            "ArchiveTimedStorage",
        ),
    ),
    (Category.COMPUTE, ("BoxUsage", "SpotUsage", "Lambda", "Fargate", "ECS")),
)

S3_SERVICE = "Amazon Simple Storage Service"
EFS_SERVICE = "Amazon Elastic File System"
# Cost Explorer files EBS volumes and snapshots under "EC2 - Other"; usage types name them.
EBS_SERVICES = frozenset({"EC2 - Other", "Amazon Elastic Compute Cloud - Compute"})

# Units whose quantity is a monthly average of stored capacity, with bytes per unit.
VOLUME_UNIT_BYTES = {"GB-Mo": 2**30, "GB-Month": 2**30}


@cache
def strip_region_prefix(usage_type: str) -> str:
    """`USE2-BoxUsage:m5.large` -> `BoxUsage:m5.large`; `APE1-USE1-AWS-In-Bytes` -> `AWS-In-Bytes`.

    Only known billing codes are stripped, so `EBS:VolumeUsage` or `CW:Requests` stay whole.
    """
    match = _PREFIX.match(usage_type)
    if not match or match.group(1) not in REGION_CODES:
        return usage_type
    second = match.group(2)
    if second is not None and second not in REGION_CODES:
        return usage_type[len(match.group(1)) + 1 :]
    return usage_type[match.end() :]


@cache
def categorize(usage_type: str) -> Category:
    """The contract §4 category of a usage type."""
    bare = strip_region_prefix(usage_type)
    for category, prefixes in _RULES:
        if bare.startswith(prefixes):
            return category
    return Category.OTHER


class StorageService(StrEnum):
    S3 = "s3"
    EFS = "efs"
    EBS = "ebs"


def storage_service(service: str, usage_type: str) -> StorageService | None:
    """Which storage service a (service, usage type) pair belongs to, if any.

    S3 Standard and EFS Standard share `TimedStorage-ByteHrs`; only the service tells them
    apart, so both names are needed.
    """
    if service == S3_SERVICE:
        return StorageService.S3
    if service == EFS_SERVICE:
        return StorageService.EFS
    if service in EBS_SERVICES and strip_region_prefix(usage_type).startswith("EBS:"):
        return StorageService.EBS
    return None


def is_volume_usage_type(kind: StorageService, usage_type: str) -> bool:
    """Capacity usage types (contract §3.2): the ones whose GB-Mo count as stored volume."""
    bare = strip_region_prefix(usage_type)
    if kind is StorageService.S3:
        return bare.startswith("TimedStorage-")
    if kind is StorageService.EFS:
        return "TimedStorage-" in bare
    return bare.startswith(("EBS:VolumeUsage", "EBS:Snapshot"))


def is_hot_usage_type(kind: StorageService, usage_type: str) -> bool:
    """Hot tier: S3 Standard and INT Frequent Access, EFS Standard, EBS volumes (not snapshots)."""
    bare = strip_region_prefix(usage_type)
    if kind is StorageService.S3:
        return bare in ("TimedStorage-ByteHrs", "TimedStorage-INT-FA-ByteHrs")
    if kind is StorageService.EFS:
        return bare == "TimedStorage-ByteHrs"
    return bare.startswith("EBS:VolumeUsage")
