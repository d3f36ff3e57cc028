"""The Lambda handler end to end: local Cost Explorer in, moto S3 out, every number by hand.

The account is `tests/e2e_account.py`. The clock stands at 2026-11-01 06:00 UTC, so the
scheduled event writes exactly the last complete month, October 2026, compared with September
2026 and October 2025. Every expected value below is worked out from the bill lines in that
file; the arithmetic is in the comments.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dapanoskop.handler import handle
from dapanoskop.localce import LocalCostExplorer
from tests.conftest import BUCKET
from tests.e2e_account import COST_CATEGORY, line_items

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
GIB = 2**30

# --- Totals ----------------------------------------------------------------------------------
# October 2026, by cost center (sums of the bill lines):
#   Research  genome-pipeline 47.104 + 23.552 + 38.40 + 61.20 + 61.20 = 231.456
#             imaging 52.60 + 12.80 + 1.20 = 66.60; hpc-scheduler 69.12
#             analytics 16.6667 + 0.40 = 17.0667
#             -> 231.456 + 66.60 + 69.12 + 17.0667 = 384.2427
#   Platform  genome-pipeline 4.096; data-lake 23.552 + 5.00 = 28.552
#             ci-runners 40.48 + 8.885 = 49.365; billing-api 8.33335 + 9.00 = 17.33335
#             backups 102.40; orders-db 81.92 + 195.00 = 276.92; Untagged 2.02752
#             -> 4.096 + 28.552 + 49.365 + 17.33335 + 102.40 + 276.92 + 2.02752 = 480.69387
#   Teaching  web-portal 153.60 + 25.60 + 5.888 + 32.832 = 217.92
#             lms 59.904 + 4.50 = 64.404; notebooks 8.096 + 12.80 = 20.896
#             -> 217.92 + 64.404 + 20.896 = 303.22
#   Uncategorized  Untagged 4.00 + 62.25 - 25.00 = 41.25
#   Total 384.2427 + 480.69387 + 303.22 + 41.25 = 1209.40657 -> 1209.41
# September 2026:
#   Research  genome-pipeline 47.104 + 11.776 + 25.60 + 102.00 = 186.48; imaging 26.30;
#             hpc-scheduler 69.12 -> 281.90
#   Platform  4.096 + 23.552 + 20.24 + 6.66668 + 51.20 + 81.92 + 2.02752 = 189.7022
#   Teaching  web-portal 153.60 + lms 59.904 = 213.504
#   Uncategorized  tax 50.00
#   Total 281.90 + 189.7022 + 213.504 + 50.00 = 735.1062 -> 735.11
# October 2025: Research 122.40; Teaching legacy-wiki 33.408 + lms 29.952 = 63.36;
#   Uncategorized tax 20.00; total 205.76.
# (The August 2026 and November 2025 noise lines, 999.99 and 888.88, appear nowhere.)

# --- Tagging (October), usage charges only ------------------------------------------------------
# untaggable = 62.25 (tax) - 25.00 (credit) = 37.25, by their record types
# untagged   = 2.02752 (deep archive) + 4.00 (transfer) = 6.02752 -> 6.03
# tagged     = 1209.40657 - 37.25 - 6.02752 = 1166.12905 -> 1166.13
# share      = 1166.12905 / (1166.12905 + 6.02752) x 100 = 99.4857... -> 99.5

# --- Cost centers: rounded half up to cents at the very end ------------------------------------
# ci-runners 49.365 -> 49.37 (half up, not half even); Platform 480.69387 -> 480.69;
# billing-api 17.33335 -> 17.33 and 6.66668 -> 6.67; legacy-wiki 33.408 -> 33.41.
# legacy-wiki had cost only in October 2025 and is listed with 0 now; analytics and notebooks
# only in October 2026. genome-pipeline and Untagged each appear under two cost centers.


def _workload(name: str, current: float, prev: float, yoy: float) -> dict[str, Any]:
    return {
        "name": name,
        "current_cost_usd": current,
        "prev_month_cost_usd": prev,
        "yoy_cost_usd": yoy,
    }


COST_CENTERS = [
    {
        **_workload("Platform", 480.69, 189.70, 0.0),
        "workloads": [
            _workload("orders-db", 276.92, 81.92, 0.0),
            _workload("backups", 102.40, 51.20, 0.0),
            _workload("ci-runners", 49.37, 20.24, 0.0),
            _workload("data-lake", 28.55, 23.55, 0.0),
            _workload("billing-api", 17.33, 6.67, 0.0),
            _workload("genome-pipeline", 4.10, 4.10, 0.0),
            _workload("Untagged", 2.03, 2.03, 0.0),
        ],
    },
    {
        **_workload("Research", 384.24, 281.90, 122.40),
        "workloads": [
            _workload("genome-pipeline", 231.46, 186.48, 122.40),
            _workload("hpc-scheduler", 69.12, 69.12, 0.0),
            _workload("imaging", 66.60, 26.30, 0.0),
            _workload("analytics", 17.07, 0.0, 0.0),
        ],
    },
    {
        **_workload("Teaching", 303.22, 213.50, 63.36),
        "workloads": [
            _workload("web-portal", 217.92, 153.60, 0.0),
            _workload("lms", 64.40, 59.90, 29.95),
            _workload("notebooks", 20.90, 0.0, 0.0),
            _workload("legacy-wiki", 0.0, 0.0, 33.41),
        ],
    },
    {
        **_workload("Uncategorized", 41.25, 50.00, 20.00),
        "workloads": [_workload("Untagged", 41.25, 50.00, 20.00)],
    },
]

# --- Storage -------------------------------------------------------------------------------
# S3 only (INCLUDE_EFS / INCLUDE_EBS false). Storage-category S3 lines of October:
#   Standard 2048 GB-Mo 47.104 (hot), INT-FA 1024 23.552 (hot), INT-IA 3072 38.40,
#   USE2 Standard-IA 1024 12.80, USE2 EarlyDelete-SIA 1.20 (cost, not capacity),
#   Glacier 1024 4.096, data-lake Standard 1024 23.552 (hot), deep archive 2048 2.02752,
#   web-portal Standard 256 5.888 (hot). Requests-Tier1 is Other, the S3 credit is Support.
#   cost = 47.104 + 23.552 + 38.40 + 12.80 + 1.20 + 4.096 + 23.552 + 2.02752 + 5.888
#        = 158.61952 -> 158.62
#   volume = 2048 + 1024 + 3072 + 1024 + 1024 + 1024 + 2048 + 256 = 11520 GB-Mo
#   hot    = 2048 + 1024 + 1024 + 256 = 4352 -> 4352 / 11520 = 37.78 % -> 37.8
#   per TiB = 158.61952 / (11520 / 1024 = 11.25) = 14.0995... -> 14.10
#   EFS Standard shares TimedStorage-ByteHrs with S3 but is left out by its service.
# September: Standard 2048 47.104 (hot), INT-FA 512 11.776 (hot), INT-IA 2048 25.60,
#   Glacier 1024 4.096, data-lake 1024 23.552 (hot), deep archive 2048 2.02752
#   cost = 114.15552 -> 114.16; volume 8704; hot 2048 + 512 + 1024 = 3584 -> 41.18 % -> 41.2
#   per TiB = 114.15552 / 8.5 = 13.4300... -> 13.43
S3_ONLY_STORAGE = {
    "total_cost_usd": 158.62,
    "prev_month_cost_usd": 114.16,
    "total_volume_bytes": 11520 * GIB,
    "prev_month_total_volume_bytes": 8704 * GIB,
    "hot_tier_percentage": 37.8,
    "prev_month_hot_tier_percentage": 41.2,
    "cost_per_tb_usd": 14.10,
    "prev_month_cost_per_tb_usd": 13.43,
}
# EFS and EBS too. October adds EFS Standard 512 GB-Mo 153.60 (hot), EFS IA 1024 25.60,
#   EBS snapshots 2048 102.40, gp3 volume 1024 81.92 (hot), io IOPS 195.00 (cost, not
#   capacity), gp2 volume 128 12.80 (hot):
#   cost = 158.61952 + 153.60 + 25.60 + 102.40 + 81.92 + 195.00 + 12.80 = 729.93952 -> 729.94
#   volume = 11520 + 512 + 1024 + 2048 + 1024 + 128 = 16256 GB-Mo
#   hot    = 4352 + 512 + 1024 + 128 = 6016 -> 6016 / 16256 = 37.008 % -> 37.0
#   per TiB = 729.93952 / (16256 / 1024 = 15.875) = 45.9804... -> 45.98
# September adds EFS Standard 512 153.60 (hot), snapshots 1024 51.20, gp3 1024 81.92 (hot):
#   cost = 114.15552 + 153.60 + 51.20 + 81.92 = 400.87552 -> 400.88
#   volume = 8704 + 512 + 1024 + 1024 = 11264; hot = 3584 + 512 + 1024 = 5120 -> 45.45 % -> 45.5
#   per TiB = 400.87552 / 11 = 36.4432... -> 36.44
ALL_STORAGE = {
    "total_cost_usd": 729.94,
    "prev_month_cost_usd": 400.88,
    "total_volume_bytes": 16256 * GIB,
    "prev_month_total_volume_bytes": 11264 * GIB,
    "hot_tier_percentage": 37.0,
    "prev_month_hot_tier_percentage": 45.5,
    "cost_per_tb_usd": 45.98,
    "prev_month_cost_per_tb_usd": 36.44,
}

# --- Cost Explorer requests ----------------------------------------------------------------------
# App x USAGE_TYPE, App x COST_CATEGORY and RECORD_TYPE x USAGE_TYPE: [2025-10] and
# [2026-09, 2026-10] -> 2 + 2 + 2; SERVICE x USAGE_TYPE: [2026-09, 2026-10] -> 1. Every answer
# fits one page. Total 7 GetCostAndUsage, + 1 ListCostCategoryDefinitions (the category has
# no definition: no split rules) = 8 ($0.08).
CE_REQUESTS = 8
BY_OPERATION = {"GetCostAndUsage": 7, "ListCostCategoryDefinitions": 1}


def _class(
    service: str, usage_type: str, name: str, gib: int, cost: float, prev_gib: int, prev: float
) -> dict[str, Any]:
    return {
        "service": service,
        "usage_type": usage_type,
        "storage_class": name,
        "average_bytes": gib * GIB,
        "cost_usd": cost,
        "prev_month_average_bytes": prev_gib * GIB,
        "prev_month_cost_usd": prev,
    }


S3_SERVICE, EFS_SERVICE, EBS_SERVICE = (
    "Amazon Simple Storage Service",
    "Amazon Elastic File System",
    "EC2 - Other",
)
# --- Storage classes: the same scope as storage_metrics, (service, usage type) -----------------
# S3 Standard: genome 2048 + data-lake 1024 + web-portal 256 = 3328 GB-Mo, 47.104 + 23.552
#   + 5.888 = 76.544 -> 76.54; September 2048 + 1024 = 3072, 70.656 -> 70.66. The others as
#   listed above (USE2-TimedStorage-SIA-ByteHrs without its prefix). Biggest first, then by
#   service and usage type; their volumes add up to total_volume_bytes (11520 / 16256 GiB).
S3_CLASSES = [
    _class(S3_SERVICE, "TimedStorage-ByteHrs", "S3 Standard", 3328, 76.54, 3072, 70.66),
    _class(
        S3_SERVICE,
        "TimedStorage-INT-IA-ByteHrs",
        "S3 Intelligent-Tiering Infrequent Access",
        3072,
        38.4,
        2048,
        25.6,
    ),
    _class(
        S3_SERVICE, "TimedStorage-GDA-ByteHrs", "S3 Glacier Deep Archive", 2048, 2.03, 2048, 2.03
    ),
    _class(
        S3_SERVICE,
        "TimedStorage-GlacierByteHrs",
        "S3 Glacier Flexible Retrieval",
        1024,
        4.1,
        1024,
        4.1,
    ),
    _class(
        S3_SERVICE,
        "TimedStorage-INT-FA-ByteHrs",
        "S3 Intelligent-Tiering Frequent Access",
        1024,
        23.55,
        512,
        11.78,
    ),
    _class(S3_SERVICE, "TimedStorage-SIA-ByteHrs", "S3 Standard-IA", 1024, 12.8, 0, 0.0),
]
ALL_CLASSES = [
    *S3_CLASSES[:3],
    _class(EBS_SERVICE, "EBS:SnapshotUsage", "EBS snapshots", 2048, 102.4, 1024, 51.2),
    _class(EFS_SERVICE, "IATimedStorage-ByteHrs", "EFS Infrequent Access", 1024, 25.6, 0, 0.0),
    *S3_CLASSES[3:],
    _class(EBS_SERVICE, "EBS:VolumeUsage.gp3", "EBS gp3", 1024, 81.92, 1024, 81.92),
    _class(EFS_SERVICE, "TimedStorage-ByteHrs", "EFS Standard", 512, 153.6, 512, 153.6),
    _class(EBS_SERVICE, "EBS:VolumeUsage.gp2", "EBS gp2", 128, 12.8, 0, 0.0),
]


def expected_summary(*, storage: dict[str, Any], include: bool) -> dict[str, Any]:
    return {
        "schema_version": 2,
        "collected_at": "2026-11-01T06:00:00Z",
        "period": "2026-10",
        "is_mtd": False,
        "periods": {"current": "2026-10", "prev_month": "2026-09", "yoy": "2025-10"},
        # October closes on 4 November, so on 1 November it is still estimated.
        "period_status": {"current": "estimated", "prev_month": "final", "yoy": "final"},
        "cost_metric": "UnblendedCost",
        "workload_tag_key": "App",
        "cost_category_name": "Cost Center",
        "totals": {
            "current_cost_usd": 1209.41,
            "prev_month_cost_usd": 735.11,
            "yoy_cost_usd": 205.76,
        },
        "storage_config": {"include_efs": include, "include_ebs": include},
        "storage_metrics": storage,
        "storage_classes": ALL_CLASSES if include else S3_CLASSES,
        "cost_centers": COST_CENTERS,
        "tagging_coverage": {
            "tagged_cost_usd": 1166.13,
            "untagged_cost_usd": 6.03,
            "tagged_percentage": 99.5,
            "untaggable_cost_usd": 37.25,
        },
        "collection": {
            "ce_requests": CE_REQUESTS,
            "ce_requests_by_operation": BY_OPERATION,
        },
    }


# --- cost-by-workload.parquet: every (cost center, workload) x 3 periods, zero-filled, exact -----
# Sorted by cost center, workload, period; "Untagged" sorts before lower-case names.
WORKLOAD_ROWS = [
    (center, workload, period, cost)
    for center, workload, costs in [
        ("Platform", "Untagged", (0.0, 2.02752, 2.02752)),
        ("Platform", "backups", (0.0, 51.20, 102.40)),
        ("Platform", "billing-api", (0.0, 6.66668, 17.33335)),
        ("Platform", "ci-runners", (0.0, 20.24, 49.365)),
        ("Platform", "data-lake", (0.0, 23.552, 28.552)),
        ("Platform", "genome-pipeline", (0.0, 4.096, 4.096)),
        ("Platform", "orders-db", (0.0, 81.92, 276.92)),
        ("Research", "analytics", (0.0, 0.0, 17.0667)),
        ("Research", "genome-pipeline", (122.40, 186.48, 231.456)),
        ("Research", "hpc-scheduler", (0.0, 69.12, 69.12)),
        ("Research", "imaging", (0.0, 26.30, 66.60)),
        ("Teaching", "legacy-wiki", (33.408, 0.0, 0.0)),
        ("Teaching", "lms", (29.952, 59.904, 64.404)),
        ("Teaching", "notebooks", (0.0, 0.0, 20.896)),
        ("Teaching", "web-portal", (0.0, 153.60, 217.92)),
        ("Uncategorized", "Untagged", (20.00, 50.00, 41.25)),
    ]
    for period, cost in zip(("2025-10", "2026-09", "2026-10"), costs, strict=True)
]

# --- cost-by-usage-type.parquet: (workload, usage type, category, period, cost, quantity) ------
# Sorted by period, workload, usage type (code points). The web-portal's TimedStorage-ByteHrs
# in October is EFS 153.60 / 512 GB-Mo plus S3 5.888 / 256 GB-Mo = 159.488 / 768: this grouping
# does not look at the service. genome-pipeline's c5.xlarge is two lines of 360 h, 61.20 each.
USAGE_ROWS = [
    # October 2025
    ("Untagged", "Tax", "Support", "2025-10", 20.00, 0.0),
    ("genome-pipeline", "USE2-BoxUsage:c5.xlarge", "Compute", "2025-10", 122.40, 720.0),
    ("legacy-wiki", "BoxUsage:t2.medium", "Compute", "2025-10", 33.408, 720.0),
    ("lms", "BoxUsage:t3.large", "Compute", "2025-10", 29.952, 360.0),
    # September 2026
    ("Untagged", "Tax", "Support", "2026-09", 50.00, 0.0),
    ("Untagged", "TimedStorage-GDA-ByteHrs", "Storage", "2026-09", 2.02752, 2048.0),
    ("backups", "EBS:SnapshotUsage", "Storage", "2026-09", 51.20, 1024.0),
    ("billing-api", "Lambda-GB-Second", "Compute", "2026-09", 6.66668, 400000.0),
    ("ci-runners", "USE2-Fargate-vCPU-Hours:perCPU", "Compute", "2026-09", 20.24, 500.0),
    ("data-lake", "TimedStorage-ByteHrs", "Storage", "2026-09", 23.552, 1024.0),
    ("genome-pipeline", "TimedStorage-ByteHrs", "Storage", "2026-09", 47.104, 2048.0),
    ("genome-pipeline", "TimedStorage-GlacierByteHrs", "Storage", "2026-09", 4.096, 1024.0),
    ("genome-pipeline", "TimedStorage-INT-FA-ByteHrs", "Storage", "2026-09", 11.776, 512.0),
    ("genome-pipeline", "TimedStorage-INT-IA-ByteHrs", "Storage", "2026-09", 25.60, 2048.0),
    ("genome-pipeline", "USE2-BoxUsage:c5.xlarge", "Compute", "2026-09", 102.00, 600.0),
    ("hpc-scheduler", "BoxUsage:m5.large", "Compute", "2026-09", 69.12, 720.0),
    ("imaging", "BoxUsage:g4dn.xlarge", "Compute", "2026-09", 26.30, 50.0),
    ("lms", "BoxUsage:t3.large", "Compute", "2026-09", 59.904, 720.0),
    ("orders-db", "USE2-EBS:VolumeUsage.gp3", "Storage", "2026-09", 81.92, 1024.0),
    ("web-portal", "TimedStorage-ByteHrs", "Storage", "2026-09", 153.60, 512.0),
    # October 2026
    ("Untagged", "Credit", "Support", "2026-10", -25.00, 0.0),
    ("Untagged", "Tax", "Support", "2026-10", 62.25, 0.0),
    ("Untagged", "TimedStorage-GDA-ByteHrs", "Storage", "2026-10", 2.02752, 2048.0),
    ("Untagged", "USE2-USE1-AWS-Out-Bytes", "Other", "2026-10", 4.00, 200.0),
    ("analytics", "EU-Lambda-GB-Second", "Compute", "2026-10", 16.6667, 1000000.0),
    ("analytics", "EU-Request", "Compute", "2026-10", 0.40, 2000000.0),  # a Lambda charge
    ("backups", "EBS:SnapshotUsage", "Storage", "2026-10", 102.40, 2048.0),
    ("billing-api", "DataTransfer-Out-Bytes", "Other", "2026-10", 9.00, 100.0),
    ("billing-api", "Lambda-GB-Second", "Compute", "2026-10", 8.33335, 500000.0),
    ("ci-runners", "USE2-Fargate-GB-Hours", "Compute", "2026-10", 8.885, 2000.0),
    ("ci-runners", "USE2-Fargate-vCPU-Hours:perCPU", "Compute", "2026-10", 40.48, 1000.0),
    ("data-lake", "Requests-Tier1", "Other", "2026-10", 5.00, 1000000.0),
    ("data-lake", "TimedStorage-ByteHrs", "Storage", "2026-10", 23.552, 1024.0),
    ("genome-pipeline", "TimedStorage-ByteHrs", "Storage", "2026-10", 47.104, 2048.0),
    ("genome-pipeline", "TimedStorage-GlacierByteHrs", "Storage", "2026-10", 4.096, 1024.0),
    ("genome-pipeline", "TimedStorage-INT-FA-ByteHrs", "Storage", "2026-10", 23.552, 1024.0),
    ("genome-pipeline", "TimedStorage-INT-IA-ByteHrs", "Storage", "2026-10", 38.40, 3072.0),
    ("genome-pipeline", "USE2-BoxUsage:c5.xlarge", "Compute", "2026-10", 122.40, 720.0),
    ("hpc-scheduler", "BoxUsage:m5.large", "Compute", "2026-10", 69.12, 720.0),
    ("imaging", "BoxUsage:g4dn.xlarge", "Compute", "2026-10", 52.60, 100.0),
    ("imaging", "USE2-EarlyDelete-SIA", "Storage", "2026-10", 1.20, 96.0),
    ("imaging", "USE2-TimedStorage-SIA-ByteHrs", "Storage", "2026-10", 12.80, 1024.0),
    ("lms", "BoxUsage:t3.large", "Compute", "2026-10", 59.904, 720.0),
    ("lms", "EU-DataTransfer-Out-Bytes", "Other", "2026-10", 4.50, 50.0),
    ("notebooks", "EBS:VolumeUsage.gp2", "Storage", "2026-10", 12.80, 128.0),
    ("notebooks", "Fargate-vCPU-Hours:perCPU", "Compute", "2026-10", 8.096, 200.0),
    ("orders-db", "USE2-EBS:VolumeP-IOPS.piops", "Storage", "2026-10", 195.00, 3000.0),
    ("orders-db", "USE2-EBS:VolumeUsage.gp3", "Storage", "2026-10", 81.92, 1024.0),
    ("web-portal", "EU-BoxUsage:t3.medium", "Compute", "2026-10", 32.832, 720.0),
    ("web-portal", "IATimedStorage-ByteHrs", "Storage", "2026-10", 25.60, 1024.0),
    ("web-portal", "TimedStorage-ByteHrs", "Storage", "2026-10", 159.488, 768.0),
]

# Category sums of the usage-type file, per period, for the DuckDB query:
#   2025-10 Compute 122.40 + 33.408 + 29.952 = 185.76; Support 20.00
#   2026-09 Compute 102.00 + 26.30 + 69.12 + 20.24 + 6.66668 + 59.904 = 284.23068
#           Storage 400.87552 (= the EFS+EBS storage cost: every Storage line is S3/EFS/EBS)
#           Support 50.00
#   2026-10 Compute 122.40 + 52.60 + 69.12 + 16.6667 + 0.40 (Lambda requests: the service is
#                   AWS Lambda) + 40.48 + 8.885 + 8.33335 + 32.832 + 59.904 + 8.096 = 419.71705
#           Other 5.00 + 9.00 + 4.50 + 4.00 = 22.50
#           Storage 729.93952; Support 62.25 - 25.00 = 37.25 (tax and credit record types)
#   check: 419.71705 + 22.50 + 729.93952 + 37.25 = 1209.40657, the October total.
CATEGORY_SUMS = [
    ("2025-10", "Compute", 185.76, 3),
    ("2025-10", "Support", 20.00, 1),
    ("2026-09", "Compute", 284.23068, 6),
    ("2026-09", "Storage", 400.87552, 9),
    ("2026-09", "Support", 50.00, 1),
    ("2026-10", "Compute", 419.71705, 11),
    ("2026-10", "Other", 22.50, 4),
    ("2026-10", "Storage", 729.93952, 14),
    ("2026-10", "Support", 37.25, 2),
]

WORKLOAD_SCHEMA = [
    ("cost_center", pa.string()),
    ("workload", pa.string()),
    ("period", pa.string()),
    ("cost_usd", pa.float64()),
]
USAGE_SCHEMA = [
    ("workload", pa.string()),
    ("usage_type", pa.string()),
    ("category", pa.string()),
    ("period", pa.string()),
    ("cost_usd", pa.float64()),
    ("usage_quantity", pa.float64()),
]
JSON = "application/json"
PARQUET = "application/vnd.apache.parquet"


def run_handler(s3: Any, env: dict[str, str]) -> tuple[dict[str, Any], LocalCostExplorer]:
    fake = LocalCostExplorer(line_items(), NOW.date())
    answer = handle({}, env, lambda: NOW, ce_client=fake.client(), s3_client=s3)
    return answer, fake


def read(s3: Any, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def parquet_rows(data: bytes, schema: list[tuple[str, pa.DataType]]) -> list[tuple[Any, ...]]:
    """All rows, after checking the contract's column order, types and no nulls."""
    table = pq.read_table(io.BytesIO(data))
    assert [(field.name, field.type) for field in table.schema] == schema
    assert all(table.column(name).null_count == 0 for name, _ in schema)
    return list(zip(*(table.column(name).to_pylist() for name, _ in schema), strict=True))


