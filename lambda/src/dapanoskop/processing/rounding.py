"""Rounding at the output edge (contract §3): exact decimals in, JSON numbers out.

Everything before this point is exact `Decimal` arithmetic; these are the only places where
a number loses digits, always half-up, so 2.345 dollars shows as 2.35.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_ONE = Decimal(1)


def cents(amount: Decimal) -> Decimal:
    """Dollars as published: 2 decimals, half-up. Lists are ordered by this, not the exact
    amount, so two workloads at 2811.8113 and 2811.8085 (both 2811.81) are ordered by name,
    as a reader of the file (and `dapanoskop check`) sees them."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> float:
    """Dollars to 2 decimals."""
    if not amount:
        return 0.0  # most often: a workload without cost in a comparison period
    return _plain_float(cents(amount))


def percent(value: Decimal) -> float:
    """A percentage to 1 decimal."""
    return _plain_float(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


def whole(value: Decimal) -> int:
    """A count (bytes) to an integer."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def _plain_float(value: Decimal) -> float:
    # -0.004 rounds to Decimal("-0.00"); adding 0.0 turns the float -0.0 into 0.0, so the
    # JSON never shows "-0.0".
    return float(value) + 0.0
