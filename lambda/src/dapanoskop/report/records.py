"""The contract's files as typed records: what the report reads, and nothing more.

Parsing is separate from reading (source.py) so it stays pure and a broken file fails with a
message naming the field, not a KeyError deep inside rendering. Money is parsed straight into
`Decimal` (JSON numbers never pass through float) so derived changes add up to the cent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from dapanoskop.formats import INDEX_KEY, parse_index_periods
from dapanoskop.formats import parse_summary as parse_summary_bytes
from dapanoskop.model import Status
from dapanoskop.periods import parse_period


class ReportError(Exception):
    """A problem with the report's input or output that the user can act on (one line)."""


@dataclass(frozen=True)
class Workload:
    name: str
    current: Decimal
    prev_month: Decimal
    yoy: Decimal
    prior_partial: Decimal | None = None  # MTD only: the like-for-like window


@dataclass(frozen=True)
class CostCenter:
    name: str
    current: Decimal
    prev_month: Decimal
    yoy: Decimal
    workloads: tuple[Workload, ...]
    prior_partial: Decimal | None = None
    # split charges of the current period (§3.3): a source is "Allocated"
    is_split_charge: bool = False
    split_in: Decimal | None = None
    split_out: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    current: Decimal
    prev_month: Decimal
    yoy: Decimal
    mtd_prior_partial: Decimal | None = None
    forecast: Decimal | None = None
    prev_complete: Decimal | None = None
    forecast_delta_pct: Decimal | None = None


@dataclass(frozen=True)
class StorageMetrics:
    cost: Decimal
    prev_cost: Decimal
    volume_bytes: int
    prev_volume_bytes: int | None
    hot_pct: Decimal
    prev_hot_pct: Decimal | None
    cost_per_tib: Decimal
    prev_cost_per_tib: Decimal | None


@dataclass(frozen=True)
class StorageLens:
    """S3 bytes and objects stored organization-wide on one day, per S3 Storage Lens."""

    total_bytes: int
    object_count: int
    day: str  # YYYY-MM-DD
    config_id: str


@dataclass(frozen=True)
class TaggingCoverage:
    tagged: Decimal
    untagged: Decimal
    tagged_pct: Decimal
    untaggable: Decimal | None = None  # schema 2: tax, credits, refunds, fees, support


@dataclass(frozen=True)
class StorageClass:
    """One entry of summary.json `storage_classes` (schema 2): scoped by service."""

    service: str
    usage_type: str
    name: str
    avg_bytes: int
    cost: Decimal
    prev_avg_bytes: int
    prev_cost: Decimal


@dataclass(frozen=True)
class MtdWindow:
    """The like-for-like window of the previous month: [start, end_exclusive)."""

    start: date
    end_exclusive: date


@dataclass(frozen=True)
class Account:
    """One entry of summary.json `accounts`: a linked account's cost in the three periods."""

    id: str
    name: str
    current: Decimal
    prev_month: Decimal
    yoy: Decimal


@dataclass(frozen=True)
class Summary:
    period: str
    is_mtd: bool
    collected_at: datetime
    labels: Mapping[str, str]  # current / prev_month / yoy -> YYYY-MM
    status: Mapping[str, Status]  # same keys; missing keys count as final
    cost_metric: str
    workload_tag_key: str
    cost_category_name: str | None
    include_efs: bool
    include_ebs: bool
    totals: Totals
    storage: StorageMetrics
    cost_centers: tuple[CostCenter, ...]
    tagging: TaggingCoverage
    mtd_window: MtdWindow | None
    data_through: date | None = None  # month to date (schema 2): the last day included
    storage_classes: tuple[StorageClass, ...] | None = None  # None: a schema 1 summary
    accounts: tuple[Account, ...] | None = None  # None: the summary lists no accounts
    storage_lens: StorageLens | None = None

    def status_of(self, label: str) -> Status:
        return self.status.get(label, Status.FINAL)


@dataclass(frozen=True)
class UsageTypeRow:
    """One row of cost-by-usage-type.parquet (contract §7)."""

    workload: str
    usage_type: str
    category: str
    period: str
    cost: Decimal
    quantity: Decimal


def parse_index(raw: bytes) -> list[str]:
    """The periods listed in index.json (formats.py parses it), newest first."""
    try:
        periods = parse_index_periods(raw)
    except json.JSONDecodeError as err:
        raise ReportError(f"{INDEX_KEY}: not valid JSON ({err})") from err
    except ValueError as err:
        raise ReportError(f"{INDEX_KEY}: {err}") from err
    return sorted(set(periods), reverse=True)


