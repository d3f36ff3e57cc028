"""The simulated organization behind `dapanoskop demo`: daily Cost Explorer line items.

What a demo user sees (with the default 14 months, run in late 2026: the bill grows from about
$125k in the oldest month to about $190k in the current one):

* Twelve linked accounts and five cost centers, values of the cost category "Cost Center":
  Research, Platform, Retail, Data and Shared Services. The sandbox account is not covered by
  the category, so its cost (the `hackathon` workload, untagged experiments, its tax, a runaway
  GPU instance and its refund) shows as Uncategorized. The category's definition has one
  split-charge rule: Shared Services is split onto the other four in proportion to their own
  cost (`demo_cost_category_definitions`), so the report shows it as "Allocated".
* Twenty workloads, values of the `App` tag. `recommendations` moves from Research to Data on
  the 1st of the last complete month; `etl-jobs` is split every month between Data (Fargate in
  the data-lake account) and Retail (Lambda in the retail account).
* Spend grows about 3 % a month; the Retail workloads' usage (not their storage) peaks in
  November (x1.35) and December (x1.7) and is still up in January (x1.1).
* Untagged spend falls from about a fifth of the bill in the oldest month to about 5 % as a
  tagging campaign progresses: part of each workload's usage comes without the `App` tag, a part
  that shrinks to a tenth over 13 months. Organization plumbing (the management account's trail
  bucket, CloudTrail, Config, VPC endpoints), fees, tax, credits and the refund are never tagged.
* Storage: S3 in every common class (Standard, Intelligent-Tiering FA/IA/AIA/AA/DAA,
  Standard-IA, One Zone-IA, Glacier Instant Retrieval, Glacier Flexible Retrieval, Deep Archive)
  with early-delete fees (unit GB-Mo), requests and transfer; colder classes grow faster, so data
  drifts colder. EFS Standard (usage type `TimedStorage-ByteHrs`, like S3 Standard and CloudWatch
  Logs storage), Infrequent Access and Archive. EBS gp3, gp2 (being migrated away), io1 with
  provisioned IOPS, gp3 throughput and IOPS, snapshots. RDS storage is GB-Mo too but is not a
  storage service of the report.
* Compute: EC2 on-demand and Spot, Lambda (x86 and ARM), Fargate, RDS; NAT gateways, transit
  gateway, CloudWatch, data transfer out, regional and between regions (`USE1-USE2-AWS-Out-Bytes`,
  and a free `USE2-USE1-AWS-In-Bytes` with quantity but no cost). Regions us-east-1 (no usage
  type prefix), us-east-2 (`USE2-`), eu-west-1 (`EU-`) and eu-central-1 (`EUC1-`).
* Reserved instances: eight m6i.2xlarge bought all-upfront for a year seven months before the
  current month. UnblendedCost shows the fee on the purchase day (record type `Fee`, usage type
  `HeavyUsage:m6i.2xlarge`: a one-time fee, so category Support) and the covered hours
  (`DiscountedUsage`) at zero; AmortizedCost has no fee and the covered hours at the effective
  rate. So the metrics differ in the purchase month (Unblended higher) and in Platform every
  month after (lower).
* Tax: record type, service and usage type all "Tax", region "global", one line per account on
  the 1st of each month: 2 % of that account's other charges of the month (for the current month:
  so far), rounded to cents, no tags, the cost center of the account. Credits: from nine months
  before the current month, 10 % of the research HPC account's EC2 compute is credited daily
  (record type and usage type "Credit", negative, Research). Refund: a p4d.24xlarge ran nine
  days in the sandbox five months before the current month and was refunded on the 15th of the
  next month (record type and usage type "Refund", negative, exactly the cost).
* Savings Plans: a Compute Savings Plan of $4.50 an hour in the platform account from four
  months before the current month, billed daily as `SavingsPlanRecurringFee`
  (`ComputeSP:1yrNoUpfront`, category Compute, untagged). Business support: one line on the 1st
  in the management account (service `AWS Support (Business)`, usage type `Dollar`), tiered
  10/7/5/3 % of the organization's month, category Support whatever its usage type. ElastiCache
  nodes (`NodeUsage:cache.r6g.large`) and RDS instances (`Multi-AZUsage:db.*`) are Compute;
  RDS storage (`RDS:Multi-AZ-GP3-Storage`) is Storage, though not a storage service of the
  storage metrics.
* Storage quantities are GB-Mo per day: GB held / days in the month, so a month sums to the
  average GB held. Every amount is quantity x price exactly; `amounts` carries all five cost
  metrics (Net = gross, Blended = Unblended: no discounts, one payer).

Everything is anchored to today's month, so the latest months are identical whatever `months`
asks for, and deterministic: each day draws from its own `random.Random` seeded with the seed
and the date. Items come month by month (the month's tax first), days in order.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from dapanoskop.localce import demo_catalog as catalog
from dapanoskop.localce.cost_category_definitions import (
    CostCategoryDefinition,
    CostCategoryVersion,
)
from dapanoskop.localce.ledger import LineItem
from dapanoskop.periods import add_months

DEMO_COST_CATEGORY = "Cost Center"
DEMO_TAG_KEY = "App"

COST_CENTERS = catalog.COST_CENTERS
WORKLOAD_NAMES = tuple(w.name for w in catalog.WORKLOADS if w.name is not None)
MOVING_WORKLOAD = catalog.MOVING_WORKLOAD
SPLIT_WORKLOAD = catalog.SPLIT_WORKLOAD

_DAYS_PER_MONTH = 365.25 / 12
_SEASON = {11: 1.35, 12: 1.7, 1: 1.1}  # retail peak
_WEEKEND = 0.35  # share of weekday activity that WEEKDAY lines keep on weekends
_NOISE = {  # half-width of the uniform day-to-day noise around the trend
    catalog.Shape.STORED: 0.002,
    catalog.Shape.STEADY: 0.03,
    catalog.Shape.BURSTY: 0.15,
    catalog.Shape.WEEKDAY: 0.10,
}
_CAMPAIGN_MONTHS = 13  # untagged spend falls over this many months to the present
_CAMPAIGN_FLOOR = 0.10  # share of a workload's untagged spend left at the end
_NOTHING: Mapping[str, str] = MappingProxyType({})
_CENT = Decimal("0.01")
_USAGE = "Usage"
# (account, line, reservation) of every line with reserved instances.
_RESERVATIONS = tuple(
    (line.account or workload.account, line, line.reservation)
    for workload in catalog.WORKLOADS
    for line in workload.lines
    if line.reservation is not None
)


def move_month(today: date) -> date:
    """The first day on which `recommendations` belongs to Data instead of Research."""
    return add_months(today.replace(day=1), -catalog.MOVE_MONTHS_BEFORE_CURRENT)


def untagged_campaign(months_before_current: int) -> float:
    """The share of a workload's original untagged spend that is still untagged."""
    progress = min(months_before_current, _CAMPAIGN_MONTHS) / _CAMPAIGN_MONTHS
    return _CAMPAIGN_FLOOR + (1 - _CAMPAIGN_FLOOR) * progress


