"""The daily run with a frozen clock: every field it publishes, against hand-worked values.

Each test runs the Lambda's core, `handle({}, env, clock, ce, s3)`, on the moto S3 server and
a local Cost Explorer loaded with the ledger below, then reads back what was published.

The ledger: the same line items every day from 2025-12-01 up to (not including) today, so a
window's cost is its number of days times a daily rate. g = year - 2024 (2025: 1, 2026: 2,
2027: 3, 2028: 4); M = the month's number (January 1 ... December 12).

| workload | cost center | service           | usage type                  | per day            |
|----------|-------------|-------------------|-----------------------------|--------------------|
| genome   | Research    | EC2 compute       | BoxUsage:m5.large           | $g, 24 Hrs         |
| genome   | Research    | S3                | TimedStorage-ByteHrs (hot)  | $0.25, 10 GB-Mo    |
| archive  | Research    | S3                | TimedStorage-GlacierByteHrs | $0.15, 30 GB-Mo    |
| web      | Platform    | AWS Lambda        | Lambda-GB-Second            | $M                 |
| legacy   | Platform    | EC2 compute       | BoxUsage:t3.micro           | $0.50, until 2026  |
| (no tag) | (none)      | EC2 - Other       | NatGateway-Hours            | $0.60              |

Per day: genome g + 0.25, Research g + 0.40, Platform M (+ 0.50 through 2026), Uncategorized
(workload Untagged) 0.60, total g + M + 1.00 (+ 0.50 through 2026), tagged = total - 0.60.
Storage (S3 only by default): $0.40 and 40 GB-Mo a day, 10 of them hot, so the hot share is
always 10 / 40 = 25 % and the cost per TiB-month 0.40 / (40 / 1024) = $10.24. Average bytes of
a window of n days in a month of D days = 40n GB-Mo x 2^30 x 24D h / 24n h = 40 D GiB: a
month-to-date window reports the same average as its whole month would, which a conversion that
forgot the hours (40n GiB) or used the wrong month's hours would not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import botocore.endpoint
import pytest

from dapanoskop.localce import LineItem, LocalCostExplorer
from tests.conftest import BUCKET, invoke

# MTD_SETTLE_DAYS=0: the month to date runs up to today, as the hand-worked windows below
# assume; the settle days have their own tests at the end.
ENV = {"DATA_BUCKET": BUCKET, "COST_CATEGORY_NAME": "CostCenter", "MTD_SETTLE_DAYS": "0"}
GIB = 2**30
LEDGER_START = date(2025, 12, 1)
LEGACY_UNTIL = date(2026, 12, 31)
ACCOUNT = "123456789012"
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3_SERVICE = "Amazon Simple Storage Service"


# --- The ledger and a run ---------------------------------------------------------------------


def days(first: date, end: date) -> Iterator[date]:
    day = first
    while day < end:
        yield day
        day += timedelta(days=1)


def ledger(today: date, first: date = LEDGER_START) -> list[LineItem]:
    """The module docstring's line items for every day in [first, today)."""
    items = []
    for day in days(first, today):

        def item(
            workload: str,
            cost_center: str,
            service: str,
            usage_type: str,
            unit: str,
            quantity: str,
            amount: Decimal | str,
            day: date = day,
        ) -> LineItem:
            return LineItem(
                day=day,
                account=ACCOUNT,
                service=service,
                usage_type=usage_type,
                unit=unit,
                amount=Decimal(amount),
                quantity=Decimal(quantity),
                tags={"App": workload} if workload else {},
                cost_categories={"CostCenter": cost_center} if cost_center else {},
            )

        items += [
            item("genome", "Research", EC2, "BoxUsage:m5.large", "Hrs", "24", day.year - 2024),
            item("genome", "Research", S3_SERVICE, "TimedStorage-ByteHrs", "GB-Mo", "10", "0.25"),
            item(
                "archive",
                "Research",
                S3_SERVICE,
                "TimedStorage-GlacierByteHrs",
                "GB-Mo",
                "30",
                "0.15",
            ),
            item("web", "Platform", "AWS Lambda", "Lambda-GB-Second", "GB-s", "1000", day.month),
            item("", "", "EC2 - Other", "NatGateway-Hours", "Hrs", "24", "0.60"),
        ]
        if day <= LEGACY_UNTIL:
            items.append(item("legacy", "Platform", EC2, "BoxUsage:t3.micro", "Hrs", "24", "0.50"))
    return items


def morning(today: date) -> datetime:
    return datetime(today.year, today.month, today.day, 6, 0, 3, tzinfo=UTC)


def iso_morning(today: date) -> str:
    return f"{today.isoformat()}T06:00:03Z"


@dataclass
class Run:
    status: int
    body: dict[str, Any]
    explorer: LocalCostExplorer


def run_daily(
    s3: Any,
    today: date,
    *,
    first: date = LEDGER_START,
    env: dict[str, str] | None = None,
    explorer: LocalCostExplorer | None = None,
    **explorer_options: Any,
) -> Run:
    """One scheduled run at 06:00:03 UTC on `today`, on a fresh local Cost Explorer."""
    explorer = explorer or LocalCostExplorer(ledger(today, first), today, **explorer_options)
    clock: Callable[[], datetime] = lambda: morning(today)  # noqa: E731 - a frozen clock
    status, body = invoke({}, env or ENV, clock, explorer.client(), s3)
    return Run(status, body, explorer)


