"""The one SQL builder: every grouping the processor needs, in one pass over the export.

The query joins each line item to the windows it falls in (by `line_item_usage_start_date`,
half-open like Cost Explorer's TimePeriod; a LEFT JOIN, so line items outside every window
still count for their billing period's finality) and aggregates once, by the union of the keys
the requested groupings need. The source then rolls those rows up into each grouping
(`source.py`):

| grouping       | keys                                      | what for (model.py)           |
|----------------|-------------------------------------------|-------------------------------|
| usage          | window, workload, usage type, service,    | UsageLine (with service and   |
|                | account                                   | account, contract §7)         |
| cost_centers   | window, workload, cost center             | CostCenterLine                |
| services       | window, service, usage type               | ServiceLine                   |
| charges        | window, line item type, usage type        | ChargeLine                    |
| accounts       | window, account                           | AccountLine                   |
| billing period | billing period                            | finality (blank invoice ids)  |

Why one GROUP BY and not GROUPING SETS: DuckDB (2.0) runs GROUPING SETS by materialising the
joined input as a CTE and aggregating it once per set, so memory grew with the export's rows
(measured, bench/RESULTS.md); one hash aggregate holds only groups. Its groups are at most a
few times those of the largest grouping (a workload's usage type mostly has one service, one
account and one line item type).

Money and quantities are cast to DECIMAL(38, 12) before they are summed, so sums are exact and
do not depend on the order the engine adds rows in (double sums would, and the contract wants
byte-identical output for identical input).

Two dialects, one text otherwise: DuckDB (embedded) and Athena engine v3 (Trino). They differ
only in map access, lambda syntax and date formatting (`_Dialect`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dapanoskop.dataexport.columns import PRODUCT_NAME_KEY, USER_TAG_PREFIX
from dapanoskop.dataexport.metrics import TYPE_COLUMN, Metric, Term

MONEY = "DECIMAL(38, 12)"
MIXED_UNITS = "N/A"

# The keys a result row can carry (NULL where the query does not group by it), in order.
KEYS: tuple[str, ...] = (
    "window_id",
    "workload",
    "usage_type",
    "cost_center",
    "service",
    "record_type",
    "account_id",
    "billing_period",
)
VALUES: tuple[str, ...] = ("account_name", "cost", "quantity", "unit", "unfinalized")
COLUMNS: tuple[str, ...] = (*KEYS, *VALUES)  # the result's columns, in order


class GroupingSet(StrEnum):
    USAGE = "usage"
    COST_CENTERS = "cost_centers"
    SERVICES = "services"
    CHARGES = "charges"
    ACCOUNTS = "accounts"
    BILLING_PERIOD = "billing_period"


SET_KEYS: dict[GroupingSet, tuple[str, ...]] = {
    # Split by service and account too: the usage-type Parquet carries them (contract §7).
    GroupingSet.USAGE: ("window_id", "workload", "usage_type", "service", "account_id"),
    GroupingSet.COST_CENTERS: ("window_id", "workload", "cost_center"),
    GroupingSet.SERVICES: ("window_id", "service", "usage_type"),
    GroupingSet.CHARGES: ("window_id", "record_type", "usage_type"),
    GroupingSet.ACCOUNTS: ("window_id", "account_id"),
    GroupingSet.BILLING_PERIOD: ("billing_period",),
}


def grouped_keys(sets: Sequence[GroupingSet]) -> tuple[str, ...]:
    """The KEYS some set groups by, in KEYS order: what the query groups by."""
    return tuple(k for k in KEYS if any(k in SET_KEYS[s] for s in sets))


class Dialect(StrEnum):
    DUCKDB = "duckdb"
    ATHENA = "athena"


@dataclass(frozen=True)
class QueryWindow:
    id: int
    start: date
    end: date


@dataclass(frozen=True)
class Query:
    """Everything the SQL depends on."""

    windows: tuple[QueryWindow, ...]
    billing_periods: tuple[str, ...]  # YYYY-MM, for partition pruning (Athena)
    metric: Metric
    tag_key: str
    cost_category: str | None
    sets: tuple[GroupingSet, ...]


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Dialect:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def map_value(self, column: str, key: str) -> str:
        """The value of `key` in a map column, or NULL."""
        if self.dialect is Dialect.DUCKDB:
            return f"{column}[{quote_literal(key)}]"
        return f"element_at({column}, {quote_literal(key)})"

    def map_value_ignoring_case(self, column: str, key: str) -> str:
        """The value of the map key equal to `key` ignoring case; of several such keys, the
        smallest one's (a deterministic choice)."""
        wanted = quote_literal(key.lower())
        if self.dialect is Dialect.DUCKDB:
            found = f"list_min(list_filter(map_keys({column}), lambda k: lower(k) = {wanted}))"
            return f"{column}[{found}]"
        found = f"array_min(filter(map_keys({column}), k -> lower(k) = {wanted}))"
        return f"element_at({column}, {found})"

    def month(self, column: str) -> str:
        if self.dialect is Dialect.DUCKDB:
            return f"strftime({column}, '%Y-%m')"
        return f"date_format({column}, '%Y-%m')"

    def map_keys_rows(self, column: str, table: str) -> str:
        """SELECT of every distinct key of a map column."""
        if self.dialect is Dialect.DUCKDB:
            return f"SELECT DISTINCT unnest(map_keys({column})) AS k FROM {table}"
        return f"SELECT DISTINCT k FROM {table} CROSS JOIN UNNEST(map_keys({column})) AS u(k)"