def demo_line_items(today: date, *, months: int = 14, seed: int = 7) -> list[LineItem]:
    """Daily line items from the 1st of the month `months` before today's until yesterday.

    Today has no items: Cost Explorer has no data for the running day. Items come month by
    month, each month's tax first (it is posted on the 1st), then day by day.
    """
    if months < 0:
        raise ValueError(f"months must be 0 or more, not {months}")
    current = today.replace(day=1)
    sources = [
        _Source.of(workload, line) for workload in catalog.WORKLOADS for line in workload.lines
    ]
    items: list[LineItem] = []
    month = add_months(current, -months)
    while month < today:
        end = min(add_months(month, 1), today)
        items.extend(_month_items(month, end, current, sources, seed))
        month = add_months(month, 1)
    return items


@dataclass(frozen=True)
class _Source:
    """A catalog line with everything resolved that does not depend on the day."""

    line: catalog.Line
    account: str
    log_growth: float
    untagged: float  # -1: never tagged
    seasonal: bool
    tags: Mapping[str, str]
    cost_categories: Mapping[str, str]
    moved_cost_categories: Mapping[str, str] | None  # from the move month on

    @classmethod
    def of(cls, workload: catalog.Workload, line: catalog.Line) -> _Source:
        growth = workload.growth if line.growth is None else line.growth
        cost_center = line.cost_center or workload.cost_center
        moved = None
        if workload.name == catalog.MOVING_WORKLOAD:
            moved = _cost_categories(catalog.MOVED_TO)
        return cls(
            line=line,
            account=line.account or workload.account,
            log_growth=math.log1p(growth),
            untagged=-1.0 if workload.name is None else workload.untagged,
            seasonal=workload.seasonal and line.shape is not catalog.Shape.STORED,
            tags=_NOTHING
            if workload.name is None
            else MappingProxyType({DEMO_TAG_KEY: workload.name}),
            cost_categories=_cost_categories(cost_center),
            moved_cost_categories=moved,
        )


