"""Check published files against the data contract (shared/contract.md), as their readers would.

The web report, DuckDB queries and our own `report` command read these files without asking
the pipeline; this is the list of promises they rely on, checked from the outside. The column
lists and field types are written out here from the contract, deliberately not imported from
the writer: a check that shares the writer's schema would pass the writer's mistakes.

`check_output` returns the problems found, one sentence each, naming the file and the field;
an empty list means the output conforms. Reading failures (no such bucket, no permission) are
raised, because they say nothing about the files.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dapanoskop.formats import INDEX_KEY, SUMMARY_NAME, USAGE_PARQUET_NAME, WORKLOAD_PARQUET_NAME
from dapanoskop.periods import add_months, parse_period
from dapanoskop.publisher import existing_periods
from dapanoskop.settings import parse_location
from dapanoskop.store import ObjectStore, open_store

# The layout's file names, defined once in formats.py.
INDEX = INDEX_KEY
SUMMARY = SUMMARY_NAME
WORKLOAD_PARQUET = WORKLOAD_PARQUET_NAME
USAGE_PARQUET = USAGE_PARQUET_NAME

# Contract §6 and §7: names, order and types are binding (readers address §7 by position).
WORKLOAD_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("cost_center", pa.string()),
    ("workload", pa.string()),
    ("period", pa.string()),
    ("cost_usd", pa.float64()),
)
USAGE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("workload", pa.string()),
    ("usage_type", pa.string()),
    ("category", pa.string()),
    ("period", pa.string()),
    ("cost_usd", pa.float64()),
    ("usage_quantity", pa.float64()),
)
# §7 with the Data Exports source: the six columns, then these.
USAGE_DETAIL_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("service", pa.string()),
    ("account_id", pa.string()),
)
CATEGORIES = frozenset({"Storage", "Compute", "Support", "Other"})
STATUSES = frozenset({"final", "estimated", "unavailable"})
LABELS = ("current", "prev_month", "yoy")
# A rounded amount is off by at most half a cent; a sum of n rounded entries compared with a
# rounded total may differ by up to a cent per entry.
CENT = 0.01
_EPSILON = 1e-6

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class _Type:
    """A JSON value kind the contract names, with the words a problem report uses for it."""

    description: str
    accepts: Callable[[Any], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _rounded_to(places: int) -> Callable[[Any], bool]:
    return lambda value: _is_number(value) and abs(round(value, places) - value) < 1e-9


def _is_period(value: Any) -> bool:
    try:
        parse_period(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


INT = _Type("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
COUNT = _Type("a whole number >= 0", lambda v: INT.accepts(v) and v >= 0)
BOOL = _Type("true or false", lambda v: isinstance(v, bool))
STRING = _Type("a non-empty string", lambda v: isinstance(v, str) and v != "")
STRING_OR_NULL = _Type("a string or null", lambda v: v is None or isinstance(v, str))
OBJECT = _Type("an object", lambda v: isinstance(v, dict))
ARRAY = _Type("an array", lambda v: isinstance(v, list))
MONEY = _Type("an amount rounded to cents", _rounded_to(2))
PERCENT = _Type("a percentage rounded to 1 decimal", _rounded_to(1))
SHARE = _Type(
    "a percentage from 0 to 100, 1 decimal", lambda v: PERCENT.accepts(v) and 0 <= v <= 100
)
PERIOD = _Type("a YYYY-MM period", _is_period)
DATE = _Type("a YYYY-MM-DD date", _is_date)
TIMESTAMP = _Type(
    "an ISO-8601 UTC time like 2026-11-26T06:00:03Z",
    lambda v: isinstance(v, str) and bool(_TIMESTAMP.match(v)),
)
STATUS = _Type(f"one of {', '.join(sorted(STATUSES))}", lambda v: v in STATUSES)

SUMMARY_FIELDS: dict[str, _Type] = {
    "schema_version": INT,
    "collected_at": TIMESTAMP,
    "period": PERIOD,
    "is_mtd": BOOL,
    "periods": OBJECT,
    "period_status": OBJECT,
    "cost_metric": STRING,
    "workload_tag_key": STRING,
    "cost_category_name": STRING_OR_NULL,
    "totals": OBJECT,
    "storage_config": OBJECT,
    "storage_metrics": OBJECT,
    "cost_centers": ARRAY,
    "tagging_coverage": OBJECT,
    "collection": OBJECT,
}
TOTALS_FIELDS = {"current_cost_usd": MONEY, "prev_month_cost_usd": MONEY, "yoy_cost_usd": MONEY}
TOTALS_MTD_FIELDS = {"mtd_prior_partial_cost_usd": MONEY}
FORECAST_FIELDS = {"forecast_total_usd": MONEY, "prev_complete_total_usd": MONEY}
STORAGE_CONFIG_FIELDS = {"include_efs": BOOL, "include_ebs": BOOL}
STORAGE_FIELDS = {
    "total_cost_usd": MONEY,
    "prev_month_cost_usd": MONEY,
    "total_volume_bytes": COUNT,
    "prev_month_total_volume_bytes": COUNT,
    "hot_tier_percentage": SHARE,
    "prev_month_hot_tier_percentage": SHARE,
    "cost_per_tb_usd": MONEY,
    "prev_month_cost_per_tb_usd": MONEY,
}
STORAGE_MTD_FIELDS = {"mtd_prior_partial_storage_cost_usd": MONEY}
AMOUNT_FIELDS = {f"{label}_cost_usd": MONEY for label in LABELS}
COST_CENTER_FIELDS = {"name": STRING, **AMOUNT_FIELDS, "workloads": ARRAY}
WORKLOAD_FIELDS = {"name": STRING, **AMOUNT_FIELDS}
# When the year-ago month is unavailable, cost centers and workloads leave yoy_cost_usd out.
NO_YOY_COST_CENTER_FIELDS = {k: v for k, v in COST_CENTER_FIELDS.items() if k != "yoy_cost_usd"}
NO_YOY_WORKLOAD_FIELDS = {k: v for k, v in WORKLOAD_FIELDS.items() if k != "yoy_cost_usd"}
# Split charges (§3.3): the amounts moved in and out of a cost center in each period.
SPLIT_PREFIXES = {"current": "", "prev_month": "prev_month_", "yoy": "yoy_"}
SPLIT_CHARGE_WORKLOAD = "(split charge)"
STORAGE_LENS_FIELDS = {
    "total_bytes": COUNT,
    "object_count": COUNT,
    "storage_lens_date": DATE,
    "config_id": STRING,
}
TAGGING_FIELDS = {
    "tagged_cost_usd": MONEY,
    "untagged_cost_usd": MONEY,
    "tagged_percentage": SHARE,
}
MTD_COMPARISON_FIELDS = {
    "prior_partial_start": DATE,
    "prior_partial_end_exclusive": DATE,
    "cost_centers": ARRAY,
}
PRIOR_CENTER_FIELDS = {"name": STRING, "prior_partial_cost_usd": MONEY, "workloads": ARRAY}
PRIOR_WORKLOAD_FIELDS = {"name": STRING, "prior_partial_cost_usd": MONEY}
COLLECTION_FIELDS = {"ce_requests": COUNT}
SCHEMA_VERSIONS = (1, 2)
# Schema 2 (service-aware categories, taggable coverage, complete days, storage classes).
TAGGING_V2_FIELDS = {
    "tagged_cost_usd": MONEY,
    "untagged_cost_usd": MONEY,
    "tagged_percentage": PERCENT,
    "untaggable_cost_usd": MONEY,
}
STORAGE_CLASS_FIELDS = {
    "service": STRING,
    "usage_type": STRING,
    "storage_class": STRING,
    "average_bytes": COUNT,
    "cost_usd": MONEY,
    "prev_month_average_bytes": COUNT,
    "prev_month_cost_usd": MONEY,
}
INDEX_FIELDS = {"periods": ARRAY, "updated_at": TIMESTAMP}


class _Report:
    """Problems of one file, each prefixed with the file's key."""

    def __init__(self, key: str, problems: list[str]) -> None:
        self.key = key
        self.problems = problems

    def add(self, message: str) -> None:
        self.problems.append(f"{self.key}: {message}")

    def fields(self, where: str, value: Any, spec: Mapping[str, _Type]) -> bool:
        """Report each field of `spec` that `value` lacks or has with the wrong type.

        Returns True when every field is present with its type, so callers can go on to
        check relations between the fields.
        """
        if not isinstance(value, dict):
            self.add(f"{where or 'the document'} is {_show(value)}, expected an object")
            return False
        complete = True
        for name, kind in spec.items():
            path = f"{where}.{name}" if where else name
            if name not in value:
                self.add(f"{path} is missing")
                complete = False
            elif not kind.accepts(value[name]):
                self.add(f"{path} is {_show(value[name])}, expected {kind.description}")
                complete = False
        return complete