def read_json(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def stored_keys(s3: Any) -> list[str]:
    return sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def versions(s3: Any, key: str) -> int:
    listing = s3.list_object_versions(Bucket=BUCKET, Prefix=key)
    return sum(1 for version in listing.get("Versions", []) if version["Key"] == key)


def cost_and_usage_periods(explorer: LocalCostExplorer) -> list[tuple[str, str]]:
    """The TimePeriod of every GetCostAndUsage request the run made."""
    return [
        (params["TimePeriod"]["Start"], params["TimePeriod"]["End"])
        for operation, params in explorer.requests
        if operation == "GetCostAndUsage"
    ]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry back-off, recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    return delays


# --- Hand-worked windows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """One window's numbers, worked out by hand from the ledger (dollars, GiB, percent)."""

    genome: float
    archive: float
    research: float
    web: float
    legacy: float
    platform: float
    untagged: float
    total: float
    storage: float
    volume_gib: int  # average GiB stored over the window (module docstring: 40 x days in month)
    tagged: float = 0.0  # total - untagged; only given for windows that are a summary's current
    tagged_pct: float = 0.0


# Whole months: days x daily rate. "g2 M12 +legacy" = g = 2, M = 12, legacy still running.
# DEC_2025: 31 d, g1 M12 +legacy: genome 31 x 1.25, archive 31 x 0.15, web 31 x 12, legacy
# 31 x 0.50, Untagged 31 x 0.60; total 31 x (1 + 12 + 1 + 0.5) = 31 x 14.5.
DEC_2025 = Costs(38.75, 4.65, 43.40, 372.0, 15.50, 387.50, 18.60, 449.50, 12.40, 1240)
# JAN_2026: 31 d, g2 M1 +legacy: 31 x 2.25, 31 x 0.15, 31 x 1, 31 x 0.5, 31 x 0.6; 31 x 4.5.
JAN_2026 = Costs(69.75, 4.65, 74.40, 31.0, 15.50, 46.50, 18.60, 139.50, 12.40, 1240)
# MAR_2026: 31 d, g2 M3 +legacy: web 31 x 3; total 31 x 6.5.
MAR_2026 = Costs(69.75, 4.65, 74.40, 93.0, 15.50, 108.50, 18.60, 201.50, 12.40, 1240)
# APR_2026: 30 d, g2 M4 +legacy: 30 x 2.25, 30 x 0.15, 30 x 4, 30 x 0.5, 30 x 0.6; 30 x 7.5.
APR_2026 = Costs(67.50, 4.50, 72.00, 120.0, 15.00, 135.00, 18.00, 225.00, 12.00, 1200)
# NOV_2026: 30 d, g2 M11 +legacy: web 30 x 11; total 30 x 14.5.
NOV_2026 = Costs(67.50, 4.50, 72.00, 330.0, 15.00, 345.00, 18.00, 435.00, 12.00, 1200)
# DEC_2026: 31 d, g2 M12 +legacy: web 31 x 12; total 31 x 15.5; tagged 480.50 - 18.60 = 461.90,
# 461.90 / 480.50 = 96.13 %.
DEC_2026 = Costs(69.75, 4.65, 74.40, 372.0, 15.50, 387.50, 18.60, 480.50, 12.40, 1240, 461.90, 96.1)
# FEB_2027: 28 d, g3 M2: 28 x 3.25, 28 x 0.15, 28 x 2, 0, 28 x 0.6; total 28 x 6.
FEB_2027 = Costs(91.00, 4.20, 95.20, 56.0, 0.0, 56.00, 16.80, 168.00, 11.20, 1120)
# MAR_2027: 31 d, g3 M3: 31 x 3.25, 31 x 0.15, 31 x 3, 0, 31 x 0.6; total 31 x 7;
# tagged 217 - 18.60 = 198.40, 198.40 / 217 = 91.43 %.
MAR_2027 = Costs(100.75, 4.65, 105.40, 93.0, 0.0, 93.00, 18.60, 217.00, 12.40, 1240, 198.40, 91.4)
# JAN_2028: 31 d, g4 M1: 31 x 4.25, 31 x 0.15, 31 x 1, 0, 31 x 0.6; total 31 x 6.
JAN_2028 = Costs(131.75, 4.65, 136.40, 31.0, 0.0, 31.00, 18.60, 186.00, 12.40, 1240)
# FEB_2028: 29 d (leap), g4 M2: 29 x 4.25, 29 x 0.15, 29 x 2, 0, 29 x 0.6; total 29 x 7;
# tagged 203 - 17.40 = 185.60, 185.60 / 203 = 91.43 %.
FEB_2028 = Costs(123.25, 4.35, 127.60, 58.0, 0.0, 58.00, 17.40, 203.00, 11.60, 1160, 185.60, 91.4)

# Partial windows [start, end): days x daily rate; volume 40 x days in the window's month GiB.
# 2027-04-01..04-02, 1 d, g3 M4: 3.25, 0.15, 4, 0, 0.60; total 8; 1 x 0.40 storage;
# 40 GB-Mo x 720 h / 24 h = 1200 GiB; tagged 7.40 / 8 = 92.5 %.
APR_2027_1D = Costs(3.25, 0.15, 3.40, 4.0, 0.0, 4.00, 0.60, 8.00, 0.40, 1200, 7.40, 92.5)
# 2027-03-01..03-02, 1 d, g3 M3: total 7; 40 GB-Mo x 744 h / 24 h = 1240 GiB.
MAR_2027_1D = Costs(3.25, 0.15, 3.40, 3.0, 0.0, 3.00, 0.60, 7.00, 0.40, 1240)
# 2027-04-01..04-30, 29 d, g3 M4: 29 x 3.25, 29 x 0.15, 29 x 4, 0, 29 x 0.6; total 29 x 8;
# 29 x 0.40 storage; 1160 GB-Mo x 720 / 696 = 1200 GiB; tagged 214.60 / 232 = 92.5 %.
APR_2027_29D = Costs(
    94.25, 4.35, 98.60, 116.0, 0.0, 116.00, 17.40, 232.00, 11.60, 1200, 214.60, 92.5
)
# 2027-03-01..03-30, 29 d, g3 M3: web 29 x 3, total 29 x 7; 1160 x 744 / 696 = 1240 GiB;
# tagged 203 - 17.40 = 185.60, 185.60 / 203 = 91.43 %.
MAR_2027_29D = Costs(94.25, 4.35, 98.60, 87.0, 0.0, 87.00, 17.40, 203.00, 11.60, 1240, 185.60, 91.4)
# 2027-03-01..03-31, 30 d, g3 M3: 30 x 3.25, 30 x 0.15, 30 x 3, 0, 30 x 0.6; total 30 x 7;
# 1200 x 744 / 720 = 1240 GiB; tagged 192 / 210 = 91.43 %.
MAR_2027_30D = Costs(97.50, 4.50, 102.00, 90.0, 0.0, 90.00, 18.00, 210.00, 12.00, 1240, 192.0, 91.4)
# 2028-03-01..03-30, 29 d, g4 M3: 29 x 4.25, 29 x 0.15, 29 x 3, 0, 29 x 0.6; total 29 x 8;
# 1160 x 744 / 696 = 1240 GiB; tagged 214.60 / 232 = 92.5 %.
MAR_2028_29D = Costs(
    123.25, 4.35, 127.60, 87.0, 0.0, 87.00, 17.40, 232.00, 11.60, 1240, 214.60, 92.5
)
# 2028-03-01..03-31, 30 d, g4 M3: 30 x 4.25, 30 x 0.15, 30 x 3, 0, 30 x 0.6; total 30 x 8;
# 1200 x 744 / 720 = 1240 GiB; tagged 222 / 240 = 92.5 %.
MAR_2028_30D = Costs(
    127.50, 4.50, 132.00, 90.0, 0.0, 90.00, 18.00, 240.00, 12.00, 1240, 222.0, 92.5
)
# 2027-01-01..01-15, 14 d, g3 M1, legacy gone: 14 x 3.25, 14 x 0.15, 14 x 1, 0, 14 x 0.6;
# total 14 x 5; 560 GB-Mo x 744 / 336 = 1240 GiB; tagged 61.60 / 70 = 88 %.
JAN_2027_14D = Costs(45.50, 2.10, 47.60, 14.0, 0.0, 14.00, 8.40, 70.00, 5.60, 1240, 61.60, 88.0)
# 2026-12-01..12-15, 14 d, g2 M12 +legacy: 14 x 2.25, 14 x 0.15, 14 x 12, 14 x 0.5, 14 x 0.6;
# total 14 x 15.5; 560 x 744 / 336 = 1240 GiB.
DEC_2026_14D = Costs(31.50, 2.10, 33.60, 168.0, 7.00, 175.00, 8.40, 217.00, 5.60, 1240)

# Cost center order, hand-sorted by the current window's cost (ties by name); `legacy` is
# listed wherever one of the summary's windows still has it.
RESEARCH = ("Research", "research", (("genome", "genome"), ("archive", "archive")))
PLATFORM = ("Platform", "platform", (("web", "web"), ("legacy", "legacy")))
PLATFORM_NO_LEGACY = ("Platform", "platform", (("web", "web"),))
UNCATEGORIZED = ("Uncategorized", "untagged", (("Untagged", "untagged"),))
Order = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]


