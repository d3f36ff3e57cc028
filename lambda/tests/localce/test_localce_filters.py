"""GetCostAndUsage filters: every expression form, match options and malformed expressions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from localce_support import ACCOUNT_B, EC2, OCTOBER, S3, amounts


def october_total(client: Any, expression: dict[str, Any]) -> str:
    response = client.get_cost_and_usage(
        TimePeriod=OCTOBER, Granularity="MONTHLY", Metrics=["UnblendedCost"], Filter=expression
    )
    return response["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]


def dimension(key: str, *values: str, **extra: Any) -> dict[str, Any]:
    return {"Dimensions": {"Key": key, "Values": list(values), **extra}}


def tag(key: str, *values: str, options: list[str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"Key": key, "Values": list(values)}
    if options is not None:
        spec["MatchOptions"] = options
    return {"Tags": spec}


# Expected totals refer to the October items table in localce_support.october_items.
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # S3: 10.50 + 0.25 + 3.125 - 2.00
        (dimension("SERVICE", S3), "11.875"),
        # values of one leaf are ORed: 11.875 + 20
        (dimension("SERVICE", S3, EC2), "31.875"),
        (dimension("REGION", "eu-west-1"), "20"),
        # account B: 3.125 + 1.10
        (dimension("LINKED_ACCOUNT", ACCOUNT_B), "4.225"),
        (dimension("USAGE_TYPE", "BoxUsage:m5.large", MatchOptions=["EQUALS"]), "20"),
        # web: 10.50 + 0.25 - 2.00
        (tag("App", "web"), "8.75"),
        (tag("App", "web", "batch"), "28.75"),
        # untagged: items 4 and 5 = 3.125 + 1.10
        (tag("App", options=["ABSENT"]), "4.225"),
        # ABSENT or batch: 4.225 + 20
        (tag("App", "batch", options=["ABSENT", "EQUALS"]), "24.225"),
        # case-sensitive: "WEB" is not "web"
        (tag("App", "WEB", options=["EQUALS", "CASE_SENSITIVE"]), "0"),
        # not covered by the cost category: items 3 and 5 = 20 + 1.10
        ({"CostCategories": {"Key": "CostCenter", "MatchOptions": ["ABSENT"]}}, "21.10"),
        ({"CostCategories": {"Key": "CostCenter", "Values": ["Research"]}}, "8.75"),
        # excluding credits and tax: 10.50 + 0.25 + 20 + 3.125
        ({"Not": dimension("RECORD_TYPE", "Credit", "Tax")}, "33.875"),
        # tagged S3: 10.50 + 0.25 - 2.00
        (
            {"And": [dimension("SERVICE", S3), {"Not": tag("App", options=["ABSENT"])}]},
            "8.75",
        ),
        # account B or App=batch: 4.225 + 20
        ({"Or": [dimension("LINKED_ACCOUNT", ACCOUNT_B), tag("App", "batch")]}, "24.225"),
    ],
)
def test_filter_selects_the_matching_items(october_ce, expression, expected):
    assert october_total(october_ce, expression) == expected


def test_filter_applies_before_grouping(october_ce):
    response = october_ce.get_cost_and_usage(
        TimePeriod=OCTOBER,
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "COST_CATEGORY", "Key": "CostCenter"}],
        Filter={"Not": tag("App", options=["ABSENT"])},
    )
    # tagged items only: 1, 2, 6 (Research, 8.75) and 3 (uncovered, 20)
    groups = response["ResultsByTime"][0]["Groups"]
    assert amounts(groups) == {"CostCenter$": "20", "CostCenter$Research": "8.75"}


@pytest.mark.parametrize(
    ("expression", "message_part"),
    [
        ({**dimension("SERVICE", S3), **tag("App", "web")}, "more than one roots"),
        ({"And": [dimension("SERVICE", S3)], "Not": tag("App", "x")}, "more than one roots"),
        ({"Not": {**tag("App", "x"), "Or": [tag("App", "y")]}}, "more than one roots"),
        ({}, "no root"),
        (dimension("SERVICE", S3, MatchOptions=["ABSENT"]), "MatchOptions"),
        (tag("App", "web", options=["STARTS_WITH"]), "MatchOptions"),
        (dimension("SERVICE"), "needs Values"),
        (dimension("AZ", "us-east-1a"), "not supported"),
    ],
)
def test_malformed_filters_are_validation_errors(october, october_ce, expression, message_part):
    with pytest.raises(ClientError) as raised:
        october_total(october_ce, expression)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert message_part in error["Message"]
    assert october.request_count() == 1
