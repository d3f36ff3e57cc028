"""Sums, merges and the §7 rows of a window's usage lines, computed on their columns.

A large account's window has ~60,000 usage lines and each feeds up to three summaries, so
these run on Arrow columns (`model.UsageLines`) in a few calls each, never a Python step
per line. Money stays exact: the columns are decimals, and every sum leaves here as a
`Decimal` (`model.exact`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from dapanoskop.columns import AMOUNT, amounts, doubles, exact
from dapanoskop.model import UsageLines

UNTAGGED = "Untagged"
# The §7 row keys of one window, in sort order; "" where the source gives no service/account.
ROW_KEYS = ("workload", "usage_type", "service", "account_id")


def total_cost(lines: UsageLines) -> Decimal:
    return _sum(lines.table.column("cost"))


def tagged_and_untagged(lines: UsageLines) -> tuple[Decimal, Decimal]:
    """(tagged, untagged) cost; untagged is cost with an empty workload tag."""
    table = lines.table
    untagged_mask = pc.equal(table.column("workload"), "")
    untagged = _sum(pc.filter(table.column("cost"), untagged_mask))
    return total_cost(lines) - untagged, untagged


def cost_by_workload(lines: UsageLines) -> dict[str, Decimal]:
    """Raw workload tag value -> its cost in the window."""
    if not len(lines):
        return {}
    summed = lines.table.group_by("workload", use_threads=False).aggregate([("cost", "sum")])
    return {
        workload: exact(cost)
        for workload, cost in zip(
            summed.column("workload").to_pylist(),
            summed.column("cost_sum").to_pylist(),
            strict=True,
        )
    }


def usage_types(lines: UsageLines) -> list[str]:
    """The distinct usage types of the window."""
    return pc.unique(lines.table.column("usage_type")).to_pylist()


def cost_of_usage_types(
    lines: UsageLines, chosen: Collection[str], *, tagged_only: bool = False
) -> Decimal:
    """Cost of the lines whose usage type is in `chosen` (only tagged ones if asked)."""
    if not chosen:
        return Decimal(0)
    table = lines.table
    mask = pc.is_in(table.column("usage_type"), value_set=pa.array(sorted(chosen), pa.string()))
    if tagged_only:
        mask = pc.and_(mask, pc.not_equal(table.column("workload"), ""))
    return _sum(pc.filter(table.column("cost"), mask))


def usage_type_rows(lines: UsageLines) -> pa.Table:
    """§7 rows of one window before categories: workload named (untagged -> `Untagged`),
    lines with the same (workload, usage type, service, account) merged, rows whose cost and
    quantity are both 0 left out, sorted by the keys (code points, as Python sorts strings).

    Lines merge only when two raw tag values get the same name ("" and a literal
    "Untagged"), or when a source sends the same key twice; they then share a usage type and
    so a unit, and their quantities add up. Columns: ROW_KEYS, cost, quantity (exact) and
    their doubles (cost_double, quantity_double: what the file publishes).
    """
    table = lines.table
    workload = table.column("workload")
    named = pc.if_else(pc.equal(workload, ""), UNTAGGED, workload)
    rows = pa.table(
        {
            "workload": named,
            "usage_type": table.column("usage_type"),
            "service": table.column("service"),
            "account_id": table.column("account_id"),
            "cost": table.column("cost"),
            "quantity": table.column("quantity"),
            "cost_double": table.column("cost_double"),
            "quantity_double": table.column("quantity_double"),
        }
    )
    rows = _sorted(rows)
    if _has_repeated_keys(rows):
        exact_rows = rows.set_column(5, "quantity", amounts(rows.column("quantity")))
        merged = (
            exact_rows.group_by(list(ROW_KEYS), use_threads=False)
            .aggregate([("cost", "sum"), ("quantity", "sum")])
            .rename_columns([*ROW_KEYS, "cost", "quantity"])
        )
        quantity = merged.column("quantity").cast(pa.string())
        merged = merged.set_column(5, "quantity", quantity)
        merged = merged.append_column("cost_double", doubles(merged.column("cost")))
        rows = _sorted(merged.append_column("quantity_double", doubles(quantity)))
    zero = pa.scalar(0, AMOUNT)
    # a quantity (decimal text) is 0 exactly when its double is, unless it is below 1e-307
    # in magnitude (no bill's quantity is); its text need not be parsed again for that
    nonzero = pc.or_(
        pc.not_equal(rows.column("cost"), zero), pc.not_equal(rows.column("quantity_double"), 0)
    )
    return rows.filter(nonzero)


def categories_of(
    usage_type: pa.ChunkedArray | pa.Array, classify: Callable[[str], str]
) -> pa.Array:
    """The category column of a usage-type column: `classify` is asked once per usage type."""
    encoded = pc.dictionary_encode(usage_type)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    names = pa.array([classify(name) for name in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(names, encoded.indices)


def _sorted(rows: pa.Table) -> pa.Table:
    """Rows in key order; service and account take no part when they are "" throughout
    (always with Cost Explorer), which makes the sort about a third faster."""
    keys = [key for key in ROW_KEYS if key in ROW_KEYS[:2] or varies(rows.column(key))]
    order = pc.sort_indices(rows, sort_keys=[(key, "ascending") for key in keys])
    return rows.take(order)


def varies(column: pa.ChunkedArray) -> bool:
    """True when a text column holds anything but ""."""
    return len(column) > 0 and bool(pc.max(pc.binary_length(column)).as_py())


def _has_repeated_keys(rows: pa.Table) -> bool:
    """True when two neighbours of the sorted rows have the same keys."""
    if rows.num_rows < 2:
        return False
    same = None
    for key in ROW_KEYS:
        column = rows.column(key)
        equal = pc.equal(column.slice(1), column.slice(0, rows.num_rows - 1))
        same = equal if same is None else pc.and_(same, equal)
    return bool(pc.any(same).as_py())


def _sum(column: pa.ChunkedArray | pa.Array) -> Decimal:
    return exact(pc.sum(column).as_py())
