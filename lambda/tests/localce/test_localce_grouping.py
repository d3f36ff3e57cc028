"""GetCostAndUsage grouping: key rendering, group order, totals, units and amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from localce_support import ACCOUNT_A, ACCOUNT_B, EC2, OCTOBER, S3, TODAY, amounts, item

from dapanoskop.localce import LocalCostExplorer


def october_groups(client: Any, *group_by: dict[str, str], metrics: list[str] | None = None):
    response = client.get_cost_and_usage(
        TimePeriod=OCTOBER,
        Granularity="MONTHLY",
        Metrics=metrics or ["UnblendedCost"],
        GroupBy=list(group_by),
    )
    [result] = response["ResultsByTime"]
    return response, result


def test_tag_grouping_renders_key_dollar_value_and_untagged_as_key_dollar(october_ce):
    _, result = october_groups(october_ce, {"Type": "TAG", "Key": "App"})
    # App$      = items 4 + 5 = 3.125 + 1.10 = 4.225 (no App tag)
    # App$batch = item 3 = 20
    # App$web   = items 1 + 2 + 6 = 10.50 + 0.25 - 2.00 = 8.75
    assert amounts(result["Groups"]) == {"App$": "4.225", "App$batch": "20", "App$web": "8.75"}
    assert [g["Keys"] for g in result["Groups"]] == [["App$"], ["App$batch"], ["App$web"]]


def test_grouping_by_a_tag_nobody_has_puts_everything_under_key_dollar(october_ce):
    _, result = october_groups(october_ce, {"Type": "TAG", "Key": "Owner"})
    assert amounts(result["Groups"]) == {"Owner$": "32.975"}


def test_cost_category_grouping_puts_uncovered_cost_under_name_dollar(october_ce):
    _, result = october_groups(october_ce, {"Type": "COST_CATEGORY", "Key": "CostCenter"})
    # CostCenter$         = items 3 + 5 = 20 + 1.10 = 21.10
    # CostCenter$Ops      = item 4 = 3.125
    # CostCenter$Research = items 1 + 2 + 6 = 8.75
    assert amounts(result["Groups"]) == {
        "CostCenter$": "21.10",
        "CostCenter$Ops": "3.125",
        "CostCenter$Research": "8.75",
    }


def test_dimension_groups_use_the_raw_value(october_ce):
    def by(key: str) -> dict[str, str]:
        return amounts(october_groups(october_ce, {"Type": "DIMENSION", "Key": key})[1]["Groups"])

    # SERVICE: S3 = 10.50 + 0.25 + 3.125 - 2.00 = 11.875; EC2 = 20; Tax = 1.10
    assert by("SERVICE") == {EC2: "20", S3: "11.875", "Tax": "1.10"}
    # LINKED_ACCOUNT: A = 10.50 + 0.25 + 20 - 2.00 = 28.75; B = 3.125 + 1.10 = 4.225
    assert by("LINKED_ACCOUNT") == {ACCOUNT_A: "28.75", ACCOUNT_B: "4.225"}
    # RECORD_TYPE: Usage = 10.50 + 0.25 + 20 + 3.125 = 33.875
    assert by("RECORD_TYPE") == {"Credit": "-2.00", "Tax": "1.10", "Usage": "33.875"}
    # REGION: us-east-1 = 10.50 + 0.25 - 2.00 = 8.75
    assert by("REGION") == {
        "eu-west-1": "20",
        "global": "1.10",
        "us-east-1": "8.75",
        "us-east-2": "3.125",
    }
    # USAGE_TYPE: TimedStorage-ByteHrs = 8.75 (items 1, 2, 6)
    assert by("USAGE_TYPE") == {
        "BoxUsage:m5.large": "20",
        "Tax": "1.10",
        "TimedStorage-ByteHrs": "8.75",
        "USE2-TimedStorage-ByteHrs": "3.125",
    }


def test_two_groupings_give_one_key_per_definition_sorted_with_usage_units(october_ce):
    response, result = october_groups(
        october_ce,
        {"Type": "TAG", "Key": "App"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        metrics=["UnblendedCost", "UsageQuantity"],
    )
    assert response["GroupDefinitions"] == [
        {"Type": "TAG", "Key": "App"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ]
    assert response["DimensionValueAttributes"] == []
    assert result["Total"] == {}
    # App$web x TimedStorage-ByteHrs: cost 8.75, quantity 100 + 5 + 0 = 105 GB-Mo
    assert result["Groups"] == [
        {
            "Keys": ["App$", "Tax"],
            "Metrics": {
                "UnblendedCost": {"Amount": "1.10", "Unit": "USD"},
                "UsageQuantity": {"Amount": "0", "Unit": "N/A"},
            },
        },
        {
            "Keys": ["App$", "USE2-TimedStorage-ByteHrs"],
            "Metrics": {
                "UnblendedCost": {"Amount": "3.125", "Unit": "USD"},
                "UsageQuantity": {"Amount": "10", "Unit": "GB-Mo"},
            },
        },
        {
            "Keys": ["App$batch", "BoxUsage:m5.large"],
            "Metrics": {
                "UnblendedCost": {"Amount": "20", "Unit": "USD"},
                "UsageQuantity": {"Amount": "24", "Unit": "Hrs"},
            },
        },
        {
            "Keys": ["App$web", "TimedStorage-ByteHrs"],
            "Metrics": {
                "UnblendedCost": {"Amount": "8.75", "Unit": "USD"},
                "UsageQuantity": {"Amount": "105", "Unit": "GB-Mo"},
            },
        },
    ]


def test_usage_unit_is_na_when_a_group_mixes_units(october_ce):
    _, result = october_groups(october_ce, {"Type": "TAG", "Key": "App"}, metrics=["UsageQuantity"])
    units = {g["Keys"][0]: g["Metrics"]["UsageQuantity"] for g in result["Groups"]}
    # App$ mixes N/A (Tax) and GB-Mo (item 4); the others have one unit each.
    assert units == {
        "App$": {"Amount": "10", "Unit": "N/A"},
        "App$batch": {"Amount": "24", "Unit": "Hrs"},
        "App$web": {"Amount": "105", "Unit": "GB-Mo"},
    }


def test_without_group_by_the_total_holds_the_metrics_and_groups_are_empty(october_ce):
    response = october_ce.get_cost_and_usage(
        TimePeriod=OCTOBER, Granularity="MONTHLY", Metrics=["UnblendedCost", "UsageQuantity"]
    )
    [result] = response["ResultsByTime"]
    # quantity: 100 + 5 + 24 + 10 + 0 + 0 = 139, units mixed
    assert result["Total"] == {
        "UnblendedCost": {"Amount": "32.975", "Unit": "USD"},
        "UsageQuantity": {"Amount": "139", "Unit": "N/A"},
    }
    assert result["Groups"] == []
    assert response["GroupDefinitions"] == []


def test_each_cost_metric_uses_its_own_amount_and_falls_back_to_amount():
    items = [
        item(date(2026, 10, 1), "10", amounts={"AmortizedCost": Decimal("7.5")}),
        item(date(2026, 10, 2), "1.5"),
    ]
    client = LocalCostExplorer(items, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod=OCTOBER,
        Granularity="MONTHLY",
        Metrics=["UnblendedCost", "AmortizedCost", "NetUnblendedCost"],
    )
    # Unblended: 10 + 1.5; Amortized: 7.5 + 1.5 (second item falls back); Net: like Unblended
    assert amounts_of(response["ResultsByTime"][0]["Total"]) == {
        "UnblendedCost": "11.5",
        "AmortizedCost": "9.0",
        "NetUnblendedCost": "11.5",
    }


def amounts_of(metrics: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: value["Amount"] for name, value in metrics.items()}


def test_tiny_amounts_are_plain_decimals_never_exponent_notation():
    items = [item(date(2026, 10, 1), "0.00000001"), item(date(2026, 10, 2), "0.00000002")]
    client = LocalCostExplorer(items, TODAY).client()
    response = client.get_cost_and_usage(
        TimePeriod=OCTOBER, Granularity="MONTHLY", Metrics=["UnblendedCost"]
    )
    # str(Decimal("3E-8")) would be "3E-8"; Cost Explorer writes plain digits
    assert response["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"] == "0.00000003"


def test_tag_with_empty_value_counts_as_untagged():
    items = [item(date(2026, 10, 1), "2", tags={"App": ""}), item(date(2026, 10, 2), "3")]
    client = LocalCostExplorer(items, TODAY).client()
    _, result = october_groups(client, {"Type": "TAG", "Key": "App"})
    assert amounts(result["Groups"]) == {"App$": "5"}