def _cost_categories(cost_center: str | None) -> Mapping[str, str]:
    if cost_center is None:
        return _NOTHING
    return MappingProxyType({DEMO_COST_CATEGORY: cost_center})


@dataclass(frozen=True)
class _Day:
    """What every line of one day shares."""

    day: date
    trend_months: float  # months since the start of the current month (negative before)
    months_before_current: int
    days_in_month: int
    season: float
    weekend: bool
    moved: bool
    untagged_left: float


def _month_items(
    month: date, end: date, current: date, sources: list[_Source], seed: int
) -> list[LineItem]:
    """The month's tax and support (on the 1st) followed by its daily items; tax is charged on
    support too."""
    months_before = (current.year - month.year) * 12 + current.month - month.month
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    moved_from = add_months(current, -catalog.MOVE_MONTHS_BEFORE_CURRENT)
    daily: list[LineItem] = []
    day = month
    while day < end:
        context = _Day(
            day=day,
            trend_months=(day - current).days / _DAYS_PER_MONTH,
            months_before_current=months_before,
            days_in_month=days_in_month,
            season=_SEASON.get(day.month, 1.0),
            weekend=day.weekday() >= 5,
            moved=day >= moved_from,
            untagged_left=untagged_campaign(months_before),
        )
        rng = random.Random(f"{seed}:{day.isoformat()}")
        day_items = [item for source in sources for item in _line_items(source, context, rng)]
        day_items.extend(_event_items(context))
        day_items.extend(_credit_items(context, day_items))
        day_items.extend(_savings_plan_items(context))
        daily.extend(day_items)
        day += timedelta(days=1)
    support = _support_items(month, daily)
    return _tax_items(month, support + daily) + support + daily


def _line_items(source: _Source, day: _Day, rng: random.Random) -> Iterator[LineItem]:
    """One line's items of the day: on-demand and reserved pieces, tagged and untagged parts."""
    line = source.line
    noise = 1 + _NOISE[line.shape] * (2 * rng.random() - 1)
    size = line.size * math.exp(source.log_growth * day.trend_months) * noise
    if line.shape is catalog.Shape.WEEKDAY and day.weekend:
        size *= _WEEKEND
    if source.seasonal:
        size *= day.season
    quantity = size / day.days_in_month if line.shape is catalog.Shape.STORED else size
    price = line.price
    if line.spot:
        price = (price * Decimal(f"{0.85 + 0.3 * rng.random():.4f}")).quantize(Decimal("0.0001"))
    cost_categories = source.cost_categories
    if day.moved and source.moved_cost_categories is not None:
        cost_categories = source.moved_cost_categories
    for record_type, piece, unit_cost, amortized_unit_cost in _pieces(line, day, quantity, price):
        for tags, share in _tag_shares(source, day):
            quantity_sent = _decimal(piece * share, whole=line.unit in catalog.COUNTED_UNITS)
            if not quantity_sent:
                continue
            unblended = quantity_sent * unit_cost
            yield LineItem(
                day=day.day,
                account=source.account,
                service=line.service,
                usage_type=line.usage_type,
                unit=line.unit,
                amount=unblended,
                quantity=quantity_sent,
                record_type=record_type,
                region=line.region,
                tags=tags,
                cost_categories=cost_categories,
                amounts=_amounts(unblended, quantity_sent * amortized_unit_cost),
            )