def parse_summary(raw: bytes, where: str) -> Summary:
    """A summary.json as a `Summary`; `where` names the file in error messages.

    formats.py parses the bytes (numbers as Decimal, so money adds up to the cent); this
    turns the document into typed records and names any missing field.
    """
    try:
        data = read_summary_document(raw)
    except json.JSONDecodeError as err:
        raise ReportError(f"{where}: not valid JSON ({err})") from err
    except ValueError as err:
        raise ReportError(f"{where}: {err}") from err
    totals = _field(data, "totals", where)
    storage = _field(data, "storage_metrics", where)
    tagging = _field(data, "tagging_coverage", where)
    mtd = data.get("mtd_comparison")
    storage_config = data.get("storage_config") or {}
    period = _check_period(str(_field(data, "period", where)), where)
    labels = _field(data, "periods", where)
    for key in ("current", "prev_month", "yoy"):
        _field(labels, key, f"{where} periods")
    return Summary(
        period=period,
        is_mtd=bool(data.get("is_mtd", False)),
        collected_at=_parse_time(data.get("collected_at"), where),
        labels={key: str(value) for key, value in labels.items()},
        status={key: _parse_status(value, where) for key, value in _period_status(data).items()},
        cost_metric=str(data.get("cost_metric", "")),
        workload_tag_key=str(data.get("workload_tag_key", "")),
        cost_category_name=data.get("cost_category_name"),
        include_efs=bool(storage_config.get("include_efs", False)),
        include_ebs=bool(storage_config.get("include_ebs", False)),
        totals=Totals(
            current=_money(totals, "current_cost_usd", where),
            prev_month=_money(totals, "prev_month_cost_usd", where),
            yoy=_money(totals, "yoy_cost_usd", where),
            mtd_prior_partial=_optional_money(totals, "mtd_prior_partial_cost_usd"),
            forecast=_optional_money(totals, "forecast_total_usd"),
            prev_complete=_optional_money(totals, "prev_complete_total_usd"),
            forecast_delta_pct=_optional_money(totals, "forecast_month_end_delta_pct"),
        ),
        storage=StorageMetrics(
            cost=_money(storage, "total_cost_usd", where),
            prev_cost=_money(storage, "prev_month_cost_usd", where),
            volume_bytes=int(_money(storage, "total_volume_bytes", where)),
            prev_volume_bytes=_optional_int(storage, "prev_month_total_volume_bytes"),
            hot_pct=_money(storage, "hot_tier_percentage", where),
            prev_hot_pct=_optional_money(storage, "prev_month_hot_tier_percentage"),
            cost_per_tib=_money(storage, "cost_per_tb_usd", where),
            prev_cost_per_tib=_optional_money(storage, "prev_month_cost_per_tb_usd"),
        ),
        cost_centers=_parse_cost_centers(_field(data, "cost_centers", where), mtd, where),
        tagging=TaggingCoverage(
            tagged=_money(tagging, "tagged_cost_usd", where),
            untagged=_money(tagging, "untagged_cost_usd", where),
            tagged_pct=_money(tagging, "tagged_percentage", where),
            untaggable=_optional_money(tagging, "untaggable_cost_usd"),
        ),
        mtd_window=_parse_mtd_window(mtd, where),
        data_through=_optional_date(data, "data_through", where),
        storage_classes=_parse_storage_classes(data.get("storage_classes"), where),
        storage_lens=_parse_storage_lens(data.get("storage_lens")),
        accounts=_parse_accounts(data.get("accounts"), where),
    )


