"""The CUR 2.0 columns this project reads or writes, with their types.

Names and types are AWS's "Data Exports table dictionary" for CUR 2.0
(https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html and its pages
bill, line item, pricing, product, reservation, savings plan): costs and amounts are `double`,
dates `timestamp`, ids, types, rates and units `string`; `resource_tags`, `cost_category` and
`product` are `map<string, string>`.

The reader selects only `READ` (plus the columns of the chosen metric, see `metrics.py`), so a
Parquet reader fetches only those column chunks of each file.
"""

from __future__ import annotations

import pyarrow as pa

STRING = pa.string()
DOUBLE = pa.float64()
# The table dictionary says `timestamp`, UTC; written without a time zone, as Glue/Athena read it.
TIMESTAMP = pa.timestamp("ms")
STRING_MAP = pa.map_(pa.string(), pa.string())

# Every column the local writer produces, in a stable order (a real export has ~125 more).
SCHEMA = pa.schema(
    [
        ("bill_bill_type", STRING),
        ("bill_billing_entity", STRING),
        ("bill_billing_period_end_date", TIMESTAMP),
        ("bill_billing_period_start_date", TIMESTAMP),
        ("bill_invoice_id", STRING),
        ("bill_invoicing_entity", STRING),
        ("bill_payer_account_id", STRING),
        ("bill_payer_account_name", STRING),
        ("cost_category", STRING_MAP),
        ("identity_line_item_id", STRING),
        ("identity_time_interval", STRING),
        ("line_item_blended_cost", DOUBLE),
        ("line_item_currency_code", STRING),
        ("line_item_line_item_description", STRING),
        ("line_item_line_item_type", STRING),
        ("line_item_net_unblended_cost", DOUBLE),
        ("line_item_product_code", STRING),
        ("line_item_unblended_cost", DOUBLE),
        ("line_item_usage_account_id", STRING),
        ("line_item_usage_account_name", STRING),
        ("line_item_usage_amount", DOUBLE),
        ("line_item_usage_end_date", TIMESTAMP),
        ("line_item_usage_start_date", TIMESTAMP),
        ("line_item_usage_type", STRING),
        ("pricing_unit", STRING),
        ("product", STRING_MAP),
        ("product_region_code", STRING),
        ("product_servicecode", STRING),
        ("reservation_effective_cost", DOUBLE),
        ("reservation_net_effective_cost", DOUBLE),
        ("reservation_net_unused_amortized_upfront_fee_for_billing_period", DOUBLE),
        ("reservation_net_unused_recurring_fee", DOUBLE),
        ("reservation_reservation_a_r_n", STRING),
        ("reservation_unused_amortized_upfront_fee_for_billing_period", DOUBLE),
        ("reservation_unused_recurring_fee", DOUBLE),
        ("resource_tags", STRING_MAP),
        ("savings_plan_net_savings_plan_effective_cost", DOUBLE),
        ("savings_plan_savings_plan_a_r_n", STRING),
        ("savings_plan_savings_plan_effective_cost", DOUBLE),
        ("savings_plan_total_commitment_to_date", DOUBLE),
        ("savings_plan_used_commitment", DOUBLE),
    ]
)

# What every query reads, whatever the metric.
READ: tuple[str, ...] = (
    "bill_invoice_id",
    "cost_category",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_usage_amount",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "pricing_unit",
    "product",
    "resource_tags",
)

# The key of the `product` map that holds the service's name as Cost Explorer's SERVICE
# dimension shows it ("Amazon Simple Storage Service"); legacy CUR's product/ProductName.
PRODUCT_NAME_KEY = "product_name"
# User-defined cost allocation tags appear in `resource_tags` as `user_<key>`.
USER_TAG_PREFIX = "user_"
