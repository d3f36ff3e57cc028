"""Numbers as the page shows them: rounding happens here and only here.

Money is rounded half-up to the cent (what people expect from a bill), percentages to one
decimal. Minus signs are the typographic U+2212 so negative numbers line up and are not
mistaken for dashes; arrows say up or down without relying on colour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from dapanoskop.periods import parse_period

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MINUS = "\u2212"
UP = "\u25b2"
DOWN = "\u25bc"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def usd(value: Decimal) -> str:
    """`Decimal("-1234.565")` -> `-$1,234.57` (with U+2212 as the minus sign)."""
    rounded = value.quantize(CENT, ROUND_HALF_UP)
    sign = MINUS if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def signed_usd(value: Decimal) -> str:
    """A change in dollars: always signed, `+$12.30` / `-$12.30` / `$0.00`."""
    rounded = value.quantize(CENT, ROUND_HALF_UP)
    sign = "+" if rounded > 0 else MINUS if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def usd_short(value: float) -> str:
    """Axis and bar labels: `$950`, `$17.8k`, `$1.25M`."""
    size = abs(value)
    sign = MINUS if value < 0 else ""
    if size >= 1_000_000:
        return f"{sign}${size / 1_000_000:.3g}M"
    if size >= 1_000:
        return f"{sign}${size / 1_000:.3g}k"
    return f"{sign}${size:.0f}"


def percent(value: Decimal) -> str:
    """A share: `92.7%`."""
    return f"{value.quantize(TENTH, ROUND_HALF_UP)}%".replace("-", MINUS)


def signed_percent(value: Decimal) -> str:
    """A change in percent: `+28.0%`, `-3.1%`, `0.0%`."""
    rounded = value.quantize(TENTH, ROUND_HALF_UP)
    sign = "+" if rounded > 0 else MINUS if rounded < 0 else ""
    return f"{sign}{abs(rounded)}%"


def signed_points(value: Decimal) -> str:
    """A change of a percentage, in percentage points: `+0.3 pp`."""
    rounded = value.quantize(TENTH, ROUND_HALF_UP)
    sign = "+" if rounded > 0 else MINUS if rounded < 0 else ""
    return f"{sign}{abs(rounded)} pp"


def arrow(value: Decimal | None) -> str:
    """▲ for up, ▼ for down, nothing for no change or unknown."""
    if value is None or value == 0:
        return ""
    return UP if value > 0 else DOWN


_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def size(value: Decimal | int) -> str:
    """Bytes in binary units with one decimal: `745.3 TiB`."""
    amount = Decimal(value)
    unit = 0
    while abs(amount) >= 1024 and unit < len(_BINARY_UNITS) - 1:
        amount /= 1024
        unit += 1
    if unit == 0:
        return f"{int(amount)} B"
    return f"{amount.quantize(TENTH, ROUND_HALF_UP)} {_BINARY_UNITS[unit]}"


def month_name(period: str) -> str:
    """`2026-10` -> `October 2026`."""
    first = parse_period(period)
    return f"{MONTHS[first.month - 1]} {first.year}"


def month_short(period: str) -> str:
    """`2026-10` -> `Oct 2026`."""
    first = parse_period(period)
    return f"{MONTHS[first.month - 1][:3]} {first.year}"


def timestamp(value: datetime) -> str:
    """`2026-11-26 06:00 UTC`."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def sort_key(value: Decimal | None) -> str:
    """A plain number for the page's column sorting; empty when there is none."""
    return "" if value is None else f"{value.quantize(CENT, ROUND_HALF_UP)}"