def _pieces(
    line: catalog.Line, day: _Day, quantity: float, price: Decimal
) -> list[tuple[str, float, Decimal, Decimal]]:
    """(record type, quantity, unblended and amortized price per unit) of a line's day.

    Hours covered by active reserved instances are `DiscountedUsage`: free in UnblendedCost,
    at the reservation's effective rate in AmortizedCost.
    """
    reservation = line.reservation
    if reservation is None or not _reservation_active(reservation, day):
        return [(_USAGE, quantity, price, price)]
    covered = min(quantity, reservation.instances * 24.0)
    pieces = [("DiscountedUsage", covered, Decimal(0), reservation.effective_hourly)]
    if quantity > covered:
        pieces.append((_USAGE, quantity - covered, price, price))
    return pieces


def _reservation_active(reservation: catalog.Reservation, day: _Day) -> bool:
    start = reservation.months_before_current
    return start - reservation.term_months < day.months_before_current <= start


def _tag_shares(source: _Source, day: _Day) -> list[tuple[Mapping[str, str], float]]:
    if source.untagged < 0:
        return [(_NOTHING, 1.0)]
    untagged = source.untagged * day.untagged_left
    if untagged <= 0:
        return [(source.tags, 1.0)]
    return [(source.tags, 1 - untagged), (_NOTHING, untagged)]


def _event_items(day: _Day) -> list[LineItem]:
    """The reserved-instance purchase, the runaway instance and its refund."""
    items = [
        _charge(
            day.day,
            account,
            line.service,
            "Fee",
            reservation.fee,
            usage_type=reservation.fee_usage_type,
            amortized=Decimal(0),
            region=line.region,
        )
        for account, line, reservation in _RESERVATIONS
        if day.day.day == 1 and day.months_before_current == reservation.months_before_current
    ]
    incident = catalog.RUNAWAY
    if day.months_before_current == incident.months_before_current and (
        incident.first_day <= day.day.day < incident.first_day + incident.days
    ):
        hours = Decimal(incident.instances * 24)
        cost = hours * incident.price
        items.append(
            LineItem(
                day=day.day,
                account=incident.account,
                service=catalog.EC2,
                usage_type=incident.usage_type,
                unit="Hrs",
                amount=cost,
                quantity=hours,
                cost_categories=_account_cost_categories(incident.account),
                amounts=_amounts(cost, cost),
            )
        )
    if (
        day.months_before_current == incident.months_before_current - 1
        and day.day.day == incident.refund_day
    ):
        items.append(_charge(day.day, incident.account, catalog.EC2, "Refund", -incident.cost))
    return items


def _credit_items(day: _Day, day_items: list[LineItem]) -> list[LineItem]:
    """Research credits: a share of the credited account's EC2 compute of the day."""
    if day.months_before_current > catalog.CREDIT_MONTHS_BEFORE_CURRENT:
        return []
    eligible = sum(
        (
            item.amount
            for item in day_items
            if item.account == catalog.CREDIT_ACCOUNT
            and item.service == catalog.EC2
            and item.record_type == _USAGE
        ),
        Decimal(0),
    )
    if not eligible:
        return []
    credit = -eligible * catalog.CREDIT_SHARE
    return [
        _charge(
            day.day,
            catalog.CREDIT_ACCOUNT,
            catalog.EC2,
            "Credit",
            credit,
            usage_type=catalog.CREDIT_USAGE_TYPE,
        )
    ]


def _savings_plan_items(day: _Day) -> list[LineItem]:
    """The Savings Plan's recurring fee of the day: 24 hours of commitment."""
    if day.months_before_current > catalog.SAVINGS_PLAN_MONTHS_BEFORE_CURRENT:
        return []
    return [
        _charge(
            day.day,
            catalog.SAVINGS_PLAN_ACCOUNT,
            catalog.SAVINGS_PLANS,
            "SavingsPlanRecurringFee",
            catalog.SAVINGS_PLAN_HOURLY * 24,
            usage_type=catalog.SAVINGS_PLAN_USAGE_TYPE,
        )
    ]


