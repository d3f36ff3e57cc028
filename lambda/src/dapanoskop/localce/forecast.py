"""GetCostForecast: a simple, deterministic forecast from the last 30 days of history.

Model: the mean daily cost (of the requested metric, after the Filter) over the days among
the 30 days before `today` that have data, times the number of days of each requested period.
Fewer than 7 such days is a DataUnavailableException, like a new account. The prediction
interval is mean ± z(level) * sd * sqrt(days), with sd the population standard deviation of
those daily costs and z the normal quantile of the PredictionIntervalLevel (default 80).
Values are rounded to 10 decimal places; `Total` is the sum of the rounded period values.

What the forecast covers: only the requested days, never the month's actual cost so far.
AWS documents GetCostForecast as "a forecast for how much Amazon Web Services predicts that you
will spend over the forecast time period that you select" and `Total` as "How much you are
forecasted to spend over the forecast period"; nothing in the API reference or the Cost
Explorer forecasting guide says that a MONTHLY result for the current month includes
month-to-date actuals (the console's "forecasted month-end costs" and AWS Budgets'
`forecastedSpend` do, but those are other products). Undocumented, so this fake returns only
the requested period; a caller wanting a whole-month projection adds the month-to-date actual
cost itself. Sources:
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostForecast.html
https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/ce-forecast.html
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from statistics import NormalDist
from typing import Any

from dapanoskop.localce.errors import data_unavailable, validation_error
from dapanoskop.localce.expressions import compile_expression
from dapanoskop.localce.table import CURRENCY, CostTable, iter_days
from dapanoskop.localce.timeline import parse_granularity, parse_time_period, split_periods

FORECAST_METRICS: Mapping[str, str] = {
    "UNBLENDED_COST": "UnblendedCost",
    "AMORTIZED_COST": "AmortizedCost",
    "BLENDED_COST": "BlendedCost",
    "NET_UNBLENDED_COST": "NetUnblendedCost",
    "NET_AMORTIZED_COST": "NetAmortizedCost",
}
HISTORY_DAYS = 30
MIN_HISTORY_DAYS = 7
DEFAULT_INTERVAL_LEVEL = 80
_PLACES = Decimal("1E-10")
_ARITHMETIC = Context(prec=60)


def _interval_level(params: Mapping[str, Any]) -> int:
    level = params.get("PredictionIntervalLevel", DEFAULT_INTERVAL_LEVEL)
    if not 51 <= level <= 99:
        raise validation_error("PredictionIntervalLevel must be between 51 and 99")
    return level


def daily_history(
    table: CostTable, today: date, metric: str, params: Mapping[str, Any]
) -> list[Decimal]:
    """The metric's daily totals over the days of the last 30 that have (filtered) data."""
    expression = params.get("Filter")
    predicate = compile_expression(expression) if expression is not None else None
    history: list[Decimal] = []
    for day in iter_days(today - timedelta(days=HISTORY_DAYS), today):
        rows = [
            row
            for profile_id, row in table.day_rows(day).items()
            if predicate is None or predicate(table.profiles[profile_id])
        ]
        if rows:
            history.append(sum((row.metric(metric) for row in rows), Decimal(0)))
    return history


class CostForecast:
    """Answers GetCostForecast from a cost table."""

    def __init__(self, table: CostTable, today: date) -> None:
        self._table = table
        self._today = today

    def handle(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The forecast for the requested periods (see the module docstring for the model)."""
        start, end = parse_time_period(params)
        metric = params.get("Metric")
        if metric not in FORECAST_METRICS:
            raise validation_error(
                f"Metric {metric!r} is not valid for GetCostForecast; use one of "
                f"{sorted(FORECAST_METRICS)}"
            )
        granularity = parse_granularity(params)
        if start < self._today:
            raise validation_error(
                f"Start date {start.isoformat()} must be equal to or no later than the current "
                f"date {self._today.isoformat()}"
            )
        level = _interval_level(params)
        with localcontext(_ARITHMETIC):
            history = daily_history(self._table, self._today, FORECAST_METRICS[metric], params)
            if len(history) < MIN_HISTORY_DAYS:
                raise data_unavailable(
                    "Insufficient amount of historical data to generate forecast."
                )
            mean = sum(history, Decimal(0)) / len(history)
            spread = (sum(((x - mean) ** 2 for x in history), Decimal(0)) / len(history)).sqrt()
            z = Decimal(f"{NormalDist().inv_cdf(0.5 + level / 200):.6f}")
            results = []
            for period_start, period_end in split_periods(start, end, granularity):
                days = (period_end - period_start).days
                value = (mean * days).quantize(_PLACES)
                half_width = (z * spread * Decimal(days).sqrt()).quantize(_PLACES)
                results.append(
                    {
                        "TimePeriod": {
                            "Start": period_start.isoformat(),
                            "End": period_end.isoformat(),
                        },
                        "MeanValue": str(value),
                        "PredictionIntervalLowerBound": str(value - half_width),
                        "PredictionIntervalUpperBound": str(value + half_width),
                    }
                )
            total = sum((Decimal(r["MeanValue"]) for r in results), Decimal(0))
        return {
            "Total": {"Amount": str(total), "Unit": CURRENCY},
            "ForecastResultsByTime": results,
        }
