"""Writes a realistic, contract-valid history folder for report tests (no pipeline needed).

A small simulated organization: cost lines per (cost center, workload, service, usage type)
and month, built from exact decimal formulas, so every number in the written files can be
recomputed. The summaries are derived from those lines the way the contract (§3-§7) says,
independently of the real processor: the report is tested against the contract, not against
another module's interpretation of it.

History: `complete_months` complete months before `today` plus the month-to-date period.
Months before the first one are `unavailable`; the last complete month and the
month-to-date period are `estimated`.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.categories import (
    StorageService,
    categorize,
    storage_class_name,
    strip_region_prefix,
)
from dapanoskop.periods import add_months

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_CENTER = "<script>alert(2)</script> & Co"
HOSTILE_USAGE_TYPE = "USE1-TimedStorage-<b onmouseover=alert(3)>x</b>"

S3 = "Amazon Simple Storage Service"
EC2 = "Amazon Elastic Compute Cloud - Compute"
EC2_OTHER = "EC2 - Other"
LAMBDA = "AWS Lambda"
TAX = "Tax"
HOT_S3 = ("TimedStorage-ByteHrs", "TimedStorage-INT-FA-ByteHrs")
GIB = 2**30
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Spec:
    """One recurring cost line: quantity = base + step x month index, cost = quantity x rate.

    `months` limits the line to a range of month indexes (a workload launched or retired).
    `wiggle` adds a repeating pattern so months differ in more than a straight line.
    """

    cost_center: str  # "" = not covered by the cost category
    workload: str  # "" = untagged
    service: str
    usage_type: str
    base: str
    step: str
    rate: str
    months: tuple[int, int] = (0, 99)
    wiggle: tuple[str, ...] = ("0",)


SPECS = (
    Spec("Research", "genome-pipeline", EC2, "USE1-BoxUsage:r5.4xlarge", "1800", "40", "1.008",
         wiggle=("0", "120", "-80", "60")),
    Spec("Research", "genome-pipeline", S3, "USE1-TimedStorage-ByteHrs", "42000", "900", "0.023"),
    Spec("Research", "genome-pipeline", S3, "USE1-TimedStorage-INT-IA-ByteHrs", "30000", "2500",
         "0.0125"),
    Spec("Research", "genome-pipeline", S3, "USE1-TimedStorage-GDA-ByteHrs", "250000", "12000",
         "0.00099"),
    Spec("Research", "imaging", EC2, "USE1-SpotUsage:g5.xlarge", "900", "-20", "0.45",
         wiggle=("0", "300", "150")),
    Spec("Research", "imaging", S3, "USE1-TimedStorage-INT-FA-ByteHrs", "18000", "400", "0.023"),
    Spec("Research", "imaging", S3, "USE1-Requests-Tier1", "4000000", "50000", "0.000005"),
    Spec("Research", "shared-vpc", EC2_OTHER, "USE1-NatGateway-Hours", "720", "0", "0.045"),
    Spec("Research", "shared-vpc", EC2_OTHER, "USE1-NatGateway-Bytes", "3000", "150", "0.045"),
    Spec("Platform", "shared-vpc", EC2_OTHER, "USE1-NatGateway-Hours", "2160", "0", "0.045"),
    Spec("Platform", "shared-vpc", EC2, "USE1-DataTransfer-Out-Bytes", "9000", "200", "0.09"),
    Spec("Platform", "ci-runners", EC2, "USE1-BoxUsage:c6i.2xlarge", "2400", "60", "0.34",
         wiggle=("0", "-300", "200", "0", "500")),
    Spec("Platform", "ci-runners", EC2_OTHER, "USE1-EBS:VolumeUsage.gp3", "6000", "100", "0.08"),
    Spec("Platform", "observability", "AmazonCloudWatch", "CW:MetricMonitorUsage", "3000", "45",
         "0.30"),
    Spec("Platform", "observability", S3, "USE1-TimedStorage-SIA-ByteHrs", "20000", "1500",
         "0.0125"),
    Spec("Platform", "legacy-batch", EC2, "USE1-BoxUsage:m4.xlarge", "700", "0", "0.20",
         months=(0, 6)),
    Spec("Data Science", "feature-store", S3, "USE1-TimedStorage-ByteHrs", "15000", "1800",
         "0.023"),
    Spec("Data Science", "feature-store", LAMBDA, "USE1-Lambda-GB-Second", "9000000", "600000",
         "0.0000166667"),
    Spec("Data Science", "model-training", EC2, "USE1-BoxUsage:p4d.24xlarge", "40", "6",
         "32.7726", months=(7, 99), wiggle=("0", "10", "-5")),
    Spec("Data Science", "notebooks", EC2, "USE1-BoxUsage:t3.large", "2000", "30", "0.0832"),
    Spec("Finance", "ledger-api", "AWS Fargate", "USE1-Fargate-vCPU-Hours:perCPU", "1440", "0",
         "0.04048"),
    Spec("Finance", "ledger-api", S3, "USE1-TimedStorage-GlacierByteHrs", "80000", "3000",
         "0.0036"),
    Spec("Finance", "", S3, "USE1-TimedStorage-ByteHrs", "5000", "-100", "0.023"),
    Spec("", "", EC2, "USE1-BoxUsage:t3.medium", "9000", "-600", "0.0416"),
    Spec("", "", EC2_OTHER, "USE1-EBS:SnapshotUsage", "12000", "200", "0.05"),
    Spec("", "", TAX, "Tax", "300", "8", "1", wiggle=("0", "12", "-7")),
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    cost_center: str
    workload: str
    service: str
    usage_type: str
    cost: Decimal
    quantity: Decimal


def month_lines(index: int, *, hostile: bool = False, extra_workloads: int = 0) -> tuple[Line, ...]:
    """The cost lines of month `index` (0 = oldest month of the history)."""
    specs = list(SPECS)
    if hostile:
        specs.append(Spec(HOSTILE_CENTER, HOSTILE, S3, HOSTILE_USAGE_TYPE, "5000", "10", "0.023"))
        specs.append(Spec("Research", HOSTILE, EC2, "USE1-BoxUsage:t3.micro", "700", "0", "0.01"))
    for n in range(extra_workloads):
        center = ("Research", "Platform", "Data Science", "Finance")[n % 4]
        specs.append(
            Spec(center, f"service-{n:03d}", EC2, "USE1-BoxUsage:m5.large", "300", str(n % 7),
                 "0.096", wiggle=("0", str(n % 11), "-3"))
        )  # fmt: skip
    lines = []
    for spec in specs:
        if not spec.months[0] <= index <= spec.months[1]:
            continue
        quantity = (
            Decimal(spec.base)
            + Decimal(spec.step) * index
            + Decimal(spec.wiggle[index % len(spec.wiggle)])
        )
        lines.append(
            Line(
                spec.cost_center,
                spec.workload,
                spec.service,
                spec.usage_type,
                quantity * Decimal(spec.rate),
                quantity,
            )
        )
    return tuple(lines)


def _label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT, ROUND_HALF_EVEN))


def _pct(value: Decimal) -> float:
    return float(value.quantize(TENTH, ROUND_HALF_EVEN))


def _scaled(lines: Iterable[Line], factor: Decimal) -> tuple[Line, ...]:
    """The part of a month's lines that falls into a window covering `factor` of the month."""
    return tuple(
        Line(
            line.cost_center,
            line.workload,
            line.service,
            line.usage_type,
            line.cost * factor,
            line.quantity * factor,
        )
        for line in lines
    )


