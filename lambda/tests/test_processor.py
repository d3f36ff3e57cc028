"""build_period_report on hand-built Cost Explorer data, every field checked by hand."""

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from dapanoskop.model import (
    ChargeLine,
    CostCenterLine,
    ServiceLine,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.periods import complete_month_spec, mtd_spec
from dapanoskop.processing.rows import UsageTypeRow
from dapanoskop.processor import ReportOptions, WorkloadRow, build_period_report

S3 = "Amazon Simple Storage Service"
EFS = "Amazon Elastic File System"
EC2_OTHER = "EC2 - Other"
EC2 = "Amazon Elastic Compute Cloud - Compute"
LAMBDA = "AWS Lambda"

# 2026-11-02 07:00:03 in UTC+1 is 06:00:03 UTC.
COLLECTED_AT = datetime(2026, 11, 2, 7, 0, 3, tzinfo=timezone(timedelta(hours=1)))
COLLECTION = {"ce_requests": 9}


def usage(
    workload: str, usage_type: str, cost: str, quantity: str = "0", unit: str = ""
) -> UsageLine:
    return UsageLine(workload, usage_type, Decimal(cost), Decimal(quantity), unit)


def center(workload: str, cost_center: str, cost: str) -> CostCenterLine:
    return CostCenterLine(workload, cost_center, Decimal(cost))


def service(
    service_name: str, usage_type: str, cost: str, quantity: str = "0", unit: str = ""
) -> ServiceLine:
    return ServiceLine(service_name, usage_type, Decimal(cost), Decimal(quantity), unit)


def options(
    *, include_efs: bool = False, include_ebs: bool = False, category: str | None = None
) -> ReportOptions:
    return ReportOptions(
        include_efs=include_efs,
        include_ebs=include_ebs,
        workload_tag_key="App",
        cost_metric="UnblendedCost",
        cost_category_name=category,
    )


def assert_same_json(actual: Any, expected: Any) -> None:
    """Equal as JSON text too, so 0 (int) and 0.0 (float) are told apart."""
    assert actual == expected
    assert json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


# --- A complete month: October 2026, against September 2026 and October 2025 --------------

MONTH = complete_month_spec(date(2026, 10, 1))

# Cost centers: Research, Platform, Teaching; "" and "No cost category" are Uncategorized.
# genome is split between Research and Platform; legacy ran only in October 2025.
OCTOBER = WindowData(
    window=MONTH.current,
    status=Status.ESTIMATED,
    usage=(
        usage("genome", "TimedStorage-ByteHrs", "23.00", "1000", "GB-Mo"),  # S3 Standard
        usage("genome", "TimedStorage-INT-FA-ByteHrs", "11.50", "500", "GB-Mo"),
        usage("genome", "TimedStorage-INT-IA-ByteHrs", "6.25", "500", "GB-Mo"),
        usage("genome", "TimedStorage-GlacierByteHrs", "3.60", "1000", "GB-Mo"),
        usage("genome", "TimedStorage-GDA-ByteHrs", "0.99", "5000", "ByteHrs"),  # odd unit
        usage("web", "TimedStorage-ByteHrs", "90.00", "300", "GB-Mo"),  # EFS Standard
        usage("web", "USE2-EBS:VolumeUsage.gp3", "16.00", "200", "GB-Mo"),
        usage("web", "USE2-EBS:VolumeP-IOPS.gp3", "5.00", "1000", "IOPS-Mo"),
        usage("web", "USE2-EBS:SnapshotUsage", "2.50", "50", "GB-Mo"),
        usage("web", "BoxUsage:m5.large", "71.42", "744", "Hrs"),
        usage("course", "Lambda-GB-Second", "12.345", "740000", "Lambda-GB-Second"),
        usage("course", "Credit", "-10.00"),
        usage("course", "Request", "0", "0", "Requests"),  # nothing at all: no §7 row
        usage("", "Tax", "20.00"),
        usage("", "Requests-Tier1", "1.00", "200000", "Requests"),
        usage("", "USE2-DataTransfer-In-Bytes", "0", "12.5", "GB"),  # free but used: a row
    ),
    cost_centers=(
        center("genome", "Research", "33.84"),  # 23.00 + 6.25 + 3.60 + 0.99
        center("genome", "Platform", "11.50"),  # INT-FA
        center("web", "Platform", "184.92"),  # 90.00 + 16.00 + 5.00 + 2.50 + 71.42
        center("course", "Teaching", "2.345"),  # 12.345 - 10.00
        center("", "No cost category", "20.00"),  # tax
        center("", "", "1.00"),  # requests
    ),
    services=(
        service(S3, "TimedStorage-ByteHrs", "23.00", "1000", "GB-Mo"),
        service(S3, "TimedStorage-INT-FA-ByteHrs", "11.50", "500", "GB-Mo"),
        service(S3, "TimedStorage-INT-IA-ByteHrs", "6.25", "500", "GB-Mo"),
        service(S3, "TimedStorage-GlacierByteHrs", "3.60", "1000", "GB-Mo"),
        service(S3, "TimedStorage-GDA-ByteHrs", "0.99", "5000", "ByteHrs"),
        service(S3, "Tax", "20.00"),
        service(S3, "Requests-Tier1", "1.00", "200000", "Requests"),
        service(EFS, "TimedStorage-ByteHrs", "90.00", "300", "GB-Mo"),
        service(EC2_OTHER, "USE2-EBS:VolumeUsage.gp3", "16.00", "200", "GB-Mo"),
        service(EC2_OTHER, "USE2-EBS:VolumeP-IOPS.gp3", "5.00", "1000", "IOPS-Mo"),
        service(EC2_OTHER, "USE2-EBS:SnapshotUsage", "2.50", "50", "GB-Mo"),
        service(EC2_OTHER, "USE2-DataTransfer-In-Bytes", "0", "12.5", "GB"),
        service(EC2, "BoxUsage:m5.large", "71.42", "744", "Hrs"),
        service(LAMBDA, "Lambda-GB-Second", "12.345", "740000", "Lambda-GB-Second"),
        service(LAMBDA, "Credit", "-10.00"),
        service(LAMBDA, "Request", "0", "0", "Requests"),
    ),
)
SEPTEMBER = WindowData(
    window=MONTH.prev_month,
    status=Status.FINAL,
    usage=(
        usage("genome", "TimedStorage-ByteHrs", "20.70", "900", "GB-Mo"),
        usage("genome", "TimedStorage-INT-IA-ByteHrs", "5.00", "400", "GB-Mo"),
        usage("web", "TimedStorage-ByteHrs", "60.00", "200", "GB-Mo"),
        usage("web", "USE2-EBS:VolumeUsage.gp3", "16.00", "200", "GB-Mo"),
        usage("web", "BoxUsage:m5.large", "69.12", "720", "Hrs"),
        usage("course", "Lambda-GB-Second", "8.00", "480000", "Lambda-GB-Second"),
        usage("", "Tax", "18.00"),
    ),
    cost_centers=(
        center("genome", "Research", "25.70"),  # 20.70 + 5.00
        center("web", "Platform", "145.12"),  # 60.00 + 16.00 + 69.12
        center("course", "Teaching", "8.00"),
        center("", "", "18.00"),
    ),
    services=(
        service(S3, "TimedStorage-ByteHrs", "20.70", "900", "GB-Mo"),
        service(S3, "TimedStorage-INT-IA-ByteHrs", "5.00", "400", "GB-Mo"),
        service(S3, "Tax", "18.00"),
        service(EFS, "TimedStorage-ByteHrs", "60.00", "200", "GB-Mo"),
        service(EC2_OTHER, "USE2-EBS:VolumeUsage.gp3", "16.00", "200", "GB-Mo"),
        service(EC2, "BoxUsage:m5.large", "69.12", "720", "Hrs"),
        service(LAMBDA, "Lambda-GB-Second", "8.00", "480000", "Lambda-GB-Second"),
    ),
)
OCTOBER_LAST_YEAR = WindowData(
    window=MONTH.yoy,
    status=Status.FINAL,
    usage=(
        usage("legacy", "BoxUsage:t3.micro", "7.44", "744", "Hrs"),
        usage("genome", "TimedStorage-ByteHrs", "11.50", "500", "GB-Mo"),
        usage("", "Tax", "3.00"),
    ),
    cost_centers=(
        center("legacy", "Research", "7.44"),
        center("genome", "Research", "11.50"),
        center("", "No cost category", "3.00"),
    ),
)
MONTH_DATA = {data.window: data for data in (OCTOBER, SEPTEMBER, OCTOBER_LAST_YEAR)}

# Totals: October 23.00 + 11.50 + 6.25 + 3.60 + 0.99 + 90.00 + 16.00 + 5.00 + 2.50 + 71.42
#   + 12.345 - 10.00 + 20.00 + 1.00 = 253.605 -> 253.61 (half up);
#   September 20.70 + 5.00 + 60.00 + 16.00 + 69.12 + 8.00 + 18.00 = 196.82;
#   October 2025 7.44 + 11.50 + 3.00 = 21.94.
# Cost centers, by October cost: Platform 11.50 + 184.92 = 196.42, Research 33.84,
#   Uncategorized 20.00 + 1.00 = 21.00, Teaching 2.345 -> 2.35.
MONTH_COMMON: dict[str, Any] = {
    "schema_version": 2,
    "collected_at": "2026-11-02T06:00:03Z",
    "period": "2026-10",
    "is_mtd": False,
    "periods": {"current": "2026-10", "prev_month": "2026-09", "yoy": "2025-10"},
    "period_status": {"current": "estimated", "prev_month": "final", "yoy": "final"},
    "cost_metric": "UnblendedCost",
    "workload_tag_key": "App",
    "cost_category_name": "CostCenter",
    "totals": {"current_cost_usd": 253.61, "prev_month_cost_usd": 196.82, "yoy_cost_usd": 21.94},
    "cost_centers": [
        {
            "name": "Platform",
            "current_cost_usd": 196.42,
            "prev_month_cost_usd": 145.12,
            "yoy_cost_usd": 0.0,
            "workloads": [
                {
                    "name": "web",
                    "current_cost_usd": 184.92,
                    "prev_month_cost_usd": 145.12,
                    "yoy_cost_usd": 0.0,
                },
                {
                    "name": "genome",
                    "current_cost_usd": 11.5,
                    "prev_month_cost_usd": 0.0,
                    "yoy_cost_usd": 0.0,
                },
            ],
        },
        {
            "name": "Research",
            "current_cost_usd": 33.84,
            "prev_month_cost_usd": 25.7,
            "yoy_cost_usd": 18.94,  # 7.44 + 11.50
            "workloads": [
                {
                    "name": "genome",
                    "current_cost_usd": 33.84,
                    "prev_month_cost_usd": 25.7,
                    "yoy_cost_usd": 11.5,
                },
                {
                    "name": "legacy",
                    "current_cost_usd": 0.0,
                    "prev_month_cost_usd": 0.0,
                    "yoy_cost_usd": 7.44,
                },
            ],
        },
        {
            "name": "Uncategorized",
            "current_cost_usd": 21.0,
            "prev_month_cost_usd": 18.0,
            "yoy_cost_usd": 3.0,
            "workloads": [
                {
                    "name": "Untagged",
                    "current_cost_usd": 21.0,
                    "prev_month_cost_usd": 18.0,
                    "yoy_cost_usd": 3.0,
                }
            ],
        },
        {
            "name": "Teaching",
            "current_cost_usd": 2.35,
            "prev_month_cost_usd": 8.0,
            "yoy_cost_usd": 0.0,
            "workloads": [
                {
                    "name": "course",
                    "current_cost_usd": 2.35,
                    "prev_month_cost_usd": 8.0,
                    "yoy_cost_usd": 0.0,
                }
            ],
        },
    ],
    # Usage only (no record-type grouping here: the Support rows Tax and Credit stand in).
    # Untaggable: tax 20.00 + course's credit -10.00 = 10.00. Tagged usage: 232.605 tagged
    # minus the tagged credit -10.00 = 242.605 -> 242.61; untagged usage 21.00 - tax 20.00
    # = 1.00 (requests); 242.605 / 243.605 = 99.589..% -> 99.6.
    "tagging_coverage": {
        "tagged_cost_usd": 242.61,
        "untagged_cost_usd": 1.0,
        "tagged_percentage": 99.6,
        "untaggable_cost_usd": 10.0,
    },
    "collection": {"ce_requests": 9},
}

# S3 only. Storage cost, October: Standard 23.00 + INT-FA 11.50 + INT-IA 6.25 + Glacier 3.60
#   + Deep Archive 0.99 (its unit ByteHrs is unknown: cost counts, volume does not) = 45.34;
#   the S3 tax (Support) and requests (Other) are not storage.
# Volume 1000 + 500 + 500 + 1000 = 3000 GB-Mo -> 3000 x 2^30 = 3221225472000 bytes;
#   hot (Standard + INT-FA) 1500 / 3000 = 50.0 %; per TiB 45.34 / (3000 / 1024) = 15.476 -> 15.48.
# September: cost 20.70 + 5.00 = 25.70; 900 + 400 = 1300 GB-Mo -> 1395864371200 bytes;
#   hot 900 / 1300 = 69.23 -> 69.2 %; per TiB 25.70 x 1024 / 1300 = 20.2437 -> 20.24.
S3_ONLY_STORAGE = {
    "total_cost_usd": 45.34,
    "prev_month_cost_usd": 25.7,
    "total_volume_bytes": 3221225472000,
    "prev_month_total_volume_bytes": 1395864371200,
    "hot_tier_percentage": 50.0,
    "prev_month_hot_tier_percentage": 69.2,
    "cost_per_tb_usd": 15.48,
    "prev_month_cost_per_tb_usd": 20.24,
}
# S3 + EFS + EBS. October: 45.34 + EFS 90.00 + EBS volume 16.00 + IOPS 5.00 (a Storage
#   charge, but no volume) + snapshot 2.50 = 158.84; the EC2 instance hours are not EBS.
# Volume 3000 + EFS 300 + EBS 200 + snapshot 50 = 3550 GB-Mo -> 3811783475200 bytes;
#   hot 1500 + EFS Standard 300 + EBS volume 200 = 2000 / 3550 = 56.34 -> 56.3 %;
#   per TiB 158.84 x 1024 / 3550 = 45.8175 -> 45.82.
# September: 25.70 + EFS 60.00 + EBS 16.00 = 101.70; 1300 + 200 + 200 = 1700 GB-Mo
#   -> 1825361100800 bytes; hot 900 + 200 + 200 = 1300 / 1700 = 76.47 -> 76.5 %;
#   per TiB 101.70 x 1024 / 1700 = 61.259 -> 61.26.
ALL_STORAGE = {
    "total_cost_usd": 158.84,
    "prev_month_cost_usd": 101.7,
    "total_volume_bytes": 3811783475200,
    "prev_month_total_volume_bytes": 1825361100800,
    "hot_tier_percentage": 56.3,
    "prev_month_hot_tier_percentage": 76.5,
    "cost_per_tb_usd": 45.82,
    "prev_month_cost_per_tb_usd": 61.26,
}

GIB = 2**30
# Storage classes, scoped like storage_metrics: (service, usage type) with a known volume unit
# (Deep Archive's ByteHrs is left out); average bytes = GB-Mo x 2^30 for whole months.
S3_CLASSES = [
    {
        "service": S3,
        "usage_type": "TimedStorage-ByteHrs",
        "storage_class": "S3 Standard",
        "average_bytes": 1000 * GIB,
        "cost_usd": 23.0,
        "prev_month_average_bytes": 900 * GIB,
        "prev_month_cost_usd": 20.7,
    },
    {
        "service": S3,
        "usage_type": "TimedStorage-GlacierByteHrs",
        "storage_class": "S3 Glacier Flexible Retrieval",
        "average_bytes": 1000 * GIB,
        "cost_usd": 3.6,
        "prev_month_average_bytes": 0,
        "prev_month_cost_usd": 0.0,
    },
    {
        "service": S3,
        "usage_type": "TimedStorage-INT-FA-ByteHrs",
        "storage_class": "S3 Intelligent-Tiering Frequent Access",
        "average_bytes": 500 * GIB,
        "cost_usd": 11.5,
        "prev_month_average_bytes": 0,
        "prev_month_cost_usd": 0.0,
    },
    {
        "service": S3,
        "usage_type": "TimedStorage-INT-IA-ByteHrs",
        "storage_class": "S3 Intelligent-Tiering Infrequent Access",
        "average_bytes": 500 * GIB,
        "cost_usd": 6.25,
        "prev_month_average_bytes": 400 * GIB,
        "prev_month_cost_usd": 5.0,
    },
]
ALL_CLASSES = [
    *S3_CLASSES,
    {
        "service": EFS,
        "usage_type": "TimedStorage-ByteHrs",
        "storage_class": "EFS Standard",
        "average_bytes": 300 * GIB,
        "cost_usd": 90.0,
        "prev_month_average_bytes": 200 * GIB,
        "prev_month_cost_usd": 60.0,
    },
    {
        "service": EC2_OTHER,
        "usage_type": "EBS:VolumeUsage.gp3",
        "storage_class": "EBS gp3",
        "average_bytes": 200 * GIB,
        "cost_usd": 16.0,
        "prev_month_average_bytes": 200 * GIB,
        "prev_month_cost_usd": 16.0,
    },
    {
        "service": EC2_OTHER,
        "usage_type": "EBS:SnapshotUsage",
        "storage_class": "EBS snapshots",
        "average_bytes": 50 * GIB,
        "cost_usd": 2.5,
        "prev_month_average_bytes": 0,
        "prev_month_cost_usd": 0.0,
    },
]

L, P, C = "2025-10", "2026-09", "2026-10"  # last year, previous month, current month
MONTH_WORKLOAD_ROWS = tuple(
    WorkloadRow(cost_center, workload, period, Decimal(cost))
    for cost_center, workload, period, cost in [
        ("Platform", "genome", L, "0"),
        ("Platform", "genome", P, "0"),
        ("Platform", "genome", C, "11.50"),
        ("Platform", "web", L, "0"),
        ("Platform", "web", P, "145.12"),
        ("Platform", "web", C, "184.92"),
        ("Research", "genome", L, "11.50"),
        ("Research", "genome", P, "25.70"),
        ("Research", "genome", C, "33.84"),
        ("Research", "legacy", L, "7.44"),
        ("Research", "legacy", P, "0"),
        ("Research", "legacy", C, "0"),
        ("Teaching", "course", L, "0"),
        ("Teaching", "course", P, "8.00"),
        ("Teaching", "course", C, "2.345"),
        ("Uncategorized", "Untagged", L, "3.00"),
        ("Uncategorized", "Untagged", P, "18.00"),
        ("Uncategorized", "Untagged", C, "21.00"),
    ]
)
MONTH_USAGE_ROWS = tuple(
    UsageTypeRow(workload, usage_type, category, period, Decimal(cost), Decimal(quantity))
    for period, workload, usage_type, category, cost, quantity in [
        (L, "Untagged", "Tax", "Support", "3.00", "0"),
        (L, "genome", "TimedStorage-ByteHrs", "Storage", "11.50", "500"),
        (L, "legacy", "BoxUsage:t3.micro", "Compute", "7.44", "744"),
        (P, "Untagged", "Tax", "Support", "18.00", "0"),
        (P, "course", "Lambda-GB-Second", "Compute", "8.00", "480000"),
        (P, "genome", "TimedStorage-ByteHrs", "Storage", "20.70", "900"),
        (P, "genome", "TimedStorage-INT-IA-ByteHrs", "Storage", "5.00", "400"),
        (P, "web", "BoxUsage:m5.large", "Compute", "69.12", "720"),
        (P, "web", "TimedStorage-ByteHrs", "Storage", "60.00", "200"),
        (P, "web", "USE2-EBS:VolumeUsage.gp3", "Storage", "16.00", "200"),
        (C, "Untagged", "Requests-Tier1", "Other", "1.00", "200000"),
        (C, "Untagged", "Tax", "Support", "20.00", "0"),
        (C, "Untagged", "USE2-DataTransfer-In-Bytes", "Other", "0", "12.5"),
        (C, "course", "Credit", "Support", "-10.00", "0"),
        (C, "course", "Lambda-GB-Second", "Compute", "12.345", "740000"),
        (C, "genome", "TimedStorage-ByteHrs", "Storage", "23.00", "1000"),
        (C, "genome", "TimedStorage-GDA-ByteHrs", "Storage", "0.99", "5000"),
        (C, "genome", "TimedStorage-GlacierByteHrs", "Storage", "3.60", "1000"),
        (C, "genome", "TimedStorage-INT-FA-ByteHrs", "Storage", "11.50", "500"),
        (C, "genome", "TimedStorage-INT-IA-ByteHrs", "Storage", "6.25", "500"),
        (C, "web", "BoxUsage:m5.large", "Compute", "71.42", "744"),
        (C, "web", "TimedStorage-ByteHrs", "Storage", "90.00", "300"),
        (C, "web", "USE2-EBS:SnapshotUsage", "Storage", "2.50", "50"),
        (C, "web", "USE2-EBS:VolumeP-IOPS.gp3", "Storage", "5.00", "1000"),
        (C, "web", "USE2-EBS:VolumeUsage.gp3", "Storage", "16.00", "200"),
    ]
)


@pytest.mark.parametrize(
    ("include", "storage", "classes"),
    [(False, S3_ONLY_STORAGE, S3_CLASSES), (True, ALL_STORAGE, ALL_CLASSES)],
    ids=["s3-only", "s3-efs-ebs"],
)
def test_complete_month_report(
    include: bool,
    storage: dict[str, Any],
    classes: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="dapanoskop")

    report = build_period_report(
        MONTH,
        MONTH_DATA,
        options(include_efs=include, include_ebs=include, category="CostCenter"),
        collected_at=COLLECTED_AT,
        collection=COLLECTION,
    )

    expected = {
        **MONTH_COMMON,
        "storage_config": {"include_efs": include, "include_ebs": include},
        "storage_metrics": storage,
        "storage_classes": classes,
    }
    assert report.period == "2026-10"
    assert_same_json(report.summary, expected)
    assert report.workload_rows == MONTH_WORKLOAD_ROWS
    assert report.usage_rows == MONTH_USAGE_ROWS
    # The unknown volume unit is the only warning, named with usage type and unit.
    assert [record.getMessage() for record in caplog.records] == [
        "storage volume unit unknown, left out of volume window=2026-10 "
        f"service={S3} usage_type=TimedStorage-GDA-ByteHrs unit=ByteHrs"
    ]


def test_without_cost_category_every_workload_is_uncategorized() -> None:
    # The same month without a cost category: the collector asks for no cost-center
    # grouping, so workloads come from the usage grouping, all under Uncategorized.
    data = {
        window: WindowData(window, d.status, usage=d.usage, services=d.services)
        for window, d in MONTH_DATA.items()
    }
    report = build_period_report(
        MONTH, data, options(), collected_at=COLLECTED_AT, collection=COLLECTION
    )

    # web 184.92 / 145.12 / 0; genome 11.50 + 33.84 = 45.34 / 25.70 / 11.50;
    # Untagged 21.00 / 18.00 / 3.00; course 2.345 / 8.00 / 0; legacy 0 / 0 / 7.44.
    assert report.summary["cost_category_name"] is None
    assert_same_json(
        report.summary["cost_centers"],
        [
            {
                "name": "Uncategorized",
                "current_cost_usd": 253.61,
                "prev_month_cost_usd": 196.82,
                "yoy_cost_usd": 21.94,
                "workloads": [
                    {
                        "name": name,
                        "current_cost_usd": current,
                        "prev_month_cost_usd": prev,
                        "yoy_cost_usd": yoy,
                    }
                    for name, current, prev, yoy in [
                        ("web", 184.92, 145.12, 0.0),
                        ("genome", 45.34, 25.7, 11.5),
                        ("Untagged", 21.0, 18.0, 3.0),
                        ("course", 2.35, 8.0, 0.0),
                        ("legacy", 0.0, 0.0, 7.44),
                    ]
                ],
            }
        ],
    )
    assert [(row.workload, row.period, row.cost_usd) for row in report.workload_rows] == [
        ("Untagged", L, Decimal("3.00")),
        ("Untagged", P, Decimal("18.00")),
        ("Untagged", C, Decimal("21.00")),
        ("course", L, Decimal(0)),
        ("course", P, Decimal("8.00")),
        ("course", C, Decimal("2.345")),
        ("genome", L, Decimal("11.50")),
        ("genome", P, Decimal("25.70")),
        ("genome", C, Decimal("45.34")),
        ("legacy", L, Decimal("7.44")),
        ("legacy", P, Decimal(0)),
        ("legacy", C, Decimal(0)),
        ("web", L, Decimal(0)),
        ("web", P, Decimal("145.12")),
        ("web", C, Decimal("184.92")),
    ]
    assert {row.cost_center for row in report.workload_rows} == {"Uncategorized"}
    assert report.summary["totals"] == MONTH_COMMON["totals"]


# --- Month to date: 1-26 November 2026 ---------------------------------------------------

MTD = mtd_spec(date(2026, 11, 26), settle_days=0)
# current [11-01, 11-26): 25 days = 600 h of November's 720 h;
# like-for-like [10-01, 10-26): 600 h of October's 744 h.
assert MTD.like_for_like == Window(date(2026, 10, 1), date(2026, 10, 26))

MTD_CURRENT = WindowData(
    window=MTD.current,
    status=Status.ESTIMATED,
    usage=(
        usage("genome", "TimedStorage-ByteHrs", "11.50", "500", "GB-Mo"),
        usage("web", "BoxUsage:m5.large", "40.00", "600", "Hrs"),
    ),
    cost_centers=(center("genome", "Research", "11.50"), center("web", "Platform", "40.00")),
    services=(
        service(S3, "TimedStorage-ByteHrs", "11.50", "500", "GB-Mo"),
        service(EC2, "BoxUsage:m5.large", "40.00", "600", "Hrs"),
    ),
)
MTD_PREV = WindowData(
    window=MTD.prev_month,
    status=Status.FINAL,
    usage=(
        usage("genome", "TimedStorage-INT-IA-ByteHrs", "6.20", "496", "GB-Mo"),
        usage("web", "BoxUsage:m5.large", "60.00", "744", "Hrs"),
        usage("course", "Lambda-GB-Second", "3.00", "180000", "Lambda-GB-Second"),
    ),
    cost_centers=(
        center("genome", "Research", "6.20"),
        center("web", "Platform", "60.00"),
        center("course", "Teaching", "3.00"),
    ),
)
# With a cost category the collector asks the like-for-like window for cost centers and
# services only: its total comes from the cost-center grouping.
MTD_LIKE_FOR_LIKE = WindowData(
    window=MTD.like_for_like,
    status=Status.FINAL,
    cost_centers=(
        center("genome", "Research", "5.00"),
        center("web", "Platform", "48.00"),
        center("course", "Teaching", "2.50"),
    ),
    services=(
        service(S3, "TimedStorage-INT-IA-ByteHrs", "5.00", "400", "GB-Mo"),
        service(EC2, "BoxUsage:m5.large", "48.00", "600", "Hrs"),
        service(LAMBDA, "Lambda-GB-Second", "2.50", "150000", "Lambda-GB-Second"),
    ),
)
MTD_LAST_YEAR = WindowData(
    window=MTD.yoy,
    status=Status.FINAL,
    usage=(usage("web", "BoxUsage:m5.large", "30.00", "720", "Hrs"),),
    cost_centers=(center("web", "Platform", "30.00"),),
)
MTD_DATA = {d.window: d for d in (MTD_CURRENT, MTD_PREV, MTD_LIKE_FOR_LIKE, MTD_LAST_YEAR)}


def mtd_report(data: dict[Window, WindowData], forecast: str | None) -> Any:
    return build_period_report(
        MTD,
        data,
        options(category="CostCenter"),
        collected_at=datetime(2026, 11, 26, 6, 0, 3, tzinfo=UTC),
        collection={"ce_requests": 12},
        forecast_total=None if forecast is None else Decimal(forecast),
    )


def test_month_to_date_report_with_forecast() -> None:
    report = mtd_report(MTD_DATA, forecast="61.9686")

    summary = report.summary
    assert summary["is_mtd"] is True
    assert summary["period"] == "2026-11"
    assert summary["collected_at"] == "2026-11-26T06:00:03Z"
    assert summary["periods"] == {"current": "2026-11", "prev_month": "2026-10", "yoy": "2025-11"}
    assert summary["period_status"] == {
        "current": "estimated",
        "prev_month": "final",
        "yoy": "final",
    }
    # current 11.50 + 40.00 = 51.50; October 6.20 + 60.00 + 3.00 = 69.20; last year 30.00;
    # like-for-like 5.00 + 48.00 + 2.50 = 55.50 (from the cost-center grouping).
    # Forecast 61.9686 -> 61.97; delta (61.9686 / 69.20 - 1) x 100 = -10.45 exactly,
    # half up (away from zero) -> -10.5.
    assert_same_json(
        summary["totals"],
        {
            "current_cost_usd": 51.5,
            "prev_month_cost_usd": 69.2,
            "yoy_cost_usd": 30.0,
            "mtd_prior_partial_cost_usd": 55.5,
            "forecast_total_usd": 61.97,
            "prev_complete_total_usd": 69.2,
            "forecast_month_end_delta_pct": -10.5,
        },
    )
    # Current: 500 GB-Mo over 600 of 720 h -> 500 x 2^30 x 720 / 600 = 600 x 2^30
    #   = 644245094400 bytes, all S3 Standard (hot); per TiB 11.50 x 1024 / 500 = 23.552.
    # Like-for-like: 400 GB-Mo of INT-IA over 600 of 744 h -> 400 x 1.24 = 496 x 2^30
    #   = 532575944704 bytes, none hot; per TiB 5.00 x 1024 / 400 = 12.80.
    assert_same_json(
        summary["storage_metrics"],
        {
            "total_cost_usd": 11.5,
            "prev_month_cost_usd": 5.0,
            "total_volume_bytes": 644245094400,
            "prev_month_total_volume_bytes": 532575944704,
            "hot_tier_percentage": 100.0,
            "prev_month_hot_tier_percentage": 0.0,
            "cost_per_tb_usd": 23.55,
            "prev_month_cost_per_tb_usd": 12.8,
            "mtd_prior_partial_storage_cost_usd": 5.0,
        },
    )
    # Teaching has no cost this month, but had some in October: listed last with 0.
    assert_same_json(
        summary["cost_centers"],
        [
            {
                "name": "Platform",
                "current_cost_usd": 40.0,
                "prev_month_cost_usd": 60.0,
                "yoy_cost_usd": 30.0,
                "workloads": [
                    {
                        "name": "web",
                        "current_cost_usd": 40.0,
                        "prev_month_cost_usd": 60.0,
                        "yoy_cost_usd": 30.0,
                    }
                ],
            },
            {
                "name": "Research",
                "current_cost_usd": 11.5,
                "prev_month_cost_usd": 6.2,
                "yoy_cost_usd": 0.0,
                "workloads": [
                    {
                        "name": "genome",
                        "current_cost_usd": 11.5,
                        "prev_month_cost_usd": 6.2,
                        "yoy_cost_usd": 0.0,
                    }
                ],
            },
            {
                "name": "Teaching",
                "current_cost_usd": 0.0,
                "prev_month_cost_usd": 3.0,
                "yoy_cost_usd": 0.0,
                "workloads": [
                    {
                        "name": "course",
                        "current_cost_usd": 0.0,
                        "prev_month_cost_usd": 3.0,
                        "yoy_cost_usd": 0.0,
                    }
                ],
            },
        ],
    )
    # Same cost centers and order as above, with the like-for-like costs.
    assert_same_json(
        summary["mtd_comparison"],
        {
            "prior_partial_start": "2026-10-01",
            "prior_partial_end_exclusive": "2026-10-26",
            "cost_centers": [
                {
                    "name": "Platform",
                    "prior_partial_cost_usd": 48.0,
                    "workloads": [{"name": "web", "prior_partial_cost_usd": 48.0}],
                },
                {
                    "name": "Research",
                    "prior_partial_cost_usd": 5.0,
                    "workloads": [{"name": "genome", "prior_partial_cost_usd": 5.0}],
                },
                {
                    "name": "Teaching",
                    "prior_partial_cost_usd": 2.5,
                    "workloads": [{"name": "course", "prior_partial_cost_usd": 2.5}],
                },
            ],
        },
    )
    assert_same_json(
        summary["tagging_coverage"],
        {
            "tagged_cost_usd": 51.5,
            "untagged_cost_usd": 0.0,
            "tagged_percentage": 100.0,
            "untaggable_cost_usd": 0.0,
        },
    )
    # [11-01, 11-26): the last day included is 25 November.
    assert summary["data_through"] == "2026-11-25"
    assert summary["collection"] == {"ce_requests": 12}
    # The Parquet files hold the three periods only; the current one under its MTD label.
    assert report.workload_rows == tuple(
        WorkloadRow(cost_center, workload, period, Decimal(cost))
        for cost_center, workload, period, cost in [
            ("Platform", "web", "2025-11", "30.00"),
            ("Platform", "web", "2026-10", "60.00"),
            ("Platform", "web", "2026-11", "40.00"),
            ("Research", "genome", "2025-11", "0"),
            ("Research", "genome", "2026-10", "6.20"),
            ("Research", "genome", "2026-11", "11.50"),
            ("Teaching", "course", "2025-11", "0"),
            ("Teaching", "course", "2026-10", "3.00"),
            ("Teaching", "course", "2026-11", "0"),
        ]
    )
    assert report.usage_rows == tuple(
        UsageTypeRow(workload, usage_type, category, period, Decimal(cost), Decimal(quantity))
        for period, workload, usage_type, category, cost, quantity in [
            ("2025-11", "web", "BoxUsage:m5.large", "Compute", "30.00", "720"),
            ("2026-10", "course", "Lambda-GB-Second", "Compute", "3.00", "180000"),
            ("2026-10", "genome", "TimedStorage-INT-IA-ByteHrs", "Storage", "6.20", "496"),
            ("2026-10", "web", "BoxUsage:m5.large", "Compute", "60.00", "744"),
            ("2026-11", "genome", "TimedStorage-ByteHrs", "Storage", "11.50", "500"),
            ("2026-11", "web", "BoxUsage:m5.large", "Compute", "40.00", "600"),
        ]
    )


def test_month_to_date_without_forecast_has_no_forecast_fields() -> None:
    report = mtd_report(MTD_DATA, forecast=None)

    assert_same_json(
        report.summary["totals"],
        {
            "current_cost_usd": 51.5,
            "prev_month_cost_usd": 69.2,
            "yoy_cost_usd": 30.0,
            "mtd_prior_partial_cost_usd": 55.5,
        },
    )


def test_month_to_date_forecast_against_an_empty_previous_month_has_no_delta() -> None:
    # October unavailable (no data): total 0, so there is no percentage to compare with.
    data = {**MTD_DATA, MTD.prev_month: WindowData(MTD.prev_month, Status.UNAVAILABLE)}

    report = mtd_report(data, forecast="61.9686")

    assert report.summary["period_status"]["prev_month"] == "unavailable"
    assert_same_json(
        report.summary["totals"],
        {
            "current_cost_usd": 51.5,
            "prev_month_cost_usd": 0.0,
            "yoy_cost_usd": 30.0,
            "mtd_prior_partial_cost_usd": 55.5,
            "forecast_total_usd": 61.97,
            "prev_complete_total_usd": 0.0,
        },
    )


def test_month_to_date_without_cost_category_uses_like_for_like_usage() -> None:
    # Without a cost category the collector gives the like-for-like window its usage.
    like_for_like = WindowData(
        MTD.like_for_like,
        Status.FINAL,
        usage=(
            usage("genome", "TimedStorage-INT-IA-ByteHrs", "5.00", "400", "GB-Mo"),
            usage("", "Tax", "1.25"),
        ),
        services=MTD_LIKE_FOR_LIKE.services,
    )
    data = {
        window: WindowData(window, d.status, usage=d.usage, services=d.services)
        for window, d in {**MTD_DATA, MTD.like_for_like: like_for_like}.items()
    }

    report = build_period_report(
        MTD, data, options(), collected_at=COLLECTED_AT, collection=COLLECTION
    )

    # 5.00 + 1.25 = 6.25. Untagged has cost only in the like-for-like window: listed with 0.
    assert report.summary["totals"]["mtd_prior_partial_cost_usd"] == 6.25
    comparison = report.summary["mtd_comparison"]["cost_centers"]
    assert_same_json(
        comparison,
        [
            {
                "name": "Uncategorized",
                "prior_partial_cost_usd": 6.25,
                "workloads": [
                    {"name": "web", "prior_partial_cost_usd": 0.0},
                    {"name": "genome", "prior_partial_cost_usd": 5.0},
                    {"name": "Untagged", "prior_partial_cost_usd": 1.25},
                    {"name": "course", "prior_partial_cost_usd": 0.0},
                ],
            }
        ],
    )
    parent = report.summary["cost_centers"][0]["workloads"]
    assert [w["name"] for w in parent] == ["web", "genome", "Untagged", "course"]


# --- Rules on their own -----------------------------------------------------------------


def single_month(current: WindowData, prev: tuple[CostCenterLine, ...] = ()) -> Any:
    spec = complete_month_spec(current.window.start)
    data = {
        spec.current: current,
        spec.prev_month: WindowData(spec.prev_month, Status.FINAL, cost_centers=prev),
        spec.yoy: WindowData(spec.yoy, Status.UNAVAILABLE),
    }
    return build_period_report(
        spec, data, options(category="CC"), collected_at=COLLECTED_AT, collection={}
    )


def window_with(*lines: CostCenterLine) -> WindowData:
    return WindowData(MONTH.current, Status.FINAL, cost_centers=lines)


def test_ties_are_ordered_by_name() -> None:
    report = single_month(
        window_with(
            center("zeta", "B", "5"),
            center("alpha", "B", "5"),
            center("mid", "A", "10"),
            center("big", "C", "12"),
        ),
        prev=(center("gone", "A", "7"),),
    )

    # C 12 first; A and B tie at 10 -> A, B; inside B alpha and zeta tie at 5;
    # inside A mid 10 before gone 0.
    centers = report.summary["cost_centers"]
    assert [c["name"] for c in centers] == ["C", "A", "B"]
    assert [w["name"] for w in centers[1]["workloads"]] == ["mid", "gone"]
    assert [w["name"] for w in centers[2]["workloads"]] == ["alpha", "zeta"]


def usage_window(*lines: UsageLine, charges: tuple[ChargeLine, ...] | None = None) -> WindowData:
    return WindowData(MONTH.current, Status.FINAL, usage=lines, charges=charges)


def charge(record_type: str, usage_type: str, cost: str) -> ChargeLine:
    return ChargeLine(record_type, usage_type, Decimal(cost))


@pytest.mark.parametrize(
    "credit_usage_type",
    ["Credit", "BoxUsage:m5.large", "USE1-SomethingNew"],
    ids=["own-usage-type", "shares-usage-type-with-usage", "unknown-name"],
)
def test_credits_are_left_out_of_tagging_coverage_by_record_type(credit_usage_type: str) -> None:
    # The case: 100 tagged and 10 untagged usage, an untagged credit of -20. Schema 1
    # gave 100 / 90 = 111 %, clamped to 100 %. Usage only: 100 / 110 = 90.909 -> 90.9 %,
    # whatever the credit's usage type is called: its record type says it is a credit.
    usage_lines = [
        usage("app", "BoxUsage:m5.large", "100"),
        usage("", "BoxUsage:m5.large", "10"),
        usage("", credit_usage_type, "-20"),
    ]
    merged: dict[tuple[str, str], Decimal] = {}
    for line in usage_lines:  # Cost Explorer has one group per (tag, usage type)
        key = (line.workload, line.usage_type)
        merged[key] = merged.get(key, Decimal(0)) + line.cost
    charges = [
        charge("Usage", "BoxUsage:m5.large", "110"),
        charge("Credit", credit_usage_type, "-20"),
    ]
    report = single_month(
        usage_window(
            *(usage(workload, ut, str(cost)) for (workload, ut), cost in merged.items()),
            charges=tuple(charges),
        )
    )

    assert report.summary["tagging_coverage"] == {
        "tagged_cost_usd": 100.0,
        "untagged_cost_usd": 10.0,
        "tagged_percentage": 90.9,
        "untaggable_cost_usd": -20.0,
    }
    assert report.summary["totals"]["current_cost_usd"] == 90.0


@pytest.mark.parametrize(
    ("tagged", "untagged", "expected"),
    [
        ("100", "-20", 125.0),  # negative usage (a negation without its usage): shown as is
        ("-10", "50", -25.0),
        ("-30", "-10", 0.0),  # no positive taggable usage: 0
        ("5", "-5", 0.0),  # taggable total 0 -> 0
        ("0", "0", 0.0),
        ("1", "2", 33.3),  # 33.33.. -> 33.3
        ("1", "7", 12.5),  # 12.5 exactly
    ],
)
def test_tagged_percentage_of_usage_is_not_clamped(
    tagged: str, untagged: str, expected: float
) -> None:
    report = single_month(window_with(center("app", "X", tagged), center("", "X", untagged)))

    coverage = report.summary["tagging_coverage"]
    assert coverage["tagged_percentage"] == expected
    assert coverage["tagged_cost_usd"] == float(tagged)
    assert coverage["untagged_cost_usd"] == float(untagged)
    assert coverage["untaggable_cost_usd"] == 0.0


def test_tagged_percentage_is_of_the_published_amounts() -> None:
    # Found by hypothesis: exact tagged -0.001 against untagged 0.002 gave -100 %, while the
    # file shows 0.00 and 0.00. Of the published cents: no taggable usage, 0 %.
    report = single_month(window_with(center("app", "X", "-0.001"), center("", "X", "0.002")))
    assert report.summary["tagging_coverage"]["tagged_percentage"] == 0.0
    # 0.005 -> 0.01 tagged, 0.004 -> 0.00 untagged: 100 % of what the file shows (the exact
    # amounts would give 0.005 / 0.009 = 55.6 %, which no reader could recompute).
    report = single_month(window_with(center("app", "X", "0.005"), center("", "X", "0.004")))
    assert report.summary["tagging_coverage"]["tagged_percentage"] == 100.0


def test_money_rounds_half_up_and_never_shows_negative_zero() -> None:
    report = single_month(
        window_with(
            center("a", "X", "0.125"),  # -> 0.13 (half-even would give 0.12)
            center("b", "Y", "-0.004"),  # -> 0.0, not -0.0
            center("c", "Z", "-0.005"),  # -> -0.01 (half up is away from zero)
        )
    )

    costs = {c["name"]: c["current_cost_usd"] for c in report.summary["cost_centers"]}
    assert json.dumps(costs, sort_keys=True) == '{"X": 0.13, "Y": 0.0, "Z": -0.01}'


def test_a_workload_seen_with_zero_cost_is_still_listed() -> None:
    # Charges and credits that cancel out leave a 0 line; the workload still exists.
    report = single_month(window_with(center("app", "X", "3"), center("free", "X", "0")))

    workloads = report.summary["cost_centers"][0]["workloads"]
    assert [(w["name"], w["current_cost_usd"]) for w in workloads] == [
        ("app", 3.0),
        ("free", 0.0),
    ]
    assert len(report.workload_rows) == 6  # 2 workloads x 3 periods


def test_an_unavailable_window_counts_as_zero_whatever_it_carries() -> None:
    spec = complete_month_spec(date(2026, 10, 1))
    stale = WindowData(spec.yoy, Status.UNAVAILABLE, usage=(usage("x", "Tax", "9"),))
    data = {**MONTH_DATA, spec.yoy: stale}

    report = build_period_report(
        spec, data, options(), collected_at=COLLECTED_AT, collection=COLLECTION
    )

    assert report.summary["period_status"]["yoy"] == "unavailable"
    assert report.summary["totals"]["yoy_cost_usd"] == 0.0
    assert all(row.period != "2025-10" for row in report.usage_rows)


def test_disagreeing_groupings_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    broken = WindowData(
        MONTH.current,
        Status.FINAL,
        usage=(usage("a", "Tax", "10.00"),),
        cost_centers=(center("a", "X", "9.99"),),
    )
    spec = complete_month_spec(date(2026, 10, 1))
    data = {**MONTH_DATA, spec.current: broken}
    caplog.set_level(logging.WARNING, logger="dapanoskop")

    build_period_report(
        spec, data, options(category="CC"), collected_at=COLLECTED_AT, collection={}
    )

    assert [record.getMessage() for record in caplog.records] == [
        "usage and cost center groupings disagree, cost centers will not add up to totals "
        "window=2026-10 difference=0.01"
    ]


def test_missing_window_forecast_on_complete_month_and_naive_clock_are_refused() -> None:
    spec = complete_month_spec(date(2026, 10, 1))
    partial = {spec.current: OCTOBER}
    with pytest.raises(ValueError, match="no data for windows"):
        build_period_report(spec, partial, options(), collected_at=COLLECTED_AT, collection={})
    with pytest.raises(ValueError, match="forecast"):
        build_period_report(
            spec,
            MONTH_DATA,
            options(),
            collected_at=COLLECTED_AT,
            collection={},
            forecast_total=Decimal(1),
        )
    with pytest.raises(ValueError, match="time zone"):
        build_period_report(
            spec, MONTH_DATA, options(), collected_at=datetime(2026, 11, 2), collection={}
        )