def three(current: Costs, prev: Costs, yoy: Costs, attribute: str) -> dict[str, float]:
    return {
        "current_cost_usd": getattr(current, attribute),
        "prev_month_cost_usd": getattr(prev, attribute),
        "yoy_cost_usd": getattr(yoy, attribute),
    }


def expected_cost_centers(order: Order, current: Costs, prev: Costs, yoy: Costs) -> list[Any]:
    return [
        {
            "name": name,
            **three(current, prev, yoy, attribute),
            "workloads": [
                {"name": workload, **three(current, prev, yoy, field_name)}
                for workload, field_name in workloads
            ],
        }
        for name, attribute, workloads in order
    ]


def expected_prior_partial(order: Order, partial: Costs) -> list[Any]:
    return [
        {
            "name": name,
            "prior_partial_cost_usd": getattr(partial, attribute),
            "workloads": [
                {"name": workload, "prior_partial_cost_usd": getattr(partial, field_name)}
                for workload, field_name in workloads
            ],
        }
        for name, attribute, workloads in order
    ]


def expected_storage(current: Costs, comparison: Costs) -> dict[str, float | int]:
    return {
        "total_cost_usd": current.storage,
        "prev_month_cost_usd": comparison.storage,
        "total_volume_bytes": current.volume_gib * GIB,
        "prev_month_total_volume_bytes": comparison.volume_gib * GIB,
        "hot_tier_percentage": 25.0,
        "prev_month_hot_tier_percentage": 25.0,
        "cost_per_tb_usd": 10.24,
        "prev_month_cost_per_tb_usd": 10.24,
    }


def _share(amount: float, share: str) -> float:
    return float((Decimal(str(amount)) * Decimal(share)).quantize(Decimal("0.01"), "ROUND_HALF_UP"))


def expected_storage_classes(current: Costs, comparison: Costs) -> list[dict[str, Any]]:
    """Glacier holds 30 of the 40 GB-Mo a day and costs 0.15 of the 0.40; Standard the rest."""
    return [
        {
            "service": S3_SERVICE,
            "usage_type": usage_type,
            "storage_class": name,
            "average_bytes": current.volume_gib * GIB * gib_share // 4,
            "cost_usd": _share(current.storage, cost_share),
            "prev_month_average_bytes": comparison.volume_gib * GIB * gib_share // 4,
            "prev_month_cost_usd": _share(comparison.storage, cost_share),
        }
        for usage_type, name, gib_share, cost_share in (
            ("TimedStorage-GlacierByteHrs", "S3 Glacier Flexible Retrieval", 3, "0.375"),
            ("TimedStorage-ByteHrs", "S3 Standard", 1, "0.625"),
        )
    ]