def _term(term: Term) -> str:
    values = [f"CAST({term.column} AS {MONEY})"]
    if term.fallback:
        values.append(f"CAST({term.fallback} AS {MONEY})")
    value = f"coalesce({', '.join(values)}, 0)"
    return value if term.sign > 0 else f"-{value}"


def _terms(terms: Sequence[Term]) -> str:
    if not terms:
        return f"CAST(0 AS {MONEY})"
    return " + ".join(_term(t) for t in terms).replace("+ -", "- ")


def cost_expression(metric: Metric) -> str:
    """The metric of one line item as SQL (both dialects)."""
    if not metric.rules:
        return _terms(metric.default)
    cases = []
    for rule in metric.rules:
        condition = f"{TYPE_COLUMN} = {quote_literal(rule.line_item_type)}"
        if rule.when_set:
            condition += f" AND coalesce({rule.when_set}, '') <> ''"
        cases.append(f"WHEN {condition} THEN {_terms(rule.terms)}")
    return f"CASE {' '.join(cases)} ELSE {_terms(metric.default)} END"


def _timestamp(day: date) -> str:
    return f"TIMESTAMP '{day.isoformat()} 00:00:00'"


def build_sql(
    query: Query, table: str, dialect: Dialect, *, partition_column: str | None = None
) -> str:
    """The aggregation over `table` (a registered relation or `database.table`).

    `partition_column` (Athena: the table's billing-period partition, e.g. `billing_period`)
    restricts the scan to `query.billing_periods`; the embedded engine opens only those
    periods' files instead.
    """
    d = _Dialect(dialect)
    tag = d.map_value_ignoring_case("resource_tags", USER_TAG_PREFIX + query.tag_key)
    workload = f"coalesce({tag}, '')"
    cost_center = (
        f"coalesce({d.map_value_ignoring_case('cost_category', query.cost_category)}, '')"
        if query.cost_category
        else "''"
    )
    service = f"coalesce({d.map_value('product', PRODUCT_NAME_KEY)}, line_item_product_code, '')"
    windows = ",\n    ".join(
        f"({w.id}, {_timestamp(w.start)}, {_timestamp(w.end)})" for w in query.windows
    )
    where = ""
    if partition_column and query.billing_periods:
        periods = ", ".join(quote_literal(p) for p in query.billing_periods)
        where = f"\n  WHERE {quote_identifier(partition_column)} IN ({periods})"
    grouped = grouped_keys(query.sets)
    keys = ", ".join(k if k in grouped else f"NULL AS {k}" for k in KEYS)
    return f"""WITH windows (window_id, window_start, window_end) AS (
  VALUES
    {windows}
),
lines AS (
  SELECT
    {workload} AS workload,
    {cost_center} AS cost_center,
    {service} AS service,
    coalesce(line_item_usage_type, '') AS usage_type,
    coalesce({TYPE_COLUMN}, '') AS record_type,
    coalesce(line_item_usage_account_id, '') AS account_id,
    coalesce(line_item_usage_account_name, '') AS account_name,
    {d.month("bill_billing_period_start_date")} AS billing_period,
    line_item_usage_start_date AS usage_start,
    {cost_expression(query.metric)} AS cost,
    coalesce(CAST(line_item_usage_amount AS {MONEY}), 0) AS quantity,
    coalesce(pricing_unit, '{MIXED_UNITS}') AS unit,
    CASE WHEN coalesce(bill_invoice_id, '') = '' THEN 1 ELSE 0 END AS unfinalized
  FROM {table}{where}
)
SELECT
  {keys},
  max(account_name) AS account_name,
  sum(cost) AS cost,
  sum(quantity) AS quantity,
  CASE WHEN min(unit) = max(unit) THEN min(unit) ELSE '{MIXED_UNITS}' END AS unit,
  sum(unfinalized) AS unfinalized
FROM lines
LEFT JOIN windows ON usage_start >= window_start AND usage_start < window_end
GROUP BY {", ".join(grouped)}"""


def cost_category_keys_sql(table: str, dialect: Dialect) -> str:
    """Every cost-category name the export's line items carry."""
    return _Dialect(dialect).map_keys_rows("cost_category", table) + " ORDER BY k"