def _center_name(raw: str) -> str:
    return raw or "Uncategorized"


def _workload_name(raw: str) -> str:
    return raw or "Untagged"


def _total(lines: Iterable[Line]) -> Decimal:
    return sum((line.cost for line in lines), Decimal(0))


def _by_center_workload(lines: Iterable[Line]) -> dict[tuple[str, str], Decimal]:
    found: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        found[(_center_name(line.cost_center), _workload_name(line.workload))] += line.cost
    return found


def _is_s3_volume(line: Line) -> bool:
    return line.service == S3 and strip_region_prefix(line.usage_type).startswith("TimedStorage-")


def _storage(lines: Iterable[Line], hours_in_month: int, hours: int) -> dict[str, Decimal]:
    """Storage metrics with only S3 in scope (include_efs and include_ebs false)."""
    lines = [line for line in lines if line.service == S3]
    cost = sum(
        (line.cost for line in lines if categorize(line.usage_type) == "Storage"), Decimal(0)
    )
    gb_months = sum((line.quantity for line in lines if _is_s3_volume(line)), Decimal(0))
    hot = sum(
        (
            line.quantity
            for line in lines
            if _is_s3_volume(line) and strip_region_prefix(line.usage_type) in HOT_S3
        ),
        Decimal(0),
    )
    volume = gb_months * GIB * hours_in_month / hours
    return {
        "cost": cost,
        "volume": volume,
        "hot_pct": hot / gb_months * 100 if gb_months else Decimal(0),
        "cost_per_tb": cost / (gb_months / 1024) if gb_months else Decimal(0),
    }