@dataclass(frozen=True)
class Expected:
    """What one summary.json must say, field by field."""

    today: date
    period: str
    periods: tuple[str, str, str]
    status: tuple[str, str, str]
    current: Costs
    prev: Costs
    yoy: Costs
    order: Order
    like_for_like: tuple[str, str] | None = None  # [start, end) of the MTD comparison
    partial: Costs | None = None
    forecast: tuple[float, float, float] | None = None  # total, prev complete, delta %

    def summary(self, collection: dict[str, Any]) -> dict[str, Any]:
        keys = ("current", "prev_month", "yoy")
        totals: dict[str, float] = {
            "current_cost_usd": self.current.total,
            "prev_month_cost_usd": self.prev.total,
            "yoy_cost_usd": self.yoy.total,
        }
        storage = expected_storage(self.current, self.partial or self.prev)
        summary: dict[str, Any] = {
            "schema_version": 2,
            "collected_at": iso_morning(self.today),
            "period": self.period,
            "is_mtd": self.partial is not None,
            "periods": dict(zip(keys, self.periods, strict=True)),
            "period_status": dict(zip(keys, self.status, strict=True)),
            "cost_metric": "UnblendedCost",
            "workload_tag_key": "App",
            "cost_category_name": "CostCenter",
            "totals": totals,
            "storage_config": {"include_efs": False, "include_ebs": False},
            "storage_metrics": storage,
            "storage_classes": expected_storage_classes(self.current, self.partial or self.prev),
            "cost_centers": expected_cost_centers(self.order, self.current, self.prev, self.yoy),
            # No tax, credit or fee in this ledger: nothing is untaggable.
            "tagging_coverage": {
                "tagged_cost_usd": self.current.tagged,
                "untagged_cost_usd": self.current.untagged,
                "tagged_percentage": self.current.tagged_pct,
                "untaggable_cost_usd": 0.0,
            },
            "collection": collection,
        }
        if self.partial is not None:
            # MTD_SETTLE_DAYS=0: the window runs up to today, so yesterday is the last day.
            summary["data_through"] = (self.today - timedelta(days=1)).isoformat()
        if self.partial is not None and self.like_for_like is not None:
            totals["mtd_prior_partial_cost_usd"] = self.partial.total
            storage["mtd_prior_partial_storage_cost_usd"] = self.partial.storage
            summary["mtd_comparison"] = {
                "prior_partial_start": self.like_for_like[0],
                "prior_partial_end_exclusive": self.like_for_like[1],
                "cost_centers": expected_prior_partial(self.order, self.partial),
            }
        if self.forecast is not None:
            forecast, prev_complete, delta = self.forecast
            totals["forecast_total_usd"] = forecast
            totals["prev_complete_total_usd"] = prev_complete
            totals["forecast_month_end_delta_pct"] = delta
        return summary


def assert_summary(s3: Any, run: Run, expected: Expected) -> None:
    """Every field of the published summary, with JSON types (0 and 0.0 told apart)."""
    summary = read_json(s3, f"{expected.period}/summary.json")
    # The run's own request count, as the local Cost Explorer saw it (no retries happened).
    collection = {
        "ce_requests": run.explorer.request_count(),
        "ce_requests_by_operation": run.body["ce_requests_by_operation"],
    }
    assert run.body["ce_requests"] == run.explorer.request_count()
    want = expected.summary(collection)
    for key in want:
        assert summary.get(key) == want[key], key
    assert sorted(summary) == sorted(want)
    assert json.dumps(summary, sort_keys=True) == json.dumps(want, sort_keys=True)


# --- Month-to-date summaries ------------------------------------------------------------------

