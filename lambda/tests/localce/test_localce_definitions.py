"""ListCostCategoryDefinitions / DescribeCostCategoryDefinition, and the reader built on them."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from localce_support import TODAY, october_items

from dapanoskop.costcategories import read_split_rules
from dapanoskop.costexplorer import CostExplorer, CostExplorerError
from dapanoskop.localce import CostCategoryDefinition, CostCategoryVersion, LocalCostExplorer
from dapanoskop.model import SplitChargeRule, SplitMethod

EVEN_RULE = {"Source": "Ops", "Targets": ["Research"], "Method": "EVEN"}
FIXED_RULE = {
    "Source": "",
    "Targets": ["Research", "Ops"],
    "Method": "FIXED",
    "Parameters": [{"Type": "ALLOCATION_PERCENTAGES", "Values": ["60", "40.5"]}],
}
COST_CENTER = CostCategoryDefinition(
    "CostCenter",
    "cc",
    (
        CostCategoryVersion(date(2026, 1, 1), date(2026, 9, 1), split_charge_rules=(EVEN_RULE,)),
        CostCategoryVersion(date(2026, 9, 1), split_charge_rules=(FIXED_RULE,), values=("Ops",)),
    ),
)
ENV = CostCategoryDefinition("Env", "env", (CostCategoryVersion(date(2026, 10, 1)),))


def local(*definitions: CostCategoryDefinition) -> LocalCostExplorer:
    return LocalCostExplorer(october_items(), TODAY, definitions=definitions)


def test_list_shows_the_versions_effective_today_or_on_a_date() -> None:
    client = local(COST_CENTER, ENV).client()
    today = client.list_cost_category_definitions()["CostCategoryReferences"]
    assert [(r["Name"], r["EffectiveStart"], "EffectiveEnd" in r) for r in today] == [
        ("CostCenter", "2026-09-01T00:00:00Z", False),
        ("Env", "2026-10-01T00:00:00Z", False),
    ]
    assert today[0]["CostCategoryArn"] == "arn:aws:ce::123456789012:costcategory/cc"
    assert today[0]["Values"] == ["Ops"]
    march = client.list_cost_category_definitions(EffectiveOn="2026-03-15T00:00:00Z")
    assert [
        (r["Name"], r["EffectiveStart"], r["EffectiveEnd"]) for r in march["CostCategoryReferences"]
    ] == [("CostCenter", "2026-01-01T00:00:00Z", "2026-09-01T00:00:00Z")]


def test_list_pages_with_next_token() -> None:
    client = local(COST_CENTER, ENV).client()
    first = client.list_cost_category_definitions(MaxResults=1)
    second = client.list_cost_category_definitions(MaxResults=1, NextToken=first["NextToken"])
    assert [r["Name"] for r in first["CostCategoryReferences"]] == ["CostCenter"]
    assert [r["Name"] for r in second["CostCategoryReferences"]] == ["Env"]
    assert "NextToken" not in second


def test_describe_answers_the_version_effective_on_the_date() -> None:
    client = local(COST_CENTER).client()
    arn = "arn:aws:ce::123456789012:costcategory/cc"
    old = client.describe_cost_category_definition(
        CostCategoryArn=arn, EffectiveOn="2026-08-01T00:00:00Z"
    )["CostCategory"]
    assert old["SplitChargeRules"] == [EVEN_RULE]
    assert (old["EffectiveStart"], old["EffectiveEnd"]) == (
        "2026-01-01T00:00:00Z",
        "2026-09-01T00:00:00Z",
    )
    current = client.describe_cost_category_definition(CostCategoryArn=arn)["CostCategory"]
    assert current["SplitChargeRules"] == [FIXED_RULE]
    assert "EffectiveEnd" not in current


@pytest.mark.parametrize(
    ("arn", "effective_on"),
    [
        ("arn:aws:ce::123456789012:costcategory/nope", "2026-10-01T00:00:00Z"),
        ("arn:aws:ce::123456789012:costcategory/cc", "2025-12-01T00:00:00Z"),  # before v1
    ],
)
def test_describe_refuses_an_unknown_arn_or_a_date_before_the_first_version(
    arn: str, effective_on: str
) -> None:
    client = local(COST_CENTER).client()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_cost_category_definition(CostCategoryArn=arn, EffectiveOn=effective_on)


# --- the reader ------------------------------------------------------------------------------


def test_reader_gives_each_month_the_rules_of_its_version() -> None:
    fake = local(COST_CENTER)
    ce = CostExplorer(fake.client())
    months = [date(2026, m, 1) for m in (11, 10, 9, 8, 7)] + [date(2025, 11, 1)]

    rules = read_split_rules(ce, "CostCenter", months)

    fixed = (
        SplitChargeRule(
            "", ("Research", "Ops"), SplitMethod.FIXED, (Decimal("60"), Decimal("40.5"))
        ),
    )
    even = (SplitChargeRule("Ops", ("Research",), SplitMethod.EVEN),)
    # 2025-11 lies before the first version: no rules there.
    assert rules == {
        "2026-11": fixed,
        "2026-10": fixed,
        "2026-09": fixed,
        "2026-08": even,
        "2026-07": even,
    }
    assert [(op, p.get("EffectiveOn")) for op, p in fake.requests] == [
        ("ListCostCategoryDefinitions", None),
        ("DescribeCostCategoryDefinition", "2026-11-01T00:00:00Z"),
        ("DescribeCostCategoryDefinition", "2026-08-01T00:00:00Z"),
        ("DescribeCostCategoryDefinition", "2025-11-01T00:00:00Z"),
    ]


def test_reader_without_a_definition_asks_once(caplog: pytest.LogCaptureFixture) -> None:
    fake = local(ENV)
    with caplog.at_level(logging.INFO):
        assert (
            read_split_rules(CostExplorer(fake.client()), "CostCenter", [date(2026, 10, 1)]) == {}
        )
    assert fake.request_count() == 1
    assert "no split charges name=CostCenter" in caplog.text
    assert read_split_rules(CostExplorer(fake.client()), "CostCenter", []) == {}
    assert fake.request_count() == 1


def test_reader_failures_name_the_request() -> None:
    fake = local(COST_CENTER)
    fake.fail_next("DescribeCostCategoryDefinition", "AccessDeniedException")
    with pytest.raises(CostExplorerError, match="DescribeCostCategoryDefinition") as raised:
        read_split_rules(CostExplorer(fake.client()), "CostCenter", [date(2026, 10, 1)])
    assert raised.value.code == "AccessDeniedException"
    assert isinstance(raised.value.__cause__, ClientError)


def test_reader_asks_no_version_for_months_without_categorized_cost() -> None:
    fake = local(COST_CENTER)
    months = [date(2026, 11, 1), date(2026, 7, 1), date(2025, 11, 1)]

    # Only November 2026 has categorized cost: the version read for it covers only itself
    # (from 2026-09); July 2026 and November 2025 are not worth a Describe of their own.
    rules = read_split_rules(CostExplorer(fake.client()), "CostCenter", months, [months[0]])
    assert set(rules) == {"2026-11"}
    assert fake.request_count("DescribeCostCategoryDefinition") == 1

    # With July categorized too, its own version is read; November 2025 still is not.
    fake = local(COST_CENTER)
    rules = read_split_rules(CostExplorer(fake.client()), "CostCenter", months, months[:2])
    assert set(rules) == {"2026-11", "2026-07"}
    assert fake.request_count("DescribeCostCategoryDefinition") == 2

    # Nothing categorized at all: not even the List.
    fake = local(COST_CENTER)
    assert read_split_rules(CostExplorer(fake.client()), "CostCenter", months, []) == {}
    assert fake.request_count() == 0