def _storage_classes(
    current: Iterable[Line],
    hours_in_month: int,
    hours: int,
    comparison: Iterable[Line],
    prev_days: int,
    comparison_days: int,
) -> list[dict]:
    """Schema 2 `storage_classes`: S3 capacity per usage type (without region prefix)."""
    found: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for lines, offset, scale in (
        (current, 0, Decimal(hours_in_month) / hours),
        (comparison, 2, Decimal(prev_days) / comparison_days),
    ):
        for line in lines:
            if _is_s3_volume(line):
                entry = found[strip_region_prefix(line.usage_type)]
                entry[offset] += line.quantity * GIB * scale
                entry[offset + 1] += line.cost
    classes = [
        {
            "service": S3,
            "usage_type": bare,
            "storage_class": storage_class_name(StorageService.S3, bare),
            "average_bytes": int(volume),
            "cost_usd": _money(cost),
            "prev_month_average_bytes": int(prev_volume),
            "prev_month_cost_usd": _money(prev_cost),
        }
        for bare, (volume, cost, prev_volume, prev_cost) in found.items()
    ]
    return sorted(classes, key=lambda c: (-c["average_bytes"], c["service"], c["usage_type"]))


@dataclass(frozen=True)
class Month:
    label: str
    lines: tuple[Line, ...] | None  # None: older than the history (unavailable)
    status: str


