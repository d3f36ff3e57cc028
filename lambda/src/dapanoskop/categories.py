"""What a charge pays for: region prefixes, categories (contract §4) and storage scope (§3.2).

A category is decided from what Cost Explorer says about a charge, in this order:

1. its record type (RECORD_TYPE, "charge type" in the console): taxes, credits, refunds,
   one-time fees and discounts are `Support` whatever their usage type is called;
2. its service: the `Tax` service and the `AWS Support (...)` plans are `Support`; a few usage
   types mean something only together with their service (Redshift `Node:`);
3. its usage type, matched after removing any region prefix (rules below, first match wins).

Everything here is pure and cheap, and cached per distinct name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cache

logger = logging.getLogger(__name__)


class Category(StrEnum):
    STORAGE = "Storage"
    COMPUTE = "Compute"
    SUPPORT = "Support"
    OTHER = "Other"


# Billing region codes as they appear in usage types: AWS "Region billing codes" table and
# the S3 usage-report page (shared/aws-facts.md §2.1), Local Zone and Wavelength codes
# (`USE1-LAX1-`, `USW2-WL1-...`), GovCloud (`UGW1`, `UGE1`), China (`CNN1`, `CNW1`) and the
# CloudFront edge locations (`US-`, `EU-`, `JP-`, `AU-`, `IN-`, `ZA-`, `ME-`, `SA-`, `AP-`,
# `CA-`, `KR-`: CloudFront pricing by edge location groups). A code not listed here but
# shaped like one (letters then digits) is stripped too and logged once.
KNOWN_REGION_CODES = frozenset(
    {
        "USE1", "USE2", "USW1", "USW2", "CAN1", "CAN2", "MXC1",
        "EU", "EUW2", "EUW3", "EUC1", "EUC2", "EUN1", "EUS1", "EUS2",
        "APE1", "APE2", "APN1", "APN2", "APN3",
        "APS1", "APS2", "APS3", "APS4", "APS5", "APS6", "APS7", "APS8", "APS9",
        "SAE1", "MES1", "MEC1", "ILC1", "CPT", "AFS1", "UGW1", "UGE1", "CNN1", "CNW1",
        # Local Zones (parent region code + metro code), e.g. USE1-LAX1-, USE1-BOS1-.
        "LAX1", "BOS1", "DFW1", "HOU1", "IAH1", "MIA1", "NYC1", "PHL1", "ATL1", "CHI1",
        "DEN1", "KCI1", "LAS1", "MSP1", "PDX1", "PHX1", "SEA1", "QRO1", "BUE1", "LIM1",
        "SCL1", "TPE1", "BKK1", "DEL1", "CCU1", "MNL1", "PER1", "AKL1", "HEL1", "CPH1",
        "WAW1", "HAM1", "LOS1", "MCT1", "TAE1",
        # Wavelength zones carry WL1/WL2 after the parent code.
        "WL1", "WL2",
        # CloudFront edge location groups.
        "US", "JP", "AU", "IN", "ZA", "ME", "SA", "AP", "CA", "KR",
    }
)  # fmt: skip

# A code: 2-4 capital letters with one or more digits (`USE1`, `LAX1`, `WL1`, a region AWS
# launches next year), or a known code without digits (`EU`, `CPT`, `JP`). One or two of them,
# each followed by `-`; a third piece that is all capitals and digits is a Wavelength metro.
_CODE = r"[A-Z]{2,4}\d{1,2}|[A-Z]{2,3}"
_PREFIX = re.compile(rf"^(?P<codes>(?:(?:{_CODE})-){{1,3}})")
_SHAPED_LIKE_A_REGION = re.compile(r"^[A-Z]{2,4}\d{1,2}$")
# Shaped like a code but the start of a usage type's own name.
_NOT_CODES = frozenset({"EC2", "EC2SP", "G4DN", "P4D", "P5"})

_unknown_codes_logged: set[str] = set()


def _is_code(piece: str) -> bool:
    if piece in _NOT_CODES:
        return False
    return piece in KNOWN_REGION_CODES or bool(_SHAPED_LIKE_A_REGION.match(piece))


@cache
def strip_region_prefix(usage_type: str) -> str:
    """`USE2-BoxUsage:m5.large` -> `BoxUsage:m5.large`; `APE1-USE1-AWS-In-Bytes` -> `AWS-In-Bytes`.

    Removes one to three leading codes (`USE1-LAX1-`, `USE1-EUC1-`, `EU-`), known or shaped like
    one (capitals then digits): an unknown code is stripped and logged once per process, never
    a reason to change the category. Capitals without digits count only when they are a known
    code, so `AWS-Out-Bytes`, `EBS:VolumeUsage` or `CW:Requests` stay whole.
    """
    match = _PREFIX.match(usage_type)
    if not match:
        return usage_type
    pieces = match.group("codes").split("-")[:-1]
    taken = 0
    for piece in pieces:
        if not _is_code(piece):
            break
        taken += 1
    if taken == 0:
        return usage_type
    rest = usage_type[sum(len(p) + 1 for p in pieces[:taken]) :]
    if not rest:
        return usage_type
    _log_unknown(pieces[:taken], usage_type)
    return rest


def _log_unknown(codes: Iterable[str], usage_type: str) -> None:
    for code in codes:
        if code not in KNOWN_REGION_CODES and code not in _unknown_codes_logged:
            _unknown_codes_logged.add(code)
            logger.info("unknown region code stripped code=%s usage_type=%s", code, usage_type)


# --- record types ------------------------------------------------------------------------
# Cost Explorer RECORD_TYPE values (GetDimensionValues RECORD_TYPE; the same names as CUR's
# line_item_line_item_type in the Data Exports table dictionary): charges that pay for no usage
# and cannot carry a tag. `Fee` is a one-time fee (an RI's upfront payment, a domain
# registration); `SavingsPlanUpfrontFee` likewise. Discounts (`BundledDiscount`, `Discount`,
# `EdpDiscount`, `PrivateRateDiscount`, `SppDiscount`, `Distributor Discount`) act like credits.
UNTAGGABLE_RECORD_TYPES = frozenset(
    {
        "Tax",
        "Credit",
        "Refund",
        "Fee",
        "SavingsPlanUpfrontFee",
        "Support fee",
        "BundledDiscount",
        "Discount",
        "EdpDiscount",
        "PrivateRateDiscount",
        "SppDiscount",
        "SPPDiscount",
        "Distributor Discount",
    }
)

# Services that are the charge itself: the tax line and the support plans.
TAX_SERVICE = "Tax"
_SUPPORT_SERVICE_PREFIX = "AWS Support"

S3_SERVICE = "Amazon Simple Storage Service"
EFS_SERVICE = "Amazon Elastic File System"
# Cost Explorer files EBS volumes and snapshots under "EC2 - Other"; usage types name them.
EBS_SERVICES = frozenset({"EC2 - Other", "Amazon Elastic Compute Cloud - Compute"})
REDSHIFT_SERVICE = "Amazon Redshift"
BACKUP_SERVICE = "AWS Backup"

# Units whose quantity is a monthly average of stored capacity, with bytes per unit.
VOLUME_UNIT_BYTES = {"GB-Mo": 2**30, "GB-Month": 2**30}


def is_untaggable_record_type(record_type: str) -> bool:
    return record_type in UNTAGGABLE_RECORD_TYPES


def is_untaggable_service(service: str) -> bool:
    """Tax and support plans: account-level charges that no resource (so no tag) carries."""
    return service == TAX_SERVICE or service.startswith(_SUPPORT_SERVICE_PREFIX)


# --- usage-type rules ----------------------------------------------------------------------
# Matched against the usage type without its region prefix; first match wins. Sources: the
# per-service usage-type pages of the AWS docs (EC2 "Understanding your usage types", RDS,
# ElastiCache, OpenSearch, Redshift, SageMaker pricing dimensions, S3 and EFS usage reports,
# AWS Backup), Savings Plans and RI billing pages. The catalog in tests/data/usage_types.csv
# lists real usage types with their services and expected categories.
_SUPPORT_NAMES = ("Tax", "Fee", "Refund", "Credit", "Premium")
_STORAGE_NAMES = (
    "TimedStorage",  # S3 classes, EFS Standard, DynamoDB, ECR, CloudWatch Logs archive
    "EarlyDelete",
    "EBS:",  # volumes, snapshots, IOPS, throughput
    "Aurora:StorageUsage",
    "Aurora:StorageIOUsage",
    "Aurora:BackupUsage",
    "TimedBackupStorage",  # DynamoDB on-demand backups
    "TimedPITRStorage",  # DynamoDB point-in-time recovery
    "WarmStorage-",  # AWS Backup
    "ColdStorage-",  # AWS Backup
    "SnapshotUsage",  # Redshift/ElastiCache/Neptune snapshot storage
    "BackupUsage",
    "ElastiCache:BackupUsage",
    "ES:Storage",  # OpenSearch attached storage, e.g. ES:GP3-Storage
    "ES:GP2-Storage",
    "ES:GP3-Storage",
    "ES:PIOPS-Storage",
)
# Names that contain (rather than start with) a storage word: EFS `IATimedStorage-ByteHrs`,
# S3 Tables `Tables-TimedStorage-ByteHrs`, Backup `EFS-WarmStorage...`.
_STORAGE_INFIXES = ("TimedStorage", "-Storage", "BackupStorage")
# RDS storage, I/O and backups: RDS:GP2-Storage, RDS:GP3-Storage, RDS:PIOPS-Storage,
# RDS:Multi-AZ-GP2-Storage, RDS:PIOPS, RDS:ChargedBackupUsage, RDS:StorageIOUsage.
_RDS_PREFIX = "RDS:"
_RDS_STORAGE_WORDS = ("Storage", "Backup", "IOPS", "PIOPS", "Throughput", "Snapshot")
# Data transfer names, which stay Other whatever service they are billed under.
_TRANSFER_WORDS = ("DataTransfer", "AWS-Out-", "AWS-In-", "CloudFront-Out-", "CloudFront-In-")
# Services whose every usage type (but data transfer and storage) pays for compute.
_COMPUTE_SERVICES = frozenset(
    {
        "AWS Lambda",
        "Amazon Elastic Container Service",
        "Amazon Elastic Container Service for Kubernetes",
    }
)
_COMPUTE_NAMES = (
    "BoxUsage",
    "CPUCredits:",  # burstable instances beyond their baseline
    "SpotUsage",
    "DedicatedUsage",
    "HostUsage",
    "SchedUsage",
    "ReservedHostUsage",
    "UnusedBox",  # unused On-Demand Capacity Reservations
    "UnusedDed",
    "SoftwareUsage:",  # software billed per instance hour (Marketplace AMIs)
    "Lambda",
    "Fargate",
    "ECS",
    "AmazonEKS-Hours",  # EKS cluster hours (AmazonEKS-Hours:perCluster)
    "EKS-",
    "InstanceUsage",  # RDS / Aurora instance hours, also InstanceUsageIOOptimized:db.*
    "Multi-AZUsage:db.",
    "Aurora:ServerlessV2Usage",
    "Aurora:ServerlessUsage",
    "ServerlessV2Usage",
    "NodeUsage:cache.",  # ElastiCache
    "NodeUsage:",
    "ElastiCache:ServerlessCompute",
    "ESInstance:",  # OpenSearch
    "ES:ServerlessCompute",
    "HeavyUsage",  # reserved instance recurring fees (any service)
    "ComputeSP:",  # Savings Plans recurring fees
    "EC2SP:",
    "MachineLearningSP:",
    "DatabaseSP:",
    "SageMakerSP:",
    "RedshiftServerless",
)
# SageMaker instance hours: `Host:ml.m5.large`, `Train:ml.p3.2xlarge`, `Notebk:ml.t3.medium`,
# `Studio_Notebook:ml.t3.medium`, `Processing:ml.m5.xlarge`: the `:ml.` instance family is the
# signal, whatever the job kind before it.
_SAGEMAKER_INSTANCE = ":ml."
# Redshift node hours are `Node:dc2.large`, `Node:ra3.4xlarge`: generic enough to need the
# service.
_REDSHIFT_NODE = "Node:"


def _category_by_name(bare: str, services: frozenset[str], support_names: bool) -> Category:
    if support_names and bare.startswith(_SUPPORT_NAMES):
        return Category.SUPPORT
    if _is_storage_name(bare, services):
        return Category.STORAGE
    if any(word in bare for word in _TRANSFER_WORDS) or bare.endswith("-Bytes"):
        return Category.OTHER
    if bare.startswith(_COMPUTE_NAMES) or _SAGEMAKER_INSTANCE in bare:
        return Category.COMPUTE
    if bare.startswith(_REDSHIFT_NODE) and (not services or REDSHIFT_SERVICE in services):
        return Category.COMPUTE
    if services and services <= _COMPUTE_SERVICES:
        return Category.COMPUTE
    return Category.OTHER


def _is_storage_name(bare: str, services: frozenset[str]) -> bool:
    if bare.startswith(_STORAGE_NAMES) or any(word in bare for word in _STORAGE_INFIXES):
        return True
    if bare.startswith(_RDS_PREFIX):
        return any(word in bare for word in _RDS_STORAGE_WORDS)
    return BACKUP_SERVICE in services and "Storage" in bare


@cache
def categorize(
    usage_type: str,
    services: frozenset[str] = frozenset(),
    record_type: str | None = None,
) -> Category:
    """The category of a charge: record type first, then service, then the usage type.

    `services` are the services Cost Explorer reported the usage type under (empty: not
    known), `record_type` what kind of charge it is (None: not known). A usage type alone is
    classified by its name (the schema 1 patterns widened to the rules above); the Support
    names (`Tax*`, `Credit*`, ...) count only then: a known usage record type says otherwise.
    """
    if record_type is not None and is_untaggable_record_type(record_type):
        return Category.SUPPORT
    if services and all(is_untaggable_service(service) for service in services):
        return Category.SUPPORT
    return _category_by_name(strip_region_prefix(usage_type), services, record_type is None)


# --- storage scope (contract §3.2) ----------------------------------------------------------


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


# Storage class names for the volume table (S3 usage report page, EFS and EBS pricing pages).
_S3_CLASSES = {
    "TimedStorage-ByteHrs": "S3 Standard",
    "TimedStorage-INT-FA-ByteHrs": "S3 Intelligent-Tiering Frequent Access",
    "TimedStorage-INT-IA-ByteHrs": "S3 Intelligent-Tiering Infrequent Access",
    "TimedStorage-INT-AIA-ByteHrs": "S3 Intelligent-Tiering Archive Instant Access",
    "TimedStorage-INT-AA-ByteHrs": "S3 Intelligent-Tiering Archive Access",
    "TimedStorage-INT-DAA-ByteHrs": "S3 Intelligent-Tiering Deep Archive Access",
    "TimedStorage-SIA-ByteHrs": "S3 Standard-IA",
    "TimedStorage-SIA-SmObjects": "S3 Standard-IA (small objects)",
    "TimedStorage-ZIA-ByteHrs": "S3 One Zone-IA",
    "TimedStorage-ZIA-SmObjects": "S3 One Zone-IA (small objects)",
    "TimedStorage-GIR-ByteHrs": "S3 Glacier Instant Retrieval",
    "TimedStorage-GIR-SmObjects": "S3 Glacier Instant Retrieval (small objects)",
    "TimedStorage-GlacierByteHrs": "S3 Glacier Flexible Retrieval",
    "TimedStorage-GlacierStaging": "S3 Glacier Flexible Retrieval (staging)",
    "TimedStorage-GDA-ByteHrs": "S3 Glacier Deep Archive",
    "TimedStorage-GDA-Staging": "S3 Glacier Deep Archive (staging)",
    "TimedStorage-RRS-ByteHrs": "S3 Reduced Redundancy",
    "TimedStorage-XZ-ByteHrs": "S3 Express One Zone",
}
_EFS_CLASSES = {
    "TimedStorage-ByteHrs": "EFS Standard",
    "IATimedStorage-ByteHrs": "EFS Infrequent Access",
    "ArchiveTimedStorage-ByteHrs": "EFS Archive",
    "TimedStorage-Z-ByteHrs": "EFS One Zone",
    "IATimedStorage-Z-ByteHrs": "EFS One Zone-IA",
}


def storage_class_name(kind: StorageService, usage_type: str) -> str:
    """A reader's name for a capacity usage type: `S3 Standard`, `EFS Standard`, `EBS gp3`."""
    bare = strip_region_prefix(usage_type)
    if kind is StorageService.S3:
        return _S3_CLASSES.get(bare, f"S3 {bare}")
    if kind is StorageService.EFS:
        return _EFS_CLASSES.get(bare, f"EFS {bare}")
    if bare.startswith("EBS:VolumeUsage"):
        volume = bare.removeprefix("EBS:VolumeUsage").lstrip(".") or "standard"
        return f"EBS {'io1' if volume == 'piops' else volume}"
    return "EBS snapshots" if bare == "EBS:SnapshotUsage" else f"EBS {bare.removeprefix('EBS:')}"
