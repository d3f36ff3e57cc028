"""Write the local Cost Explorer's line items as an AWS Data Exports CUR 2.0 export.

The proof that the export source equals the Cost Explorer source runs both on one ledger: the
local Cost Explorer answers from `LineItem`s, and this writer turns the same items into the
folder (or bucket prefix) a CUR 2.0 export delivers (AWS Data Exports user guide, "Understanding
export delivery", dataexports-export-delivery.html):

    <export>/data/BILLING_PERIOD=YYYY-MM/<export-name>-00001.snappy.parquet  (one or more)
    <export>/metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json

with daily line items (`identity_time_interval` one day), the CUR 2.0 column names and types
(`dapanoskop.dataexport.columns.SCHEMA`) and a manifest listing the columns, the billing period
and the data files (AWS: "a list of export files and their file paths. We recommend reading this
list programmatically to identify which files to ingest").

What the writer believes about CUR 2.0, and where it comes from:
* Finality: "Until the report is final, the InvoiceId is blank" (table dictionary, bill
  columns; "Viewing your finalized report"). A billing period gets an invoice id once the local
  Cost Explorer would call it final (`timeline.is_estimated`), so both sources agree.
* Cost metrics: every `LineItem` metric is written into the columns AWS computes it from
  (`dataexport.metrics`), and each row is checked against those formulas; a line item whose
  metrics no CUR line could carry (say an `Usage` line with amortized != unblended) is refused.
* Tags: a tag `App` is the `resource_tags` key `user_App` (or `user_app` with
  `lowercase_tags`: AWS normalises some keys, so readers must match case-insensitively).
* Services: `product['product_name']` is the name Cost Explorer's SERVICE dimension shows;
  `line_item_product_code` a product code (a small table, else the name without spaces).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.dataexport.columns import PRODUCT_NAME_KEY, SCHEMA, USER_TAG_PREFIX
from dapanoskop.dataexport.location import (
    MANIFEST_CONTENT_TYPE,
    PARQUET_CONTENT_TYPE,
    data_key,
    manifest_key,
)
from dapanoskop.dataexport.metrics import METRICS, RESERVATION_ARN, evaluate
from dapanoskop.localce.ledger import LineItem
from dapanoskop.localce.timeline import is_estimated
from dapanoskop.periods import add_months
from dapanoskop.store import ObjectStore

DEFAULT_ROWS_PER_FILE = 500_000
PAYER_ACCOUNT = "184726395011"
_PRODUCT_CODES = {
    "Amazon Simple Storage Service": "AmazonS3",
    "Amazon Elastic File System": "AmazonEFS",
    "Amazon Elastic Compute Cloud - Compute": "AmazonEC2",
    "EC2 - Other": "AmazonEC2",
    "AWS Lambda": "AWSLambda",
    "Amazon Elastic Container Service": "AmazonECS",
    "Amazon Relational Database Service": "AmazonRDS",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "Amazon Virtual Private Cloud": "AmazonVPC",
    "AWS CloudTrail": "AWSCloudTrail",
    "AWS Config": "AWSConfig",
}
# A float carries ~15 significant digits; anything closer than this is the same amount.
_TOLERANCE = Decimal("1e-9")


class UnrepresentableItemError(ValueError):
    """A line item whose cost metrics no CUR 2.0 line could carry."""


@dataclass(frozen=True)
class WrittenPeriod:
    period: str  # YYYY-MM
    rows: int
    files: tuple[str, ...]  # keys below the export root
    final: bool


def write_cur_export(
    items: Iterable[LineItem],
    store: ObjectStore,
    export_name: str,
    today: date,
    *,
    estimated_days_after_month_end: int = 3,
    account_names: Mapping[str, str] | None = None,
    lowercase_tags: bool = False,
    rows_per_file: int = DEFAULT_ROWS_PER_FILE,
    location_uri: str | None = None,
    first_period: date | None = None,
) -> list[WrittenPeriod]:
    """Write every billing period the items touch; returns what was written, oldest first.

    `first_period` (the month the export was created) adds the months from it to today's that
    have no line items, as billing periods with a manifest and no data files: an export
    delivers every period since it was created, cost or not.

    `store` is the export root (the folder holding data/ and metadata/). `location_uri`, when
    given (e.g. `s3://bucket/prefix/export-name`), makes the manifest list full URIs as AWS's
    does; without it the manifest lists keys relative to the root.
    """
    by_period: dict[date, list[LineItem]] = defaultdict(list)
    for item in items:
        by_period[item.day.replace(day=1)].append(item)
    if first_period is not None:
        month = first_period.replace(day=1)
        while month <= today:
            by_period.setdefault(month, [])
            month = add_months(month, 1)
    written = []
    for month in sorted(by_period):
        final = not is_estimated(month, today, estimated_days_after_month_end)
        written.append(
            _write_period(
                store,
                export_name,
                month,
                by_period.pop(month),
                final=final,
                account_names=account_names or {},
                lowercase_tags=lowercase_tags,
                rows_per_file=rows_per_file,
                location_uri=location_uri,
            )
        )
    return written


def _write_period(
    store: ObjectStore,
    export_name: str,
    month: date,
    items: list[LineItem],
    *,
    final: bool,
    account_names: Mapping[str, str],
    lowercase_tags: bool,
    rows_per_file: int,
    location_uri: str | None,
) -> WrittenPeriod:
    period = month.strftime("%Y-%m")
    files: list[str] = []
    for number, start in enumerate(range(0, len(items), rows_per_file), start=1):
        chunk = items[start : start + rows_per_file]
        rows = [
            cur_row(
                item,
                month,
                index=start + offset,
                final=final,
                account_names=account_names,
                lowercase_tags=lowercase_tags,
            )
            for offset, item in enumerate(chunk)
        ]
        table = pa.Table.from_pylist(rows, schema=SCHEMA)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="snappy")
        key = data_key(period, f"{export_name}-{number:05d}.snappy.parquet")
        store.put(key, buffer.getvalue(), PARQUET_CONTENT_TYPE)
        files.append(key)
    manifest = {
        "exportName": export_name,
        "billingPeriod": {
            "start": f"{month.isoformat()}T00:00:00Z",
            "end": f"{add_months(month, 1).isoformat()}T00:00:00Z",
        },
        "columns": [{"name": f.name, "type": str(f.type)} for f in SCHEMA],
        "dataFiles": [
            f"{location_uri.rstrip('/')}/{key}" if location_uri else key for key in files
        ],
    }
    body = json.dumps(manifest, indent=2).encode()
    store.put(manifest_key(period, export_name), body, MANIFEST_CONTENT_TYPE)
    return WrittenPeriod(period, len(items), tuple(files), final)


def cur_row(
    item: LineItem,
    month: date,
    *,
    index: int = 0,
    final: bool = False,
    account_names: Mapping[str, str] | None = None,
    lowercase_tags: bool = False,
) -> dict[str, object]:
    """One CUR 2.0 row for a line item; raises UnrepresentableItemError (see module doc)."""
    start = datetime.combine(item.day, time())
    end = start + timedelta(days=1)
    unblended = item.metric("UnblendedCost")
    row: dict[str, object] = {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_billing_period_start_date": datetime.combine(month, time()),
        "bill_billing_period_end_date": datetime.combine(add_months(month, 1), time()),
        "bill_invoice_id": f"INV-{month:%Y%m}-{PAYER_ACCOUNT[-4:]}" if final else "",
        "bill_invoicing_entity": "Amazon Web Services, Inc.",
        "bill_payer_account_id": PAYER_ACCOUNT,
        "bill_payer_account_name": (account_names or {}).get(PAYER_ACCOUNT, ""),
        "cost_category": dict(item.cost_categories),
        "identity_line_item_id": hashlib.sha256(f"{month}:{index}".encode()).hexdigest()[:52],
        "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "line_item_blended_cost": float(item.metric("BlendedCost")),
        "line_item_currency_code": "USD",
        "line_item_line_item_description": f"{item.record_type} {item.usage_type}",
        "line_item_line_item_type": item.record_type,
        "line_item_net_unblended_cost": float(item.metric("NetUnblendedCost")),
        "line_item_product_code": product_code(item.service),
        "line_item_unblended_cost": float(unblended),
        "line_item_usage_account_id": item.account,
        "line_item_usage_account_name": (account_names or {}).get(item.account, ""),
        "line_item_usage_amount": float(item.quantity),
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_usage_type": item.usage_type,
        "pricing_unit": item.unit,
        "product": {PRODUCT_NAME_KEY: item.service},
        "product_region_code": item.region,
        "product_servicecode": product_code(item.service),
        "resource_tags": {_tag_column(k, lowercase_tags): v for k, v in item.tags.items()},
    }
    _place_amortized(row, item)
    _check(row, item)
    return row


def product_code(service: str) -> str:
    return _PRODUCT_CODES.get(service, re.sub(r"[^A-Za-z0-9]", "", service))


def _tag_column(key: str, lowercase: bool) -> str:
    return USER_TAG_PREFIX + (key.lower() if lowercase else key)


def _place_amortized(row: dict[str, object], item: LineItem) -> None:
    """Put the item's AmortizedCost / NetAmortizedCost where AWS's formula reads them."""
    kind = item.record_type
    unblended = item.metric("UnblendedCost")
    amortized, net_amortized = item.metric("AmortizedCost"), item.metric("NetAmortizedCost")
    if kind == "DiscountedUsage":
        row["reservation_effective_cost"] = float(amortized)
        row["reservation_net_effective_cost"] = float(net_amortized)
    elif kind == "SavingsPlanCoveredUsage":
        row["savings_plan_savings_plan_effective_cost"] = float(amortized)
        row["savings_plan_net_savings_plan_effective_cost"] = float(net_amortized)
    elif kind == "RIFee":
        row["reservation_unused_amortized_upfront_fee_for_billing_period"] = 0.0
        row["reservation_unused_recurring_fee"] = float(amortized)
        row["reservation_net_unused_amortized_upfront_fee_for_billing_period"] = 0.0
        row["reservation_net_unused_recurring_fee"] = float(net_amortized)
    elif kind == "SavingsPlanRecurringFee":
        row["savings_plan_total_commitment_to_date"] = float(unblended)
        row["savings_plan_used_commitment"] = float(unblended - amortized)
    elif kind == "Fee" and amortized == 0 and unblended != 0:
        # A reservation bought up front: amortized through the reserved hours' effective cost.
        row[RESERVATION_ARN] = f"arn:aws:ec2:us-east-1:{item.account}:reserved-instances/demo"


def _check(row: Mapping[str, object], item: LineItem) -> None:
    for name, cost_metric in METRICS.items():
        expected = item.metric(name)
        got = evaluate(cost_metric, row)
        if abs(got - expected) > _TOLERANCE * max(Decimal(1), abs(expected)):
            raise UnrepresentableItemError(
                f"a {item.record_type} line item with {name}={expected} cannot be a CUR 2.0 "
                f"line (AWS's formula gives {got}); item: {item.usage_type} on {item.day}"
            )