class Organization:
    """The simulated organization over a range of months, with the summaries it produces."""

    def __init__(
        self,
        today: date,
        complete_months: int,
        *,
        hostile: bool = False,
        extra_workloads: int = 0,
    ) -> None:
        self.today = today
        self.current_first = today.replace(day=1)
        self.first = add_months(self.current_first, -complete_months)
        self.complete_months = complete_months
        self.hostile = hostile
        self.extra_workloads = extra_workloads

    def month(self, first: date) -> Month:
        index = (first.year - self.first.year) * 12 + first.month - self.first.month
        label = _label(first)
        if index < 0:
            return Month(label, None, "unavailable")
        lines = month_lines(index, hostile=self.hostile, extra_workloads=self.extra_workloads)
        recent = first >= add_months(self.current_first, -1)
        return Month(label, lines, "estimated" if recent else "final")

    def complete_periods(self) -> list[date]:
        return [add_months(self.first, n) for n in range(self.complete_months)]

    def summary(self, first: date) -> tuple[dict, list[dict]]:
        """(summary.json, usage-type rows) of the period starting at `first`."""
        is_mtd = first == self.current_first
        days_in_month = calendar.monthrange(first.year, first.month)[1]
        current = self.month(first)
        prev = self.month(add_months(first, -1))
        yoy = self.month(add_months(first, -12))
        current_lines = current.lines or ()
        elapsed = (self.today - first).days if is_mtd else days_in_month
        if is_mtd:
            current_lines = _scaled(current_lines, Decimal(elapsed) / days_in_month)
        prev_lines, yoy_lines = prev.lines or (), yoy.lines or ()
        summary: dict = {
            "schema_version": 2,
            "collected_at": self._collected_at(first, is_mtd),
            "period": current.label,
            "is_mtd": is_mtd,
            "periods": {"current": current.label, "prev_month": prev.label, "yoy": yoy.label},
            "period_status": {
                "current": current.status,
                "prev_month": prev.status,
                "yoy": yoy.status,
            },
            "cost_metric": "UnblendedCost",
            "workload_tag_key": "App",
            "cost_category_name": "CostCenter",
            "totals": {
                "current_cost_usd": _money(_total(current_lines)),
                "prev_month_cost_usd": _money(_total(prev_lines)),
                "yoy_cost_usd": _money(_total(yoy_lines)),
            },
            "storage_config": {"include_efs": False, "include_ebs": False},
        }
        hours_in_month = days_in_month * 24
        storage_now = _storage(current_lines, hours_in_month, elapsed * 24)
        comparison_lines = prev_lines
        prev_first = add_months(first, -1)
        prev_days = calendar.monthrange(prev_first.year, prev_first.month)[1]
        comparison_days = prev_days
        if is_mtd:
            comparison_days = min(elapsed, prev_days)
            comparison_lines = _scaled(prev_lines, Decimal(comparison_days) / prev_days)
        storage_prev = _storage(comparison_lines, prev_days * 24, comparison_days * 24)
        summary["storage_metrics"] = {
            "total_cost_usd": _money(storage_now["cost"]),
            "prev_month_cost_usd": _money(storage_prev["cost"]),
            "total_volume_bytes": int(storage_now["volume"]),
            "prev_month_total_volume_bytes": int(storage_prev["volume"]),
            "hot_tier_percentage": _pct(storage_now["hot_pct"]),
            "prev_month_hot_tier_percentage": _pct(storage_prev["hot_pct"]),
            "cost_per_tb_usd": _money(storage_now["cost_per_tb"]),
            "prev_month_cost_per_tb_usd": _money(storage_prev["cost_per_tb"]),
        }
        now = _by_center_workload(current_lines)
        before = _by_center_workload(prev_lines)
        last_year = _by_center_workload(yoy_lines)
        summary["cost_centers"] = _cost_centers(now, before, last_year)
        summary["storage_classes"] = _storage_classes(
            current_lines,
            hours_in_month,
            elapsed * 24,
            comparison_lines,
            prev_days,
            comparison_days,
        )
        # Schema 2: usage only; the tax line cannot carry a tag.
        untaggable = sum((line.cost for line in current_lines if line.service == TAX), Decimal(0))
        tagged = sum((line.cost for line in current_lines if line.workload), Decimal(0))
        untagged = _total(current_lines) - tagged - untaggable
        taggable = tagged + untagged
        summary["tagging_coverage"] = {
            "tagged_cost_usd": _money(tagged),
            "untagged_cost_usd": _money(untagged),
            "tagged_percentage": _pct(tagged / taggable * 100 if taggable > 0 else Decimal(0)),
            "untaggable_cost_usd": _money(untaggable),
        }
        if is_mtd:
            summary["data_through"] = (self.today - timedelta(days=1)).isoformat()
            self._add_mtd(summary, comparison_lines, current.lines or (), prev_lines, prev_first)
            summary["storage_metrics"]["mtd_prior_partial_storage_cost_usd"] = _money(
                storage_prev["cost"]
            )
        summary["collection"] = {"ce_requests": 9}
        usage_rows = _usage_rows(
            ((current.label, current_lines), (prev.label, prev_lines), (yoy.label, yoy_lines))
        )
        return summary, usage_rows

    def _add_mtd(
        self,
        summary: dict,
        like_for_like: tuple[Line, ...],
        whole_month: tuple[Line, ...],
        prev_lines: tuple[Line, ...],
        prev_first: date,
    ) -> None:
        forecast = _total(whole_month)
        prev_total = _total(prev_lines)
        summary["totals"]["mtd_prior_partial_cost_usd"] = _money(_total(like_for_like))
        summary["totals"]["forecast_total_usd"] = _money(forecast)
        summary["totals"]["prev_complete_total_usd"] = _money(prev_total)
        summary["totals"]["forecast_month_end_delta_pct"] = _pct((forecast / prev_total - 1) * 100)
        prior = _by_center_workload(like_for_like)
        days = (self.today - self.current_first).days
        end = min(prev_first + timedelta(days=days), self.current_first)
        summary["mtd_comparison"] = {
            "prior_partial_start": prev_first.isoformat(),
            "prior_partial_end_exclusive": end.isoformat(),
            "cost_centers": [
                {
                    "name": center["name"],
                    "prior_partial_cost_usd": _money(
                        sum(
                            (v for (c, _), v in prior.items() if c == center["name"]),
                            Decimal(0),
                        )
                    ),
                    "workloads": [
                        {
                            "name": workload["name"],
                            "prior_partial_cost_usd": _money(
                                prior.get((center["name"], workload["name"]), Decimal(0))
                            ),
                        }
                        for workload in center["workloads"]
                    ],
                }
                for center in summary["cost_centers"]
            ],
        }

    def _collected_at(self, first: date, is_mtd: bool) -> str:
        if is_mtd or first == add_months(self.current_first, -1):
            return f"{self.today.isoformat()}T06:00:03Z"
        return f"{add_months(first, 1).isoformat()}T06:00:03Z"