MTD_SCENARIOS = [
    pytest.param(
        # Day 2: current [04-01, 04-02) against [03-01, 03-02). March is estimated until
        # 4 April (closes 3 days after its end), so prev_month is "estimated" too.
        # Forecast: history = the 30 days [03-03, 04-02): 29 March days x 7 + 1 April day x 8
        # = 211; mean 211/30; rest of April [04-02, 05-01) = 29 days: 211 x 29 / 30 =
        # 203.9666666667; + April so far 8 = 211.9666666667 -> 211.97.
        # Delta: 211.9666666667 / 217 - 1 = -2.32 % -> -2.3.
        Expected(
            today=date(2027, 4, 2),
            period="2027-04",
            periods=("2027-04", "2027-03", "2026-04"),
            status=("estimated", "estimated", "final"),
            current=APR_2027_1D,
            prev=MAR_2027,
            yoy=APR_2026,
            order=(PLATFORM, RESEARCH, UNCATEGORIZED),  # 4.00 > 3.40 > 0.60
            like_for_like=("2027-03-01", "2027-03-02"),
            partial=MAR_2027_1D,
            forecast=(211.97, 217.0, -2.3),
        ),
        id="day-2",
    ),
    pytest.param(
        # Last day of April: current [04-01, 04-30) 29 days against [03-01, 03-30), 29 days
        # (March is longer, nothing to cut). March is final since 4 April.
        # Forecast: history [03-31, 04-30) = 7 + 29 x 8 = 239; mean 239/30; rest of April 1 day:
        # 7.9666666667; + 232 so far = 239.9666666667 -> 239.97; 239.9666666667 / 217 - 1 =
        # 10.58 % -> 10.6.
        Expected(
            today=date(2027, 4, 30),
            period="2027-04",
            periods=("2027-04", "2027-03", "2026-04"),
            status=("estimated", "final", "final"),
            current=APR_2027_29D,
            prev=MAR_2027,
            yoy=APR_2026,
            order=(PLATFORM, RESEARCH, UNCATEGORIZED),  # 116 > 98.60 > 17.40
            like_for_like=("2027-03-01", "2027-03-30"),
            partial=MAR_2027_29D,
            forecast=(239.97, 217.0, 10.6),
        ),
        id="last-day-of-april",
    ),
    pytest.param(
        # 30 March 2027: 29 days so far; the like-for-like window [02-01, 03-02) is cut at
        # 1 March: it is the whole 28-day February.
        # Forecast: history [02-28, 03-30) = 6 + 29 x 7 = 209; mean 209/30; rest [03-30, 04-01)
        # = 2 days: 13.9333333333; + 203 = 216.9333333333 -> 216.93; / 168 - 1 = 29.13 % -> 29.1.
        Expected(
            today=date(2027, 3, 30),
            period="2027-03",
            periods=("2027-03", "2027-02", "2026-03"),
            status=("estimated", "final", "final"),
            current=MAR_2027_29D,
            prev=FEB_2027,
            yoy=MAR_2026,
            order=(RESEARCH, PLATFORM, UNCATEGORIZED),  # 98.60 > 87 > 17.40
            like_for_like=("2027-02-01", "2027-03-01"),
            partial=FEB_2027,
            forecast=(216.93, 168.0, 29.1),
        ),
        id="30-march-after-28-day-february",
    ),
    pytest.param(
        # 31 March 2027: 30 days so far; [02-01, 03-03) cut at 1 March -> whole February.
        # Forecast: history [03-01, 03-31) = 30 x 7, mean 7; rest 1 day: 7; + 210 = 217.00;
        # 217 / 168 - 1 = 29.17 % -> 29.2.
        Expected(
            today=date(2027, 3, 31),
            period="2027-03",
            periods=("2027-03", "2027-02", "2026-03"),
            status=("estimated", "final", "final"),
            current=MAR_2027_30D,
            prev=FEB_2027,
            yoy=MAR_2026,
            order=(RESEARCH, PLATFORM, UNCATEGORIZED),  # 102 > 90 > 18
            like_for_like=("2027-02-01", "2027-03-01"),
            partial=FEB_2027,
            forecast=(217.0, 168.0, 29.2),
        ),
        id="31-march-after-28-day-february",
    ),
    pytest.param(
        # 30 March 2028: 29 days so far; [02-01, 03-01) is exactly the 29-day February.
        # Forecast: history [02-29, 03-30) = 7 + 29 x 8 = 239; rest 2 days: 478/30 =
        # 15.9333333333; + 232 = 247.9333333333 -> 247.93; / 203 - 1 = 22.13 % -> 22.1.
        Expected(
            today=date(2028, 3, 30),
            period="2028-03",
            periods=("2028-03", "2028-02", "2027-03"),
            status=("estimated", "final", "final"),
            current=MAR_2028_29D,
            prev=FEB_2028,
            yoy=MAR_2027,
            order=(RESEARCH, PLATFORM_NO_LEGACY, UNCATEGORIZED),  # 127.60 > 87 > 17.40
            like_for_like=("2028-02-01", "2028-03-01"),
            partial=FEB_2028,
            forecast=(247.93, 203.0, 22.1),
        ),
        id="30-march-after-29-day-february",
    ),
    pytest.param(
        # 31 March 2028: 30 days so far; [02-01, 03-02) cut at 1 March -> whole February.
        # Forecast: history [03-01, 03-31) = 30 x 8, mean 8; rest 1 day: 8; + 240 = 248.00;
        # 248 / 203 - 1 = 22.17 % -> 22.2.
        Expected(
            today=date(2028, 3, 31),
            period="2028-03",
            periods=("2028-03", "2028-02", "2027-03"),
            status=("estimated", "final", "final"),
            current=MAR_2028_30D,
            prev=FEB_2028,
            yoy=MAR_2027,
            order=(RESEARCH, PLATFORM_NO_LEGACY, UNCATEGORIZED),  # 132 > 90 > 18
            like_for_like=("2028-02-01", "2028-03-01"),
            partial=FEB_2028,
            forecast=(248.0, 203.0, 22.2),
        ),
        id="31-march-after-29-day-february",
    ),
    pytest.param(
        # 15 January 2027: the previous month is December 2026, the like-for-like window
        # [2026-12-01, 2026-12-15), and yoy January 2026. `legacy` stopped at the end of 2026:
        # 0 this month, but listed with its December and January 2026 cost.
        # Forecast: history [2026-12-16, 2027-01-15) = 16 x 15.5 + 14 x 5 = 248 + 70 = 318;
        # mean 10.6; rest [01-15, 02-01) = 17 days: 180.2; + 70 = 250.20;
        # 250.2 / 480.5 - 1 = -47.93 % -> -47.9.
        Expected(
            today=date(2027, 1, 15),
            period="2027-01",
            periods=("2027-01", "2026-12", "2026-01"),
            status=("estimated", "final", "final"),
            current=JAN_2027_14D,
            prev=DEC_2026,
            yoy=JAN_2026,
            order=(RESEARCH, PLATFORM, UNCATEGORIZED),  # 47.60 > 14 > 8.40
            like_for_like=("2026-12-01", "2026-12-15"),
            partial=DEC_2026_14D,
            forecast=(250.2, 480.5, -47.9),
        ),
        id="january-year-wrap",
    ),
]


