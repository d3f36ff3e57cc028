"""Cost Explorer's GetCostAndUsage groups into the collector's lines: one parser for every
grouping.

A page's groups arrive as an Arrow array (`costexplorer._decode_results_fast`) or, from a
client without that decoder, as botocore's dicts; `page_parts` takes either apart into text
columns without a Python object per group, and `window_lines` turns a window's pages into
its lines once they are all there: exact columns (`model.UsageLines`) for App x usage type,
records for the small groupings. Group keys are documented in shared/aws-facts.md ("Group
keys": one per GroupBy item, TAG and COST_CATEGORY keys as `key$value`, `key$` untagged).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from dapanoskop.model import (
    AccountLine,
    ChargeLine,
    CostCenterLine,
    Grouping,
    ServiceLine,
    UsageLines,
)

USAGE_QUANTITY = "UsageQuantity"


def _value(key: str) -> str:
    """`App$genome` -> `genome`; `App$` -> `` (no value). Dimension keys have no `$` prefix.

    Interned: the same few thousand names recur in every month and grouping, and one copy
    of each is a large part of a big account's memory.
    """
    _, sep, value = key.partition("$")
    return sys.intern(value if sep else key)


def _cost_name(metric_names: Iterable[str]) -> str:
    """The cost metric of a group: every group has exactly one next to UsageQuantity."""
    for name in metric_names:
        if name != USAGE_QUANTITY:
            return name
    raise KeyError("no cost metric in the group")


_KEYS = pa.list_(pa.string())


def _groups_array(groups: Sequence[Mapping[str, Any]] | pa.StructArray) -> pa.StructArray:
    """A page's groups as Arrow: decoded so by `costexplorer` already, or botocore's dicts
    (a client without that decoder, e.g. botocore's Stubber)."""
    return groups if isinstance(groups, pa.Array) else pa.array(list(groups))


def _fields(struct: pa.StructArray) -> dict[str, pa.Array]:
    """The children of a struct column by name (`flatten`: offsets and nulls applied)."""
    return {field.name: child for field, child in zip(struct.type, struct.flatten(), strict=True)}


class _Page(NamedTuple):
    """One page of groups as Cost Explorer wrote them: the groups' keys and their amounts'
    text (quantity and unit None: no group of the page had them)."""

    keys: pa.ListArray
    cost: pa.Array
    quantity: pa.Array | None
    unit: pa.Array | None


def page_parts(groups: Sequence[Mapping[str, Any]] | pa.StructArray) -> _Page:
    """One page's groups, taken apart into columns without a Python object per group and
    with as few Arrow calls as can be (a large backfill has ~1,500 pages): the rest is done
    once a window's pages are all there. Every group of a request has the same cost metric.
    """
    group = _fields(_groups_array(groups))
    metrics = _fields(group["Metrics"])
    cost = _fields(metrics[_cost_name(metrics)])["Amount"]
    quantity = _fields(metrics[USAGE_QUANTITY]) if USAGE_QUANTITY in metrics else {}
    return _Page(group["Keys"], cost, quantity.get("Amount"), quantity.get("Unit"))


class _Text(NamedTuple):
    """A window's groups, all pages together: each key, cost, quantity and unit as text."""

    keys: list[pa.Array]
    cost: pa.Array
    quantity: pa.Array
    unit: pa.Array


def _window_text(pages: Sequence[_Page], key_count: int) -> _Text:
    """The pages' columns joined; a group without UsageQuantity (none is documented) has 0
    of it and no unit. ValueError for a group without its cost or its keys."""
    if not pages:
        empty = pa.array([], pa.string())
        return _Text([empty] * key_count, empty, empty, empty)
    keys = pa.concat_arrays([_typed(page.keys, _KEYS) for page in pages])
    cost = pa.concat_arrays([_typed(page.cost, pa.string()) for page in pages])
    lengths = pc.min_max(pc.list_value_length(keys)).as_py()
    if cost.null_count or lengths != {"min": key_count, "max": key_count}:
        raise ValueError(f"a group without its cost or without its {key_count} keys")
    return _Text(
        [pc.list_element(keys, index) for index in range(key_count)],
        cost,
        _text_of(pages, lambda page: page.quantity, "0"),
        _text_of(pages, lambda page: page.unit, ""),
    )


def _text_of(
    pages: Sequence[_Page], column: Callable[[_Page], pa.Array | None], default: str
) -> pa.Array:
    """One text column of all pages; `default` where a group did not have it."""
    parts = [
        pa.nulls(len(page.cost), pa.string()) if column(page) is None else column(page)
        for page in pages
    ]
    return pc.fill_null(pa.concat_arrays([_typed(part, pa.string()) for part in parts]), default)


def _typed(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """`array` as `kind` (a page whose groups all lacked a value has it as nulls of no type);
    no cast when it already is one (a large backfill has thousands of pages)."""
    return array if array.type == kind else array.cast(kind)


def _usage_window(pages: Sequence[_Page]) -> UsageLines:
    """App x usage type: columns all the way (a large account has ~60,000 lines a window)."""
    text = _window_text(pages, 2)
    workload, usage_type = text.keys
    return UsageLines.from_columns(
        _tag_values(workload), usage_type, text.cost, text.quantity, text.unit
    )


def _tag_values(keys: pa.Array) -> pa.Array:
    """`App$genome` -> `genome`, `App$` -> `` for a column of tag keys, as `_value` does.

    Cost Explorer writes every TAG and COST_CATEGORY key as `key$value` with one key per
    column (and tag keys have no `$`), so the values are what follows the same prefix: cut
    off when every key has it; otherwise (none is documented) each key goes through `_value`.
    No regular expression: the Lambda's pyarrow (the AWS SDK for pandas layer, built from
    source) is only sure to have the plain string kernels.
    """
    first = keys[0].as_py() if len(keys) else None
    if first is not None and "$" in first:
        prefix = first[: first.index("$") + 1]
        if pc.all(pc.starts_with(keys, prefix)).as_py():
            return pc.utf8_slice_codeunits(keys, start=len(prefix))
    return pa.array([_value(key) for key in keys.to_pylist()], pa.string())


def _records(
    make: Callable[[str, str, Decimal, str, str], Any], *, key_count: int = 2, tags: bool = False
) -> Callable[[Sequence[_Page]], tuple[Any, ...]]:
    """A window of a small grouping as records: `make(key_1, key_2, cost, quantity, unit)`
    each ("" for a second key the grouping has not). With `tags`, both keys are `key$value`
    (TAG, COST_CATEGORY) and only their values are kept."""

    def window(pages: Sequence[_Page]) -> tuple[Any, ...]:
        text = _window_text(pages, key_count)
        keys = [_tag_values(key) if tags else key for key in text.keys]
        firsts = [sys.intern(key) for key in keys[0].to_pylist()]
        seconds = [sys.intern(key) for key in keys[1].to_pylist()] if key_count > 1 else None
        return tuple(
            make(first, second, Decimal(cost), quantity, unit)
            for first, second, cost, quantity, unit in zip(
                firsts,
                seconds or [""] * len(firsts),
                text.cost.to_pylist(),
                text.quantity.to_pylist(),
                text.unit.to_pylist(),
                strict=True,
            )
        )

    return window


def window_lines(grouping: Grouping, pages: Sequence[_Page]) -> Any:
    """A window's lines of `grouping` from the parts of its pages (`page_parts`): UsageLines
    for App x usage type, a tuple of records for the other groupings."""
    return _WINDOWS[grouping](pages)


_WINDOWS: dict[Grouping, Callable[[Sequence[_Page]], Any]] = {
    Grouping.WORKLOAD_USAGE_TYPE: _usage_window,
    Grouping.WORKLOAD_COST_CENTER: _records(
        lambda workload, center, cost, _q, _u: CostCenterLine(workload, center, cost), tags=True
    ),
    Grouping.SERVICE_USAGE_TYPE: _records(
        lambda service, usage_type, cost, quantity, unit: ServiceLine(
            service, usage_type, cost, Decimal(quantity), sys.intern(unit)
        )
    ),
    Grouping.RECORD_TYPE_USAGE_TYPE: _records(
        lambda record_type, usage_type, cost, _q, _u: ChargeLine(record_type, usage_type, cost)
    ),
    Grouping.LINKED_ACCOUNT: _records(
        lambda account, _, cost, _q, _u: AccountLine(account, "", cost), key_count=1
    ),
}