def _cost_centers(
    now: dict[tuple[str, str], Decimal],
    before: dict[tuple[str, str], Decimal],
    last_year: dict[tuple[str, str], Decimal],
) -> list[dict]:
    keys = set(now) | set(before) | set(last_year)
    centers = sorted({center for center, _ in keys})

    def cost(table: dict[tuple[str, str], Decimal], center: str) -> Decimal:
        return sum((v for (c, _), v in table.items() if c == center), Decimal(0))

    result = []
    for center in centers:
        workloads = sorted({w for c, w in keys if c == center})
        entries = [
            {
                "name": workload,
                "current": now.get((center, workload), Decimal(0)),
                "prev": before.get((center, workload), Decimal(0)),
                "yoy": last_year.get((center, workload), Decimal(0)),
            }
            for workload in workloads
        ]
        entries.sort(key=lambda e: (-e["current"], e["name"]))
        result.append(
            {
                "name": center,
                "sort": cost(now, center),
                "current_cost_usd": _money(cost(now, center)),
                "prev_month_cost_usd": _money(cost(before, center)),
                "yoy_cost_usd": _money(cost(last_year, center)),
                "workloads": [
                    {
                        "name": e["name"],
                        "current_cost_usd": _money(e["current"]),
                        "prev_month_cost_usd": _money(e["prev"]),
                        "yoy_cost_usd": _money(e["yoy"]),
                    }
                    for e in entries
                ],
            }
        )
    result.sort(key=lambda c: (-c["sort"], c["name"]))
    for center in result:
        del center["sort"]
    return result


def _usage_rows(windows: Iterable[tuple[str, tuple[Line, ...]]]) -> list[dict]:
    """cost-by-usage-type rows: per (workload, usage type, period), unrounded, sorted."""
    found: dict[tuple[str, str, str], list[Decimal]] = {}
    for period, lines in windows:
        for line in lines:
            key = (period, _workload_name(line.workload), line.usage_type)
            sums = found.setdefault(key, [Decimal(0), Decimal(0)])
            sums[0] += line.cost
            sums[1] += line.quantity
    return [
        {
            "workload": workload,
            "usage_type": usage_type,
            "category": str(categorize(usage_type)),
            "period": period,
            "cost_usd": float(cost),
            "usage_quantity": float(quantity),
        }
        for (period, workload, usage_type), (cost, quantity) in sorted(found.items())
        if cost != 0 or quantity != 0
    ]


_USAGE_SCHEMA = pa.schema(
    [
        ("workload", pa.string()),
        ("usage_type", pa.string()),
        ("category", pa.string()),
        ("period", pa.string()),
        ("cost_usd", pa.float64()),
        ("usage_quantity", pa.float64()),
    ]
)
_WORKLOAD_SCHEMA = pa.schema(
    [
        ("cost_center", pa.string()),
        ("workload", pa.string()),
        ("period", pa.string()),
        ("cost_usd", pa.float64()),
    ]
)


def _workload_rows(summary: dict) -> list[dict]:
    labels = summary["periods"]
    return [
        {
            "cost_center": center["name"],
            "workload": workload["name"],
            "period": labels[key],
            "cost_usd": workload[f"{field}_cost_usd"],
        }
        for center in summary["cost_centers"]
        for workload in center["workloads"]
        for key, field in (("current", "current"), ("prev_month", "prev_month"), ("yoy", "yoy"))
    ]


def build_history(
    root: Path,
    *,
    today: date = date(2026, 11, 26),
    complete_months: int = 14,
    hostile: bool = False,
    extra_workloads: int = 0,
    with_mtd: bool = True,
) -> Path:
    """Write index.json and every period's three files below `root`; return `root`."""
    org = Organization(today, complete_months, hostile=hostile, extra_workloads=extra_workloads)
    firsts = org.complete_periods()
    if with_mtd and today.day > 1:
        firsts.append(org.current_first)
    root.mkdir(parents=True, exist_ok=True)
    for first in firsts:
        summary, usage_rows = org.summary(first)
        folder = root / summary["period"]
        folder.mkdir(exist_ok=True)
        pq.write_table(
            pa.Table.from_pylist(usage_rows, schema=_USAGE_SCHEMA),
            folder / "cost-by-usage-type.parquet",
        )
        pq.write_table(
            pa.Table.from_pylist(_workload_rows(summary), schema=_WORKLOAD_SCHEMA),
            folder / "cost-by-workload.parquet",
        )
        (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    index = {
        "periods": sorted((_label(f) for f in firsts), reverse=True),
        "updated_at": f"{today.isoformat()}T06:00:03Z",
    }
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return root