def _parse_accounts(raw: Any, where: str) -> tuple[Account, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ReportError(f"{where}: 'accounts' is not a list")
    return tuple(
        Account(
            id=str(_field(entry, "id", f"{where} accounts")),
            name=str(entry.get("name") or ""),
            current=_money(entry, "current_cost_usd", where),
            prev_month=_money(entry, "prev_month_cost_usd", where),
            yoy=_money(entry, "yoy_cost_usd", where),
        )
        for entry in raw
    )


def _parse_storage_lens(raw: Any) -> StorageLens | None:
    """The optional `storage_lens` object; anything malformed counts as absent."""
    if not isinstance(raw, Mapping):
        return None
    try:
        return StorageLens(
            total_bytes=int(raw["total_bytes"]),
            object_count=int(raw["object_count"]),
            day=str(raw["storage_lens_date"]),
            config_id=str(raw["config_id"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _optional_date(data: Mapping[str, Any], key: str, where: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as err:
        raise ReportError(f"{where}: '{key}' is not a YYYY-MM-DD date: {value!r}") from err


def _parse_storage_classes(raw: Any, where: str) -> tuple[StorageClass, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ReportError(f"{where}: 'storage_classes' is not a list")
    context = f"{where} storage_classes"
    return tuple(
        StorageClass(
            service=str(_field(entry, "service", context)),
            usage_type=str(_field(entry, "usage_type", context)),
            name=str(_field(entry, "storage_class", context)),
            avg_bytes=int(_money(entry, "average_bytes", context)),
            cost=_money(entry, "cost_usd", context),
            prev_avg_bytes=int(_money(entry, "prev_month_average_bytes", context)),
            prev_cost=_money(entry, "prev_month_cost_usd", context),
        )
        for entry in raw
    )


_USAGE_COLUMNS = ("workload", "usage_type", "category", "period", "cost_usd", "usage_quantity")


def parse_usage_types(table: pa.Table, where: str) -> tuple[UsageTypeRow, ...]:
    """Rows of cost-by-usage-type.parquet, columns taken by position as the contract says.

    Doubles become `Decimal` through their shortest repr (`str(float)`), so a value written
    as 12.34 is summed as exactly 12.34.
    """
    if table.num_columns < len(_USAGE_COLUMNS):
        raise ReportError(
            f"{where}: expected {len(_USAGE_COLUMNS)} columns "
            f"({', '.join(_USAGE_COLUMNS)}), found {table.num_columns}"
        )
    columns = [table.column(index).to_pylist() for index in range(len(_USAGE_COLUMNS))]
    rows = []
    for workload, usage_type, category, period, cost, quantity in zip(*columns, strict=True):
        if None in (workload, usage_type, category, period, cost, quantity):
            raise ReportError(f"{where}: null value in a row (the contract allows none)")
        rows.append(
            UsageTypeRow(
                workload=str(workload),
                usage_type=str(usage_type),
                category=str(category),
                period=str(period),
                cost=Decimal(str(cost)),
                quantity=Decimal(str(quantity)),
            )
        )
    return tuple(rows)


def _parse_cost_centers(
    raw: Any, mtd: Mapping[str, Any] | None, where: str
) -> tuple[CostCenter, ...]:
    if not isinstance(raw, list):
        raise ReportError(f"{where}: 'cost_centers' is not a list")
    prior = _prior_partial_by_name(mtd)
    centers = []
    for entry in raw:
        name = str(_field(entry, "name", f"{where} cost_centers"))
        prior_center = prior.get(name, (None, {}))
        workloads = tuple(
            Workload(
                name=str(_field(item, "name", f"{where} {name} workloads")),
                current=_money(item, "current_cost_usd", where),
                prev_month=_money(item, "prev_month_cost_usd", where),
                yoy=_optional_money(item, "yoy_cost_usd") or Decimal(0),  # absent: no data
                prior_partial=prior_center[1].get(str(item["name"])),
            )
            for item in entry.get("workloads", [])
        )
        centers.append(
            CostCenter(
                name=name,
                current=_money(entry, "current_cost_usd", where),
                prev_month=_money(entry, "prev_month_cost_usd", where),
                yoy=_optional_money(entry, "yoy_cost_usd") or Decimal(0),
                workloads=workloads,
                prior_partial=prior_center[0],
                is_split_charge=entry.get("is_split_charge") is True,
                split_in=_optional_money(entry, "split_charge_in_usd"),
                split_out=_optional_money(entry, "split_charge_out_usd"),
            )
        )
    return tuple(centers)


def _prior_partial_by_name(
    mtd: Mapping[str, Any] | None,
) -> dict[str, tuple[Decimal | None, dict[str, Decimal]]]:
    """mtd_comparison.cost_centers keyed by name: (center's prior cost, workload -> cost)."""
    if not mtd:
        return {}
    found: dict[str, tuple[Decimal | None, dict[str, Decimal]]] = {}
    for entry in mtd.get("cost_centers", []):
        workloads = {
            str(item["name"]): Decimal(item["prior_partial_cost_usd"])
            for item in entry.get("workloads", [])
        }
        found[str(entry["name"])] = (_optional_money(entry, "prior_partial_cost_usd"), workloads)
    return found


def _parse_mtd_window(mtd: Mapping[str, Any] | None, where: str) -> MtdWindow | None:
    if not mtd:
        return None
    try:
        return MtdWindow(
            start=date.fromisoformat(mtd["prior_partial_start"]),
            end_exclusive=date.fromisoformat(mtd["prior_partial_end_exclusive"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ReportError(f"{where}: mtd_comparison window is missing or malformed") from err


def _period_status(data: Mapping[str, Any]) -> Mapping[str, Any]:
    status = data.get("period_status") or {}
    return status if isinstance(status, Mapping) else {}


def _parse_status(value: Any, where: str) -> Status:
    try:
        return Status(value)
    except ValueError as err:
        raise ReportError(f"{where}: unknown period_status value {value!r}") from err


def _parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ReportError(f"{where}: 'collected_at' is missing")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise ReportError(f"{where}: 'collected_at' is not an ISO-8601 time: {value!r}") from err


def read_summary_document(raw: bytes) -> dict[str, Any]:
    return parse_summary_bytes(raw, exact_numbers=True)


def _field(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise ReportError(f"{where}: required field '{key}' is missing")
    return data[key]


def _money(data: Mapping[str, Any], key: str, where: str) -> Decimal:
    value = _field(data, key, where)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ReportError(f"{where}: '{key}' is not a number")
    return Decimal(value)


def _optional_money(data: Mapping[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = _optional_money(data, key)
    return None if value is None else int(value)


def _check_period(label: str, where: str) -> str:
    try:
        parse_period(label)
    except ValueError as err:
        raise ReportError(f"{where}: {err}") from err
    return label