@pytest.mark.parametrize("expected", MTD_SCENARIOS)
def test_month_to_date_summary_field_by_field(s3: Any, expected: Expected) -> None:
    run = run_daily(s3, expected.today)

    assert run.status == 200
    last_complete = expected.periods[1]
    assert run.body["succeeded"] == [expected.period, last_complete]
    assert run.body["skipped"] == []
    assert run.body["failed"] == []
    assert run.body["index"] == [expected.period, last_complete]
    assert read_json(s3, "index.json") == {
        "periods": [expected.period, last_complete],
        "updated_at": iso_morning(expected.today),
    }
    assert stored_keys(s3) == [
        f"{period}/{name}"
        for period in sorted((expected.period, last_complete))
        for name in ("cost-by-usage-type.parquet", "cost-by-workload.parquet", "summary.json")
    ] + ["index.json"]
    assert_summary(s3, run, expected)
    # The forecast asked for the rest of the month, in the forecast spelling of COST_METRIC.
    forecasts = [params for name, params in run.explorer.requests if name == "GetCostForecast"]
    year, month = expected.today.year, expected.today.month
    next_month = date(year + month // 12, month % 12 + 1, 1).isoformat()
    assert forecasts == [
        {
            "TimePeriod": {"Start": expected.today.isoformat(), "End": next_month},
            "Metric": "UNBLENDED_COST",
            "Granularity": "MONTHLY",
        }
    ]


# --- The last complete month ------------------------------------------------------------------

COMPLETE_SCENARIOS = [
    pytest.param(
        # Day 1 of April 2027: only March 2027 is written, against February 2027 and March
        # 2026. March is still estimated (until 4 April), February and March 2026 are final.
        Expected(
            today=date(2027, 4, 1),
            period="2027-03",
            periods=("2027-03", "2027-02", "2026-03"),
            status=("estimated", "final", "final"),
            current=MAR_2027,
            prev=FEB_2027,
            yoy=MAR_2026,
            order=(RESEARCH, PLATFORM, UNCATEGORIZED),  # 105.40 > 93 > 18.60
        ),
        id="day-1",
    ),
    pytest.param(
        # On 15 January 2027 the last complete month is December 2026: previous month
        # November 2026, yoy December 2025 (year wrap); all final by now.
        Expected(
            today=date(2027, 1, 15),
            period="2026-12",
            periods=("2026-12", "2026-11", "2025-12"),
            status=("final", "final", "final"),
            current=DEC_2026,
            prev=NOV_2026,
            yoy=DEC_2025,
            order=(PLATFORM, RESEARCH, UNCATEGORIZED),  # 387.50 > 74.40 > 18.60
        ),
        id="december-written-in-january",
    ),
    pytest.param(
        # On 31 March 2028 the last complete month is the 29-day February 2028.
        Expected(
            today=date(2028, 3, 31),
            period="2028-02",
            periods=("2028-02", "2028-01", "2027-02"),
            status=("final", "final", "final"),
            current=FEB_2028,
            prev=JAN_2028,
            yoy=FEB_2027,
            order=(RESEARCH, PLATFORM_NO_LEGACY, UNCATEGORIZED),  # 127.60 > 58 > 17.40
        ),
        id="leap-february-written-in-march",
    ),
]


@pytest.mark.parametrize("expected", COMPLETE_SCENARIOS)
def test_last_complete_month_summary_field_by_field(s3: Any, expected: Expected) -> None:
    run = run_daily(s3, expected.today)

    assert run.status == 200
    assert expected.period in run.body["succeeded"]
    assert_summary(s3, run, expected)


def test_day_1_writes_only_the_last_complete_month(s3: Any) -> None:
    run = run_daily(s3, date(2027, 4, 1))

    assert run.status == 200
    assert run.body["succeeded"] == ["2027-03"]
    assert run.body["skipped"] == []
    assert run.body["index"] == ["2027-03"]
    assert stored_keys(s3) == [
        "2027-03/cost-by-usage-type.parquet",
        "2027-03/cost-by-workload.parquet",
        "2027-03/summary.json",
        "index.json",
    ]
    # No month-to-date period, so no forecast and no request reaching into April.
    assert run.explorer.request_count("GetCostForecast") == 0
    assert all(end <= "2027-04-01" for _, end in cost_and_usage_periods(run.explorer))


# --- Forecast: present, failing, absent ---------------------------------------------------------

FORECAST_FIELDS = ("forecast_total_usd", "prev_complete_total_usd", "forecast_month_end_delta_pct")
# On 31 March 2027 (see the scenario above): totals without and with the forecast.
MARCH_31_TOTALS = {
    "current_cost_usd": 210.0,
    "prev_month_cost_usd": 168.0,
    "yoy_cost_usd": 201.5,
    "mtd_prior_partial_cost_usd": 168.0,
}
MARCH_31_FORECAST = {
    "forecast_total_usd": 217.0,  # 210 so far + 1 day x mean 7
    "prev_complete_total_usd": 168.0,
    "forecast_month_end_delta_pct": 29.2,  # 217 / 168 - 1 = 29.17 %
}


@pytest.mark.parametrize(
    ("code", "times"),
    [
        ("DataUnavailableException", 1),
        ("LimitExceededException", 3),  # throttled on all 3 attempts botocore makes
    ],
)
def test_a_failing_forecast_leaves_its_fields_out_and_the_run_goes_on(
    s3: Any, sleeps: list[float], code: str, times: int
) -> None:
    today = date(2027, 3, 31)
    explorer = LocalCostExplorer(ledger(today), today)
    explorer.fail_next("GetCostForecast", code, times=times)

    run = run_daily(s3, today, explorer=explorer)

    assert run.status == 200
    assert run.body["succeeded"] == ["2027-03", "2027-02"]
    assert run.explorer.request_count("GetCostForecast") == times
    summary = read_json(s3, "2027-03/summary.json")
    assert summary["totals"] == MARCH_31_TOTALS
    # Everything else is as with a forecast.
    assert summary["mtd_comparison"]["prior_partial_end_exclusive"] == "2027-03-01"
    assert summary["storage_metrics"]["mtd_prior_partial_storage_cost_usd"] == 11.2


def test_throttling_that_clears_within_the_retries_still_gives_the_forecast(
    s3: Any, sleeps: list[float]
) -> None:
    today = date(2027, 3, 31)
    explorer = LocalCostExplorer(ledger(today), today)
    explorer.fail_next("GetCostForecast", "LimitExceededException", times=2)

    run = run_daily(s3, today, explorer=explorer)

    assert run.status == 200
    assert len(sleeps) == 2  # botocore backed off twice
    assert run.explorer.request_count("GetCostForecast") == 3
    assert read_json(s3, "2027-03/summary.json")["totals"] == {
        **MARCH_31_TOTALS,
        **MARCH_31_FORECAST,
    }


def test_too_little_history_means_no_forecast(s3: Any) -> None:
    # The account's first cost is on 2027-03-26: on 31 March Cost Explorer has 5 days of
    # history (fewer than the 7 it needs) and answers DataUnavailable.
    today = date(2027, 3, 31)
    run = run_daily(s3, today, first=date(2027, 3, 26))

    assert run.status == 200
    assert run.explorer.request_count("GetCostForecast") == 1
    # February has no cost at all: not written (nothing to show), March is.
    assert run.body["succeeded"] == ["2027-03"]
    assert run.body["skipped"] == [
        {"period": "2027-02", "reason": "Cost Explorer returned no cost for this month"}
    ]
    summary = read_json(s3, "2027-03/summary.json")
    # 5 days x 7 so far; nothing before.
    assert summary["totals"] == {
        "current_cost_usd": 35.0,
        "prev_month_cost_usd": 0.0,
        "yoy_cost_usd": 0.0,
        "mtd_prior_partial_cost_usd": 0.0,
    }
    assert not set(FORECAST_FIELDS) & set(summary["totals"])


def test_a_forecast_without_a_previous_month_has_no_delta(s3: Any) -> None:
    # First cost on 2027-03-20: on 31 March there are 11 days of history (mean 7), so there
    # is a forecast: 11 x 7 = 77 so far + 1 day x 7 = 84. February cost nothing, so there is
    # no percentage change to show.
    run = run_daily(s3, date(2027, 3, 31), first=date(2027, 3, 20))

    assert run.status == 200
    assert read_json(s3, "2027-03/summary.json")["totals"] == {
        "current_cost_usd": 77.0,
        "prev_month_cost_usd": 0.0,
        "yoy_cost_usd": 0.0,
        "mtd_prior_partial_cost_usd": 0.0,
        "forecast_total_usd": 84.0,
        "prev_complete_total_usd": 0.0,
    }


def test_the_forecast_metric_follows_cost_metric(s3: Any) -> None:
    run = run_daily(s3, date(2027, 3, 31), env={**ENV, "COST_METRIC": "AmortizedCost"})

    assert run.status == 200
    forecasts = [params for name, params in run.explorer.requests if name == "GetCostForecast"]
    assert [params["Metric"] for params in forecasts] == ["AMORTIZED_COST"]
    assert [
        params["Metrics"][0] for name, params in run.explorer.requests if name == "GetCostAndUsage"
    ] == ["AmortizedCost"] * run.explorer.request_count("GetCostAndUsage")


# --- Finality -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after_month_end", "march_status"),
    [
        # On 2 April: March closes on 1 April + d days, February on 1 March + d days.
        (0, ("final", "final", "final")),  # both closed on their 1st
        (3, ("estimated", "final", "final")),  # March until 4 April
        (40, ("estimated", "estimated", "final")),  # March until 11 May, Feb until 10 April
    ],
)
def test_period_status_is_what_cost_explorer_says(
    s3: Any, days_after_month_end: int, march_status: tuple[str, str, str]
) -> None:
    run = run_daily(s3, date(2027, 4, 2), estimated_days_after_month_end=days_after_month_end)

    assert run.status == 200
    keys = ("current", "prev_month", "yoy")
    assert read_json(s3, "2027-03/summary.json")["period_status"] == dict(
        zip(keys, march_status, strict=True)
    )
    # The month in progress is always estimated; its prev_month is March.
    april = read_json(s3, "2027-04/summary.json")["period_status"]
    assert april == {"current": "estimated", "prev_month": march_status[0], "yoy": "final"}


