"""Exact columns: amounts, their published doubles, and records held column by column.

The one place that decides how money and quantities live in Arrow columns (the App x
usage-type grouping of a large account has tens of thousands of lines a window), so that
parsing, processing and the files agree: costs as `decimal256(76, 38)` from Cost Explorer's
strings, quantities as their exact decimal text, and the doubles the files publish made
from that text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Context, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# Exact amounts in columns: 38 digits before the point and 38 after it (Arrow decimal256).
# Cost Explorer's `Amount` is a decimal string of no documented precision (shared/aws-facts.md);
# 38 places hold every digit of any amount a bill has, and one with more is refused by name
# rather than rounded (`amounts`). Sums of a column stay exact: Arrow adds decimals as
# integers of the same scale.
AMOUNT = pa.decimal256(76, 38)
# Leaves a Decimal out of a column with its value and no trailing zeros: 12.5, not 12.50...0
# (38 places), so Decimal arithmetic after it (34 digits) is as exact as on the parsed string.
_WIDE = Context(prec=200)


def doubles(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Exact amounts (AMOUNT) or their decimal text as the nearest doubles, like
    `float(Decimal(text)) + 0.0` one at a time (a negative zero becomes 0.0).

    Through the decimal text: Arrow's text-to-double parsing rounds correctly, its direct
    decimal-to-double cast does not always (measured: 1 in 4 random values differed by one
    unit in the last place). From text this is ~10x faster than from decimals, which is why
    the collector keeps the doubles of the text it parsed.
    """
    if pa.types.is_decimal(values.type):
        values = pc.cast(values, pa.string())
    return pc.add(pc.cast(values, pa.float64()), 0.0)


def amounts(values: Sequence[str] | Sequence[Decimal] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Decimal strings (as Cost Explorer sends them) or Decimals as an exact AMOUNT column.

    ValueError, naming the problem, for a value that is not a decimal number or has more
    digits than AMOUNT keeps: nothing is ever rounded on the way in.
    """
    try:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return values.cast(AMOUNT)
        if values and isinstance(values[0], Decimal):
            return pa.array(values, type=AMOUNT)
        return pa.array(values, type=pa.string()).cast(AMOUNT)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(
            f"an amount is not a decimal number with at most 38 digits before and after the "
            f"point: {error}"
        ) from error


def exact(value: Decimal | None) -> Decimal:
    """A Decimal taken out of an AMOUNT column, trailing zeros dropped (never rounded); None
    (the sum of nothing) is 0."""
    if value is None or not value:
        return Decimal(0)
    return value.normalize(_WIDE)


def text(values: pa.Array | pa.ChunkedArray | Sequence[str]) -> pa.Array:
    """A string column from Python strings or an Arrow (chunked) array of them."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    return pa.array(values, pa.string())


class Columns[R]:
    """Records held column by column in an Arrow table, for the few kinds a large account has
    tens of thousands of: no Python object per record unless one iterates.

    Iterating gives the records (`_record`, for tests and small data); equality holds with
    the same kind of columns, or with a sequence of the same records in the same order.
    """

    __slots__ = ("table",)

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def _record(self, values: Sequence[Any]) -> R:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.table.num_rows

    def __iter__(self) -> Iterator[R]:
        columns = [column.to_pylist() for column in self.table.columns]
        for values in zip(*columns, strict=True):
            yield self._record(values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.table.equals(other.table)
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({tuple(self)!r})"


def quantity_text(values: Any) -> pa.Array:
    """Quantities as exact decimal text: Cost Explorer's strings as they are, Decimals and
    AMOUNT columns written out (`str`, Arrow's decimal text: both exact)."""
    values = as_text(values)
    if isinstance(values, pa.Array):
        return values if pa.types.is_string(values.type) else values.cast(pa.string())
    return pa.array([str(value) for value in values], pa.string())


def finite(published: pa.Array) -> pa.Array:
    """`published` (doubles of decimal text), refusing text that was not a decimal number."""
    if len(published) and not pc.all(pc.is_finite(published)).as_py():
        raise ValueError("a quantity is not a decimal number")
    return published


def as_text(values: Any) -> Any:
    """Amounts given as Python strings as an Arrow string array (others unchanged)."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if not isinstance(values, pa.Array) and values and isinstance(values[0], str):
        return pa.array(values, pa.string())
    return values


def doubles_of(given: Any, exact_values: pa.Array) -> pa.Array:
    """The doubles of amounts given as text (cheap) or, else, of their exact values."""
    is_text = isinstance(given, pa.Array) and pa.types.is_string(given.type)
    return doubles(given if is_text else exact_values)