def check_output(source: ObjectStore | str | Path, *, s3_client: Any = None) -> list[str]:
    """Every way the files at `source` break the data contract; [] when they conform.

    `source` is a store, a folder, or `s3://bucket[/prefix]`.
    """
    is_folder = isinstance(source, str | Path) and not str(source).startswith("s3://")
    if is_folder and not Path(source).is_dir():
        return [f"{source} is not a folder"]
    store = _open(source, s3_client)
    problems: list[str] = []
    periods = published_periods(store)
    _check_index(store, periods, problems)
    for period in periods:
        summary = _check_summary(store, period, problems)
        labels = period_labels(period)
        _check_workload_parquet(store, period, labels, summary, problems)
        _check_usage_parquet(store, period, labels, problems)
    return problems


def published_periods(store: ObjectStore) -> list[str]:
    """Periods whose `YYYY-MM/summary.json` exists, newest first."""
    return sorted(existing_periods(store), reverse=True)


def _open(source: ObjectStore | str | Path, s3_client: Any) -> ObjectStore:
    if isinstance(source, str | Path):
        return open_store(parse_location(source), s3_client)
    return source


def _read_json(store: ObjectStore, key: str, report: _Report) -> Any:
    stored = store.get(key)
    if stored is None:
        report.add("is missing")
        return None
    try:
        return json.loads(stored.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        report.add(f"is not UTF-8 JSON ({error})")
        return None


# index.json (§2)


def _check_index(store: ObjectStore, published: Sequence[str], problems: list[str]) -> None:
    report = _Report(INDEX, problems)
    index = _read_json(store, INDEX, report)
    if index is None or not report.fields("", index, INDEX_FIELDS):
        return
    listed = index["periods"]
    bad = [p for p in listed if not _is_period(p)]
    for label in bad:
        report.add(f"periods lists {_show(label)}, which is not a YYYY-MM period")
    if bad:
        return
    for label, count in sorted(Counter(listed).items()):
        if count > 1:
            report.add(f"periods lists {label} {count} times")
    if listed != sorted(listed, reverse=True):
        report.add("periods are not newest first")
    for label in sorted(set(listed) - set(published), reverse=True):
        report.add(f"periods lists {label}, but {label}/{SUMMARY} does not exist")
    for label in sorted(set(published) - set(listed), reverse=True):
        report.add(f"periods does not list {label}, but {label}/{SUMMARY} exists")


# summary.json (§3)


def _check_summary(store: ObjectStore, period: str, problems: list[str]) -> dict | None:
    """Check one summary; returns it when it is an object (for the Parquet cross-checks)."""
    report = _Report(f"{period}/{SUMMARY}", problems)
    summary = _read_json(store, f"{period}/{SUMMARY}", report)
    if summary is None:
        return None
    if not isinstance(summary, dict):
        report.add(f"is {_show(summary)}, expected a JSON object")
        return None
    report.fields("", summary, SUMMARY_FIELDS)
    version = summary.get("schema_version")
    if INT.accepts(version) and version not in SCHEMA_VERSIONS:
        report.add(f"schema_version is {version}, expected one of 1, 2")
    is_v2 = version != 1  # a summary without a version is held to the newest schema
    if PERIOD.accepts(summary.get("period")) and summary["period"] != period:
        report.add(f"period is {summary['period']}, but the file is in folder {period}")
    _check_periods(report, period, summary)
    is_mtd = summary.get("is_mtd") is True
    _check_totals(report, summary.get("totals"), is_mtd)
    if isinstance(summary.get("storage_config"), dict):
        report.fields("storage_config", summary["storage_config"], STORAGE_CONFIG_FIELDS)
    if isinstance(summary.get("storage_metrics"), dict):
        spec = {**STORAGE_FIELDS, **(STORAGE_MTD_FIELDS if is_mtd else {})}
        report.fields("storage_metrics", summary["storage_metrics"], spec)
    _check_storage_lens(report, summary)
    if isinstance(summary.get("cost_centers"), list):
        _check_cost_centers(
            report, summary["cost_centers"], summary.get("totals"), _yoy_available(summary)
        )
    if isinstance(summary.get("tagging_coverage"), dict):
        _check_tagging(report, summary["tagging_coverage"], summary.get("totals"), is_v2)
    _check_mtd_comparison(report, summary, is_mtd)
    if is_v2:
        _check_data_through(report, summary, is_mtd)
        _check_storage_classes(report, summary)
    if isinstance(summary.get("collection"), dict):
        report.fields("collection", summary["collection"], COLLECTION_FIELDS)
    return summary


def _check_periods(report: _Report, period: str, summary: dict) -> None:
    """§5: current is the folder's month, prev_month one month before, yoy twelve before."""
    periods = summary.get("periods")
    if isinstance(periods, dict) and report.fields(
        "periods", periods, dict.fromkeys(LABELS, PERIOD)
    ):
        for label, value in zip(LABELS, period_labels(period), strict=True):
            if periods[label] != value:
                report.add(f"periods.{label} is {periods[label]}, expected {value}")
    if isinstance(summary.get("period_status"), dict):
        report.fields("period_status", summary["period_status"], dict.fromkeys(LABELS, STATUS))


def _check_totals(report: _Report, totals: Any, is_mtd: bool) -> None:
    if not isinstance(totals, dict):
        return
    spec = {**TOTALS_FIELDS, **(TOTALS_MTD_FIELDS if is_mtd else {})}
    if "forecast_total_usd" in totals:
        if not is_mtd:
            report.add("totals.forecast_total_usd is given, but the month is complete")
        spec = {**spec, **FORECAST_FIELDS}
    if "forecast_month_end_delta_pct" in totals:
        spec = {**spec, **FORECAST_FIELDS, "forecast_month_end_delta_pct": PERCENT}
    report.fields("totals", totals, spec)


def _yoy_available(summary: dict) -> bool:
    status = summary.get("period_status")
    return not (isinstance(status, dict) and status.get("yoy") == "unavailable")


def _check_cost_centers(
    report: _Report, centers: list, totals: Any, yoy_available: bool = True
) -> None:
    """§3.3: fields, order, and cost centers adding up to totals and workloads to centers
    (plus split charges in, minus split charges out, where rules applied)."""
    valid = True
    center_fields = COST_CENTER_FIELDS if yoy_available else NO_YOY_COST_CENTER_FIELDS
    workload_fields = WORKLOAD_FIELDS if yoy_available else NO_YOY_WORKLOAD_FIELDS
    labels = LABELS if yoy_available else LABELS[:2]
    for position, center in enumerate(centers):
        where = f"cost_centers[{position}]"
        if not report.fields(where, center, center_fields):
            valid = False
            continue
        workloads = center["workloads"]
        if not all(
            report.fields(f"{where}.workloads[{n}]", w, workload_fields)
            for n, w in enumerate(workloads)
        ):
            valid = False
            continue
        if not yoy_available:
            _check_no_yoy(report, where, center)
        if not _check_split_fields(report, where, center, labels):
            valid = False
            continue
        _check_order(report, f"{where}.workloads", workloads)
        _check_unique(report, f"{where}.workloads", workloads)
        for label in labels:
            _check_sum(
                report,
                f"{where}.workloads",
                workloads,
                f"{label}_cost_usd",
                center[f"{label}_cost_usd"] - _split_net(center, SPLIT_PREFIXES[label]),
                f"{where}.{label}_cost_usd{_split_note(center, SPLIT_PREFIXES[label])}",
            )
    if not valid:
        return
    _check_order(report, "cost_centers", centers)
    _check_unique(report, "cost_centers", centers)
    if isinstance(totals, dict):
        for label in labels:
            key = f"{label}_cost_usd"
            if MONEY.accepts(totals.get(key)):
                _check_sum(report, "cost_centers", centers, key, totals[key], f"totals.{key}")


def _check_no_yoy(report: _Report, where: str, center: dict) -> None:
    """§3.3: an unavailable year-ago month is left out, not shown as 0."""
    if "yoy_cost_usd" in center:
        report.add(f"{where}.yoy_cost_usd is given, but period_status.yoy is unavailable")
    for n, workload in enumerate(center["workloads"]):
        if "yoy_cost_usd" in workload:
            report.add(
                f"{where}.workloads[{n}].yoy_cost_usd is given, but period_status.yoy is "
                "unavailable"
            )


def _check_split_fields(
    report: _Report,
    where: str,
    center: dict,
    labels: Sequence[str],
    prefixes: Mapping[str, str] = SPLIT_PREFIXES,
) -> bool:
    """Split amounts come in pairs (in and out) of cent amounts; is_split_charge is a bool."""
    ok = True
    if "is_split_charge" in center and not BOOL.accepts(center["is_split_charge"]):
        report.add(f"{where}.is_split_charge is {_show(center['is_split_charge'])}, expected bool")
        ok = False
    for label in labels:
        prefix = prefixes[label]
        names = (f"{prefix}split_charge_in_usd", f"{prefix}split_charge_out_usd")
        present = [name for name in names if name in center]
        if present and len(present) < 2:
            missing = next(name for name in names if name not in center)
            report.add(f"{where}.{missing} is missing (its pair {present[0]} is given)")
            ok = False
        elif present:
            ok = report.fields(where, center, dict.fromkeys(names, MONEY)) and ok
    return ok


def _split_net(center: dict, prefix: str) -> float:
    """What split charges added to a cost center in one period (in - out; 0 without)."""
    moved_in = center.get(f"{prefix}split_charge_in_usd", 0)
    moved_out = center.get(f"{prefix}split_charge_out_usd", 0)
    return moved_in - moved_out


def _split_note(center: dict, prefix: str) -> str:
    if f"{prefix}split_charge_in_usd" not in center:
        return ""
    return f" - {prefix}split_charge_in_usd + {prefix}split_charge_out_usd"


def _check_storage_lens(report: _Report, summary: dict) -> None:
    """§3, §3.2: the optional Storage Lens object and the total bytes repeated from it."""
    lens = summary.get("storage_lens")
    storage = summary.get("storage_metrics")
    in_storage = isinstance(storage, dict) and "storage_lens_total_bytes" in storage
    if lens is None:
        if in_storage:
            report.add("storage_metrics.storage_lens_total_bytes is given without storage_lens")
        return
    if not report.fields("storage_lens", lens, STORAGE_LENS_FIELDS):
        return
    if not in_storage:
        report.add("storage_metrics.storage_lens_total_bytes is missing (storage_lens is given)")
    elif storage["storage_lens_total_bytes"] != lens["total_bytes"]:
        report.add(
            f"storage_metrics.storage_lens_total_bytes is {storage['storage_lens_total_bytes']}, "
            f"but storage_lens.total_bytes is {lens['total_bytes']}"
        )


def _check_order(report: _Report, where: str, entries: list[dict]) -> None:
    """By current cost descending, ties by name ascending."""
    expected = sorted(entries, key=lambda e: (-e["current_cost_usd"], e["name"]))
    if [e["name"] for e in entries] != [e["name"] for e in expected]:
        report.add(f"{where} are not ordered by current_cost_usd descending, then name")


def _check_unique(report: _Report, where: str, entries: list[dict]) -> None:
    for name, count in sorted(Counter(e["name"] for e in entries).items()):
        if count > 1:
            report.add(f"{where} has {name!r} {count} times")


def _check_sum(
    report: _Report, where: str, entries: list[dict], key: str, total: float, total_name: str
) -> None:
    added = sum(entry[key] for entry in entries)
    if abs(added - total) > CENT * max(len(entries), 1) + _EPSILON:
        report.add(f"{where} add up to {added:.2f} in {key}, but {total_name} is {total:.2f}")


def _check_tagging(report: _Report, coverage: dict, totals: Any, is_v2: bool) -> None:
    """§3.4: tagged, untagged (and in schema 2 untaggable) add up to the current total.

    Schema 2 counts usage only, so the percentage lies within 0..100 whenever both usage
    parts are >= 0; schema 1 clamped it into that range.
    """
    spec = TAGGING_V2_FIELDS if is_v2 else TAGGING_FIELDS
    if not report.fields("tagging_coverage", coverage, spec):
        return
    parts = coverage["tagged_cost_usd"] + coverage["untagged_cost_usd"]
    if is_v2:
        parts += coverage["untaggable_cost_usd"]
        usage_parts = (coverage["tagged_cost_usd"], coverage["untagged_cost_usd"])
        if min(usage_parts) >= 0 and not 0 <= coverage["tagged_percentage"] <= 100:
            report.add(
                f"tagging_coverage.tagged_percentage is {coverage['tagged_percentage']}, "
                "outside 0..100 although tagged and untagged usage are not negative"
            )
    if (
        isinstance(totals, dict)
        and MONEY.accepts(totals.get("current_cost_usd"))
        and abs(parts - totals["current_cost_usd"]) > 3 * CENT + _EPSILON
    ):
        names = "tagged + untagged" + (" + untaggable" if is_v2 else "")
        report.add(
            f"tagging_coverage {names} is {parts:.2f}, but "
            f"totals.current_cost_usd is {totals['current_cost_usd']:.2f}"
        )


def _check_data_through(report: _Report, summary: dict, is_mtd: bool) -> None:
    """§5: a month-to-date summary names the last day it includes, inside its month."""
    through = summary.get("data_through")
    if not is_mtd:
        if through is not None:
            report.add("data_through is given, but the month is complete")
        return
    if "data_through" not in summary:
        report.add("data_through is missing")
        return
    if not DATE.accepts(through):
        report.add(f"data_through is {_show(through)}, expected {DATE.description}")
        return
    if PERIOD.accepts(summary.get("period")) and not through.startswith(summary["period"]):
        report.add(f"data_through {through} is not in the month {summary['period']}")


def _check_storage_classes(report: _Report, summary: dict) -> None:
    """Schema 2: storage classes are scoped like storage_metrics, so their volumes add up."""
    classes = summary.get("storage_classes")
    if not isinstance(classes, list):
        report.add(f"storage_classes is {_show(classes)}, expected {ARRAY.description}")
        return
    # Every entry is checked (and reported) before deciding, not only up to the first bad one.
    checked = [
        report.fields(f"storage_classes[{index}]", entry, STORAGE_CLASS_FIELDS)
        for index, entry in enumerate(classes)
    ]
    complete = all(checked)
    metrics = summary.get("storage_metrics")
    if not complete or not isinstance(metrics, dict):
        return
    total = metrics.get("total_volume_bytes")
    if COUNT.accepts(total):
        added = sum(entry["average_bytes"] for entry in classes)
        if abs(added - total) > len(classes):
            report.add(
                f"storage_classes add up to {added} bytes, but "
                f"storage_metrics.total_volume_bytes is {total}"
            )


def _check_mtd_comparison(report: _Report, summary: dict, is_mtd: bool) -> None:
    """§3.5: month-to-date only, the same cost centers in the same order as the summary."""
    comparison = summary.get("mtd_comparison")
    if not is_mtd:
        if comparison is not None:
            report.add("mtd_comparison is given, but the month is complete (is_mtd is false)")
        return
    if comparison is None:
        report.add("mtd_comparison is missing (is_mtd is true)")
        return
    if not report.fields("mtd_comparison", comparison, MTD_COMPARISON_FIELDS):
        return
    periods = summary.get("periods")
    if isinstance(periods, dict) and PERIOD.accepts(periods.get("prev_month")):
        start = f"{periods['prev_month']}-01"
        if comparison["prior_partial_start"] != start:
            report.add(
                f"mtd_comparison.prior_partial_start is {comparison['prior_partial_start']}, "
                f"expected {start}"
            )
    centers = comparison["cost_centers"]
    for position, center in enumerate(centers):
        where = f"mtd_comparison.cost_centers[{position}]"
        if report.fields(where, center, PRIOR_CENTER_FIELDS):
            for n, workload in enumerate(center["workloads"]):
                report.fields(f"{where}.workloads[{n}]", workload, PRIOR_WORKLOAD_FIELDS)
            _check_split_fields(
                report, where, center, ["prior_partial"], {"prior_partial": "prior_partial_"}
            )
    parent = summary.get("cost_centers")
    if isinstance(parent, list):
        names = [c.get("name") for c in centers if isinstance(c, dict)]
        expected = [c.get("name") for c in parent if isinstance(c, dict)]
        if names != expected:
            report.add("mtd_comparison.cost_centers are not the cost_centers, in the same order")


# Parquet (§6, §7)


def period_labels(period: str) -> tuple[str, str, str]:
    """§5: the current, previous and year-ago months of a period, in that order."""
    start = parse_period(period)
    return (
        period,
        add_months(start, -1).strftime("%Y-%m"),
        add_months(start, -12).strftime("%Y-%m"),
    )


def _read_parquet(
    store: ObjectStore,
    key: str,
    columns: Sequence[tuple[str, pa.DataType]],
    problems: list[str],
    optional: Sequence[tuple[str, pa.DataType]] = (),
) -> pa.Table | None:
    """The table when the file exists, is Parquet, has the contract's columns and no nulls."""
    report = _Report(key, problems)
    stored = store.get(key)
    if stored is None:
        report.add("is missing")
        return None
    try:
        # use_threads=False: pyarrow 26's thread pool can abort the process at exit
        # ("terminate called without an active exception"); these files are small.
        table = pq.read_table(pa.BufferReader(stored.body), use_threads=False)
    except (pa.ArrowException, OSError) as error:
        report.add(f"is not a readable Parquet file ({error})")
        return None
    found = [(field.name, field.type) for field in table.schema]
    if found not in (list(columns), [*columns, *optional]):
        report.add(f"has columns {_columns(found)}, expected {_columns(columns)}")
        return None
    for name in table.column_names:
        nulls = table.column(name).null_count
        if nulls:
            report.add(f"column {name} has {nulls} null(s)")
    return table


def _check_workload_parquet(
    store: ObjectStore,
    period: str,
    labels: tuple[str, ...],
    summary: dict | None,
    problems: list[str],
) -> None:
    """§6: one row per (cost center, workload, period) for the three periods, zero-filled."""
    key = f"{period}/{WORKLOAD_PARQUET}"
    table = _read_parquet(store, key, WORKLOAD_COLUMNS, problems)
    if table is None:
        return
    report = _Report(key, problems)
    rows = table.to_pylist()
    _check_row_periods(report, rows, labels)
    keys = Counter((r["cost_center"], r["workload"], r["period"]) for r in rows)
    for (center, workload, label), count in sorted(keys.items()):
        if count > 1:
            report.add(f"has {count} rows for ({center}, {workload}, {label})")
    pairs = sorted({(center, workload) for center, workload, _ in keys})
    for center, workload in pairs:
        missing = [label for label in labels if (center, workload, label) not in keys]
        if missing:
            report.add(f"has no row for ({center}, {workload}) in {', '.join(missing)}")
    if summary is not None and isinstance(summary.get("cost_centers"), list):
        _compare_with_summary(report, rows, labels, summary["cost_centers"])


def _compare_with_summary(
    report: _Report, rows: list[dict], labels: tuple[str, ...], centers: list
) -> None:
    """The unrounded rows must round to the summary's workload amounts."""
    amounts = {(r["cost_center"], r["workload"], r["period"]): r["cost_usd"] for r in rows}
    shown: dict[tuple[str, str], dict] = {}
    for center in centers:
        if not _conforms(center, NO_YOY_COST_CENTER_FIELDS):
            return  # the summary's own problems are reported; comparing would only echo them
        for workload in center["workloads"]:
            if not _conforms(workload, NO_YOY_WORKLOAD_FIELDS):
                return
            shown[(center["name"], workload["name"])] = workload
        if any(f"{prefix}split_charge_in_usd" in center for prefix in SPLIT_PREFIXES.values()):
            # the "(split charge)" row of each period: in - out (0 where no rule applied)
            shown[(center["name"], SPLIT_CHARGE_WORKLOAD)] = {
                f"{label}_cost_usd": _split_net(center, prefix)
                for label, prefix in SPLIT_PREFIXES.items()
            }
    listed = set(shown)
    for pair, workload in shown.items():
        for label, period in zip(LABELS, labels, strict=True):
            stored = amounts.get((*pair, period))
            amount = workload.get(f"{label}_cost_usd")
            if amount is None:  # the year-ago month is unavailable: nothing to compare
                continue
            # a split row is in - out, each rounded on its own in the summary: 1 cent apart
            tolerance = CENT if pair[1] == SPLIT_CHARGE_WORKLOAD else CENT / 2
            if stored is not None and abs(stored - amount) > tolerance + _EPSILON:
                report.add(
                    f"cost_usd of ({pair[0]}, {pair[1]}, {period}) is {stored}, but the "
                    f"summary shows {amount}"
                )
    in_rows = {(center, workload) for center, workload, _ in amounts}
    for center, workload in sorted(in_rows - listed):
        report.add(f"has ({center}, {workload}), which the summary's cost_centers do not list")
    for center, workload in sorted(listed - in_rows):
        report.add(f"has no rows for ({center}, {workload}), which the summary lists")


def _conforms(value: Any, spec: Mapping[str, _Type]) -> bool:
    """Whether `value` has every field of `spec` with its type (reports nothing)."""
    return isinstance(value, dict) and all(
        name in value and kind.accepts(value[name]) for name, kind in spec.items()
    )


def _check_usage_parquet(
    store: ObjectStore, period: str, labels: tuple[str, ...], problems: list[str]
) -> None:
    """§7: categories, non-zero rows, one row per key, sorted by period, workload, usage type."""
    key = f"{period}/{USAGE_PARQUET}"
    table = _read_parquet(store, key, USAGE_COLUMNS, problems, USAGE_DETAIL_COLUMNS)
    if table is None:
        return
    report = _Report(key, problems)
    rows = table.to_pylist()
    detail = [name for name, _ in USAGE_DETAIL_COLUMNS if name in table.column_names]
    _check_row_periods(report, rows, labels)
    for category in sorted({r["category"] for r in rows} - CATEGORIES):
        report.add(f"has category {category!r}, expected one of {', '.join(sorted(CATEGORIES))}")
    empty = sum(1 for r in rows if r["cost_usd"] == 0 and r["usage_quantity"] == 0)
    if empty:
        report.add(f"has {empty} row(s) with neither cost nor quantity")
    order = [(r["period"], r["workload"], r["usage_type"]) for r in rows]
    if order != sorted(order):
        report.add("rows are not sorted by period, workload, usage_type")
    keys = [(*key, *(r[name] for name in detail)) for key, r in zip(order, rows, strict=True)]
    for (label, workload, usage_type, *rest), count in sorted(Counter(keys).items()):
        if count > 1:
            key = ", ".join((workload, usage_type, *rest, label))
            report.add(f"has {count} rows for ({key})")


def _check_row_periods(report: _Report, rows: list[dict], labels: tuple[str, ...]) -> None:
    for label in sorted({r["period"] for r in rows} - set(labels)):
        report.add(f"has rows for period {label!r}, which is not one of {', '.join(labels)}")


def _columns(columns: Sequence[tuple[str, pa.DataType]]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns)


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