def _support_items(month: date, items: list[LineItem]) -> list[LineItem]:
    """Business support on the 1st: tiered percentages of the organization's month so far."""
    total = sum((item.amount for item in items), Decimal(0))
    fee, lower = Decimal(0), Decimal(0)
    for upper, rate in catalog.SUPPORT_TIERS:
        if total > lower:
            fee += (min(total, upper) - lower) * rate
        lower = upper
    if fee <= 0:
        return []
    return [
        _charge(
            month,
            catalog.SUPPORT_ACCOUNT,
            catalog.SUPPORT_BUSINESS,
            "Usage",
            fee.quantize(_CENT, ROUND_HALF_UP),
            usage_type=catalog.SUPPORT_USAGE_TYPE,
            region="global",
        )
    ]


def _tax_items(month: date, items: list[LineItem]) -> list[LineItem]:
    """One tax line per account on the 1st: `TAX_RATE` of the account's charges of the month."""
    charges: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        charges[item.account] += item.amount
    return [
        _charge(
            month,
            account,
            catalog.TAX_SERVICE,
            "Tax",
            (charges[account] * catalog.TAX_RATE).quantize(_CENT, ROUND_HALF_UP),
            region="global",
        )
        for account in sorted(charges)
        if charges[account] > 0
    ]


def _charge(
    day: date,
    account: str,
    service: str,
    record_type: str,
    amount: Decimal,
    *,
    usage_type: str | None = None,
    amortized: Decimal | None = None,
    region: str = "us-east-1",
) -> LineItem:
    """A line without usage quantity (fee, tax, credit, refund): never tagged, the account's
    cost center, usage type named after the record type unless given."""
    return LineItem(
        day=day,
        account=account,
        service=service,
        usage_type=usage_type or record_type,
        unit="N/A",
        amount=amount,
        record_type=record_type,
        region=region,
        tags=_NOTHING,
        cost_categories=_account_cost_categories(account),
        amounts=_amounts(amount, amount if amortized is None else amortized),
    )


def _account_cost_categories(account: str) -> Mapping[str, str]:
    """What the cost category's account rules give spend that has no workload rule."""
    return _cost_categories(catalog.ACCOUNT_COST_CENTER[account])


def _amounts(unblended: Decimal, amortized: Decimal) -> dict[str, Decimal]:
    """Every cost metric: no discounts (net = gross) and one payer (blended = unblended)."""
    return {
        "UnblendedCost": unblended,
        "BlendedCost": unblended,
        "NetUnblendedCost": unblended,
        "AmortizedCost": amortized,
        "NetAmortizedCost": amortized,
    }


def _decimal(value: float, *, whole: bool = False) -> Decimal:
    """A quantity as Cost Explorer would send it: a decimal string, here with 6 places."""
    return Decimal(f"{value:.0f}") if whole else Decimal(f"{value:.6f}")


# Shared Services (the organization's plumbing: management, network, log archive and backup
# accounts) is split onto the four business cost centers in proportion to their own cost,
# with one split-charge rule of the "Cost Center" definition; Uncategorized (the sandbox)
# is left alone. One version, effective long before any month the demo writes.
SHARED_SERVICES_SPLIT = MappingProxyType(
    {
        "Source": catalog.SHARED,
        "Targets": [catalog.RESEARCH, catalog.PLATFORM, catalog.RETAIL, catalog.DATA],
        "Method": "PROPORTIONAL",
    }
)


def demo_cost_category_definitions(today: date) -> tuple[CostCategoryDefinition, ...]:
    """The "Cost Center" definition as DescribeCostCategoryDefinition would show it."""
    version = CostCategoryVersion(
        start=add_months(today.replace(day=1), -60),
        split_charge_rules=(SHARED_SERVICES_SPLIT,),
        rules=tuple(
            {
                "Value": center,
                "Rule": {
                    "Dimensions": {
                        "Key": "LINKED_ACCOUNT",
                        "Values": sorted(
                            a for a, c in catalog.ACCOUNT_COST_CENTER.items() if c == center
                        ),
                    }
                },
            }
            for center in COST_CENTERS
        ),
        values=COST_CENTERS,
    )
    return (CostCategoryDefinition(DEMO_COST_CATEGORY, "demo-cost-center", (version,)),)