def test_a_complete_month_is_rewritten_until_final_then_left_alone(s3: Any) -> None:
    # Small pages (at most 5 groups, a month has 5-6 per grouping), as a bigger account would
    # have, so that fetching one month more costs pages.
    page_size = 5
    march = "2027-03/summary.json"
    march_keys = [
        "2027-03/cost-by-usage-type.parquet",
        "2027-03/cost-by-workload.parquet",
        march,
    ]

    # 2 and 3 April: March is estimated (until 4 April), so each run rewrites it.
    for day in (2, 3):
        run = run_daily(s3, date(2027, 4, day), page_size=page_size)
        assert run.status == 200
        assert run.body["succeeded"] == ["2027-04", "2027-03"]
        summary = read_json(s3, march)
        assert summary["collected_at"] == iso_morning(date(2027, 4, day))
        assert summary["period_status"]["current"] == "estimated"

    # 4 April: Cost Explorer calls March final; the published one still says estimated, so it
    # is written once more, now final (and its totals unchanged: 217 = 31 x 7).
    rewriting = run_daily(s3, date(2027, 4, 4), page_size=page_size)
    assert rewriting.body["succeeded"] == ["2027-04", "2027-03"]
    final_bytes = s3.get_object(Bucket=BUCKET, Key=march)["Body"].read()
    final = json.loads(final_bytes)
    assert final["collected_at"] == iso_morning(date(2027, 4, 4))
    assert final["period_status"] == {"current": "final", "prev_month": "final", "yoy": "final"}
    assert final["totals"]["current_cost_usd"] == 217.0
    assert [versions(s3, key) for key in march_keys] == [3, 3, 3]

    # 5 April: every period of March is final: left alone.
    skipping = run_daily(s3, date(2027, 4, 5), page_size=page_size)
    assert skipping.status == 200
    assert skipping.body["succeeded"] == ["2027-04"]
    assert skipping.body["skipped"] == [
        {"period": "2027-03", "reason": "already published with final data"}
    ]
    assert skipping.body["index"] == ["2027-04", "2027-03"]
    assert s3.get_object(Bucket=BUCKET, Key=march)["Body"].read() == final_bytes
    assert [versions(s3, key) for key in march_keys] == [3, 3, 3]  # no PUT at all
    assert read_json(s3, "2027-04/summary.json")["collected_at"] == iso_morning(date(2027, 4, 5))
    # Neither of the months only March's summary compares with is fetched any more ...
    fetched = cost_and_usage_periods(skipping.explorer)
    assert not [p for p in fetched if p[0] <= "2027-02-01" < p[1]]  # February 2027
    assert not [p for p in fetched if p[0] <= "2026-03-01" < p[1]]  # March 2026
    # ... so the run pays for fewer pages than the day before.
    assert skipping.body["ce_requests"] < rewriting.body["ce_requests"]


