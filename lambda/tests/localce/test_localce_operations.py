"""GetCostCategories and GetCostForecast."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from localce_support import OCTOBER, TODAY, item, october_items

from dapanoskop.localce import LocalCostExplorer

# --- GetCostCategories ---------------------------------------------------------------------


def test_cost_category_names_default_to_those_seen_in_the_items():
    items = [*october_items(), item(date(2026, 11, 2), "1", cost_categories={"Env": "prod"})]
    client = LocalCostExplorer(items, TODAY).client()
    response = client.get_cost_categories(TimePeriod=OCTOBER)
    assert response["CostCategoryNames"] == ["CostCenter", "Env"]
    assert (response["ReturnSize"], response["TotalSize"]) == (2, 2)


def test_cost_category_names_can_be_given_and_come_back_sorted(october_ce):
    client = LocalCostExplorer(october_items(), TODAY, cost_categories=["Zeta", "Alpha"]).client()
    assert client.get_cost_categories(TimePeriod=OCTOBER)["CostCategoryNames"] == [
        "Alpha",
        "Zeta",
    ]


def test_cost_category_values_are_those_seen_in_the_time_period():
    items = [
        *october_items(),  # CostCenter: Research, Ops
        item(date(2026, 11, 2), "1", cost_categories={"CostCenter": "Marketing"}),
    ]
    client = LocalCostExplorer(items, TODAY).client()
    october = client.get_cost_categories(TimePeriod=OCTOBER, CostCategoryName="CostCenter")
    assert october["CostCategoryValues"] == ["Ops", "Research"]
    assert (october["ReturnSize"], october["TotalSize"]) == (2, 2)
    november = client.get_cost_categories(
        TimePeriod={"Start": "2026-11-01", "End": "2026-11-26"}, CostCategoryName="CostCenter"
    )
    assert november["CostCategoryValues"] == ["Marketing"]


# --- GetCostForecast -----------------------------------------------------------------------

FORECAST_TODAY = date(2026, 11, 27)


def alternating_history() -> list:
    """Ten days before 2026-11-27 costing 8, 12, 8, 12, ... (mean 10, population sd 2).

    Plus data that must not count: 1000 on 2026-10-20 (more than 30 days back) and 500 today.
    """
    days = [date(2026, 11, 17) + timedelta(days=i) for i in range(10)]
    history = [item(day, "8" if i % 2 == 0 else "12") for i, day in enumerate(days)]
    return [
        *history,
        item(date(2026, 10, 20), "1000"),
        item(FORECAST_TODAY, "500"),
    ]


def forecast(client, start: str, end: str, granularity: str = "MONTHLY", **extra):
    return client.get_cost_forecast(
        TimePeriod={"Start": start, "End": end},
        Metric="UNBLENDED_COST",
        Granularity=granularity,
        **extra,
    )


def values(result: dict) -> tuple[Decimal, Decimal, Decimal]:
    return (
        Decimal(result["PredictionIntervalLowerBound"]),
        Decimal(result["MeanValue"]),
        Decimal(result["PredictionIntervalUpperBound"]),
    )


def test_monthly_forecast_for_the_rest_of_the_month_covers_only_the_requested_days():
    client = LocalCostExplorer(alternating_history(), FORECAST_TODAY).client()
    response = forecast(client, "2026-11-27", "2026-12-01")
    [result] = response["ForecastResultsByTime"]
    assert result["TimePeriod"] == {"Start": "2026-11-27", "End": "2026-12-01"}
    # 4 days x mean 10 = 40 (the month's actual cost so far, 100, is NOT included);
    # 80% interval: z = 1.281552, half width = 1.281552 x sd 2 x sqrt(4) = 5.126208
    assert values(result) == (Decimal("34.873792"), Decimal(40), Decimal("45.126208"))
    assert response["Total"] == {"Amount": "40.0000000000", "Unit": "USD"}


def test_daily_forecast_has_one_result_per_day_and_honours_the_interval_level():
    client = LocalCostExplorer(alternating_history(), FORECAST_TODAY).client()
    response = forecast(
        client, "2026-11-27", "2026-11-29", granularity="DAILY", PredictionIntervalLevel=95
    )
    # each day: mean 10; 95%: z = 1.959964, half width = 1.959964 x 2 x sqrt(1) = 3.919928
    assert [values(r) for r in response["ForecastResultsByTime"]] == [
        (Decimal("6.080072"), Decimal(10), Decimal("13.919928")),
    ] * 2
    assert Decimal(response["Total"]["Amount"]) == 20


def test_monthly_forecast_over_several_months_splits_at_month_ends():
    steady = [item(date(2026, 11, 17) + timedelta(days=i), "10") for i in range(10)]
    client = LocalCostExplorer(steady, FORECAST_TODAY).client()
    response = forecast(client, "2026-11-27", "2027-01-01")
    # November: 4 days x 10 = 40; December: 31 x 10 = 310; sd 0, so the bounds are the mean
    assert [
        (r["TimePeriod"]["Start"], r["TimePeriod"]["End"], values(r))
        for r in response["ForecastResultsByTime"]
    ] == [
        ("2026-11-27", "2026-12-01", (Decimal(40),) * 3),
        ("2026-12-01", "2027-01-01", (Decimal(310),) * 3),
    ]
    assert Decimal(response["Total"]["Amount"]) == 350


def test_forecast_uses_only_history_that_matches_the_filter():
    history = alternating_history() + [
        item(date(2026, 11, 17) + timedelta(days=i), "3", tags={"App": "x"}) for i in range(8)
    ]
    client = LocalCostExplorer(history, FORECAST_TODAY).client()
    response = forecast(
        client, "2026-11-27", "2026-12-01", Filter={"Tags": {"Key": "App", "Values": ["x"]}}
    )
    # 8 days of 3 each: 4 days x 3 = 12
    assert Decimal(response["Total"]["Amount"]) == 12


def test_forecast_without_a_week_of_history_is_data_unavailable():
    six_days = [item(date(2026, 11, 21) + timedelta(days=i), "10") for i in range(6)]
    client = LocalCostExplorer(six_days, FORECAST_TODAY).client()
    with pytest.raises(client.exceptions.DataUnavailableException):
        forecast(client, "2026-11-27", "2026-12-01")


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        ({"TimePeriod": {"Start": "2026-11-26", "End": "2026-12-01"}}, "current date"),
        ({"Metric": "USAGE_QUANTITY"}, "not valid for GetCostForecast"),
        ({"Metric": "UnblendedCost"}, "not valid for GetCostForecast"),
        ({"Granularity": "HOURLY"}, "Granularity"),
        ({"PredictionIntervalLevel": 100}, "PredictionIntervalLevel"),  # botocore checks only min
    ],
)
def test_forecast_refusals(change, message_part):
    client = LocalCostExplorer(alternating_history(), FORECAST_TODAY).client()
    request = {
        "TimePeriod": {"Start": "2026-11-27", "End": "2026-12-01"},
        "Metric": "UNBLENDED_COST",
        "Granularity": "MONTHLY",
        **change,
    }
    with pytest.raises(ClientError) as raised:
        client.get_cost_forecast(**request)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert message_part in raised.value.response["Error"]["Message"]


def test_cost_category_search_string_keeps_matching_entries(october_ce):
    response = october_ce.get_cost_categories(
        TimePeriod=OCTOBER, CostCategoryName="CostCenter", SearchString="res"
    )
    assert response["CostCategoryValues"] == ["Research"]  # case-insensitive "res"
