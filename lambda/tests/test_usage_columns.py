"""Usage lines as exact columns (model.UsageLines, processing.usage): the same numbers the
one-line-at-a-time Decimal code gave, to the last digit, and the doubles it published."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapanoskop.columns import amounts, doubles, exact
from dapanoskop.model import UsageLine, UsageLines
from dapanoskop.processing import usage
from dapanoskop.processing.rows import UsageTypeRow, UsageTypeRows

# Amounts as Cost Explorer could write them: up to 38 digits before and after the point,
# plain or with an exponent, negative, zero with a sign.
_amounts = st.decimals(
    min_value=Decimal("-1E+20"), max_value=Decimal("1E+20"), allow_nan=False, places=None
).filter(lambda d: d.as_tuple().exponent >= -38 and d.adjusted() < 38)
_texts = st.one_of(
    _amounts.map(str),
    _amounts.map(lambda d: f"{d:E}" if d.as_tuple().exponent >= -30 else str(d)),
    st.sampled_from(["-0.00", "0", "1E-10", "0.0000001234", "1E+3", "-5.5e-7"]),
)


@given(st.lists(_texts, max_size=40))
@settings(max_examples=200, deadline=None)
def test_amounts_keep_every_digit_and_sums_are_exact(texts: list[str]) -> None:
    column = amounts(texts)

    assert [exact(value) for value in column.to_pylist()] == [Decimal(t) for t in texts]
    lines = UsageLines.from_columns(
        ["w"] * len(texts), ["u"] * len(texts), texts, texts, ["U"] * len(texts)
    )
    with localcontext(Context(prec=100)):  # the default 28 digits would round the expected sum
        expected = sum((Decimal(t) for t in texts), Decimal(0))
    assert usage.total_cost(lines) == expected


@given(st.lists(_texts, max_size=40))
@settings(max_examples=200, deadline=None)
def test_doubles_are_the_nearest_doubles_from_text_and_from_decimals(texts: list[str]) -> None:
    """What the Parquet files publish: float(Decimal(text)) + 0.0, whichever way made."""
    expected = [float(Decimal(t)) + 0.0 for t in texts]
    import pyarrow as pa

    from_text = doubles(pa.array(texts, pa.string())).to_pylist()
    from_decimals = doubles(amounts(texts)).to_pylist()

    assert from_text == expected
    assert from_decimals == expected
    assert all(str(value) != "-0.0" for value in from_text + from_decimals)


def test_an_amount_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        amounts(["12.5", "twelve"])
    with pytest.raises(ValueError, match="at most 38 digits"):
        amounts(["1E+40"])


def test_rows_merge_untagged_with_a_literal_untagged_and_drop_all_zero_rows() -> None:
    lines = UsageLines.from_lines(
        [
            UsageLine("web", "BoxUsage", Decimal("0.10"), Decimal("1"), "Hrs"),
            UsageLine("", "BoxUsage", Decimal("1E-10"), Decimal("2"), "Hrs"),
            UsageLine("Untagged", "BoxUsage", Decimal("2.5"), Decimal("0.5"), "Hrs"),
            UsageLine("batch", "Requests", Decimal("0"), Decimal("0"), "Requests"),
            UsageLine("Zeta", "Requests", Decimal("-1"), Decimal("0"), "Requests"),
        ]
    )

    rows = usage.usage_type_rows(lines).to_pylist()

    # sorted by code points: upper case before lower case; "batch" had neither cost nor usage
    assert [(r["workload"], r["usage_type"]) for r in rows] == [
        ("Untagged", "BoxUsage"),
        ("Zeta", "Requests"),
        ("web", "BoxUsage"),
    ]
    untagged = rows[0]
    assert exact(untagged["cost"]) == Decimal("2.5000000001")
    assert Decimal(untagged["quantity"]) == Decimal("2.5")
    assert untagged["cost_double"] == float(Decimal("2.5000000001"))
    assert usage.tagged_and_untagged(lines) == (Decimal("1.6"), Decimal("1E-10"))


def test_usage_type_rows_read_back_as_the_rows_they_hold() -> None:
    rows = (
        UsageTypeRow("web", "BoxUsage", "Compute", "2026-10", Decimal("0.1"), Decimal("3")),
        UsageTypeRow("web", "Tax", "Support", "2026-10", Decimal("-0.000001"), Decimal(0)),
    )
    table = UsageTypeRows.from_rows(rows)

    assert table == rows
    assert table.published.column("cost_usd").to_pylist() == [0.1, -0.000001]
    assert not table.detailed