def test_a_late_run_replaces_the_month_to_date_summary_with_the_complete_month(s3: Any) -> None:
    # 31 March writes March month-to-date; the runs of 1-4 April do not happen (say the
    # function was broken). On 5 April March is final in Cost Explorer, but what is published
    # is still the month-to-date summary of 30 days, so it must be replaced.
    run_daily(s3, date(2027, 3, 31))
    assert read_json(s3, "2027-03/summary.json")["is_mtd"] is True

    late = run_daily(s3, date(2027, 4, 5))

    assert late.body["succeeded"] == ["2027-04", "2027-03"]
    assert late.body["skipped"] == []
    march = read_json(s3, "2027-03/summary.json")
    assert march["is_mtd"] is False
    assert march["period_status"] == {"current": "final", "prev_month": "final", "yoy": "final"}
    # The whole of March (31 x 7), no month-to-date fields left over.
    assert march["totals"] == {
        "current_cost_usd": 217.0,
        "prev_month_cost_usd": 168.0,
        "yoy_cost_usd": 201.5,
    }
    assert "mtd_comparison" not in march
    assert "mtd_prior_partial_storage_cost_usd" not in march["storage_metrics"]


# --- Complete days: MTD_SETTLE_DAYS --------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "settle", "through", "current", "lfl_end", "partial", "forecast", "delta"),
    [
        # April 2027 costs 8.00 a day, March 7.00. GetCostForecast is asked for [today, 05-01);
        # the local Cost Explorer projects it at the mean of the 30 days before today.
        # 3 April, 1 settle day: [04-01, 04-02) = 8.00 against [03-01, 03-02) = 7.00.
        # Forecast: history [03-04, 04-03) = 28 x 7 + 2 x 8 = 212, x 28 / 30 = 197.8667;
        # + settling 2 April at the complete days' mean (8.00) + 8.00 actual = 213.8667
        # -> 213.87; / 217 - 1 = -1.44 % -> -1.4.
        (date(2027, 4, 3), "1", "2027-04-01", 8.0, "2027-03-02", 7.0, 213.87, -1.4),
        # Without settle days the same forecast: 16.00 actual + 197.8667.
        (date(2027, 4, 3), "0", "2027-04-02", 16.0, "2027-03-03", 14.0, 213.87, -1.4),
        # 15 April, 1 settle day: 13 days = 104.00 against [03-01, 03-14) = 91.00.
        # Forecast: history [03-16, 04-15) = 16 x 7 + 14 x 8 = 224, x 16 / 30 = 119.4667;
        # + 8.00 settling + 104.00 = 231.4667 -> 231.47; / 217 - 1 = 6.67 % -> 6.7.
        (date(2027, 4, 15), "1", "2027-04-13", 104.0, "2027-03-14", 91.0, 231.47, 6.7),
        (date(2027, 4, 15), "0", "2027-04-14", 112.0, "2027-03-15", 98.0, 231.47, 6.7),
    ],
)
def test_the_month_to_date_covers_complete_days_only(
    s3: Any,
    today: date,
    settle: str,
    through: str,
    current: float,
    lfl_end: str,
    partial: float,
    forecast: float,
    delta: float,
) -> None:
    run = run_daily(s3, today, env={**ENV, "MTD_SETTLE_DAYS": settle})

    assert run.body["succeeded"] == ["2027-04", "2027-03"]
    summary = read_json(s3, "2027-04/summary.json")
    assert summary["data_through"] == through
    assert summary["totals"]["current_cost_usd"] == current
    assert summary["totals"]["mtd_prior_partial_cost_usd"] == partial
    assert summary["mtd_comparison"]["prior_partial_start"] == "2027-03-01"
    assert summary["mtd_comparison"]["prior_partial_end_exclusive"] == lfl_end
    assert summary["totals"]["forecast_total_usd"] == forecast
    assert summary["totals"]["forecast_month_end_delta_pct"] == delta
    assert [p["TimePeriod"] for n, p in run.explorer.requests if n == "GetCostForecast"] == [
        {"Start": today.isoformat(), "End": "2027-05-01"}
    ]


def test_a_day_whose_month_to_date_would_be_empty_behaves_like_the_first(s3: Any) -> None:
    # 2 April with 1 settle day: 1 April is still loading, so only March is written.
    run = run_daily(s3, date(2027, 4, 2), env={**ENV, "MTD_SETTLE_DAYS": "1"})

    assert run.body["succeeded"] == ["2027-03"]
    assert stored_keys(s3) == [
        "2027-03/cost-by-usage-type.parquet",
        "2027-03/cost-by-workload.parquet",
        "2027-03/summary.json",
        "index.json",
    ]
    assert "GetCostForecast" not in {name for name, _ in run.explorer.requests}