@pytest.mark.parametrize(
    ("include", "prefix"),
    [
        pytest.param("false", "", id="s3-only-bucket-root"),
        pytest.param("True", "reports/aws", id="efs-and-ebs-under-prefix"),
    ],
)
def test_scheduled_run_writes_last_complete_month(s3: Any, include: str, prefix: str) -> None:
    env = {
        "DATA_BUCKET": BUCKET,
        "DATA_PREFIX": prefix,
        "COST_CATEGORY_NAME": COST_CATEGORY,
        "INCLUDE_EFS": include,
        "INCLUDE_EBS": include,
    }
    included = include.lower() == "true"
    base = f"{prefix}/" if prefix else ""

    answer, fake = run_handler(s3, env)

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {
        "mode": "daily",
        "destination": f"s3://{BUCKET}/{prefix}",
        "succeeded": ["2026-10"],  # on the 1st there is no month-to-date period
        "skipped": [],
        "failed": [],
        "ce_requests": CE_REQUESTS,
        "ce_requests_by_operation": BY_OPERATION,
        "ce_cost_usd": "0.08",
        "index": ["2026-10"],
    }
    assert fake.request_count() == CE_REQUESTS

    keys = {
        f"{base}index.json": JSON,
        f"{base}2026-10/summary.json": JSON,
        f"{base}2026-10/cost-by-workload.parquet": PARQUET,
        f"{base}2026-10/cost-by-usage-type.parquet": PARQUET,
    }
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(obj["Key"] for obj in listed) == sorted(keys)
    for key, content_type in keys.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert (key, head["ContentType"], head["ServerSideEncryption"]) == (
            key,
            content_type,
            "AES256",
        )

    assert json.loads(read(s3, f"{base}index.json")) == {
        "periods": ["2026-10"],
        "updated_at": "2026-11-01T06:00:00Z",
    }
    summary = json.loads(read(s3, f"{base}2026-10/summary.json"))
    storage = ALL_STORAGE if included else S3_ONLY_STORAGE
    expected = expected_summary(storage=storage, include=included)
    assert summary == expected
    # Equal as JSON text too, so an int where a float is expected (or back) is caught.
    assert json.dumps(summary, sort_keys=True) == json.dumps(expected, sort_keys=True)

    workload_file = read(s3, f"{base}2026-10/cost-by-workload.parquet")
    assert parquet_rows(workload_file, WORKLOAD_SCHEMA) == WORKLOAD_ROWS
    usage_file = read(s3, f"{base}2026-10/cost-by-usage-type.parquet")
    assert parquet_rows(usage_file, USAGE_SCHEMA) == USAGE_ROWS


def test_usage_type_file_answers_duckdb_queries(s3: Any, tmp_path: Path) -> None:
    answer, _ = run_handler(s3, {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": COST_CATEGORY})
    assert answer["statusCode"] == 200
    path = tmp_path / "cost-by-usage-type.parquet"
    path.write_bytes(read(s3, "2026-10/cost-by-usage-type.parquet"))
    with duckdb.connect() as con:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        assert [(row[0], row[1]) for row in described] == [
            ("workload", "VARCHAR"),
            ("usage_type", "VARCHAR"),
            ("category", "VARCHAR"),
            ("period", "VARCHAR"),
            ("cost_usd", "DOUBLE"),
            ("usage_quantity", "DOUBLE"),
        ]
        sums = con.execute(
            "SELECT period, category, round(sum(cost_usd), 6), count(*) "
            "FROM read_parquet(?) GROUP BY period, category ORDER BY period, category",
            [str(path)],
        ).fetchall()
    assert sums == CATEGORY_SUMS


def test_second_run_with_the_same_clock_writes_identical_bytes(s3: Any) -> None:
    env = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": COST_CATEGORY}
    keys = [
        "index.json",
        "2026-10/summary.json",
        "2026-10/cost-by-workload.parquet",
        "2026-10/cost-by-usage-type.parquet",
    ]
    run_handler(s3, env)
    first = {key: read(s3, key) for key in keys}
    answer, _ = run_handler(s3, env)
    # October is still estimated, so the daily run writes it again rather than skipping it.
    assert json.loads(answer["body"])["succeeded"] == ["2026-10"]
    assert {key: read(s3, key) for key in keys} == first
