"""Dates as Cost Explorer reads them: request periods, result periods, retention, estimates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from dapanoskop.localce.errors import CostExplorerError, data_unavailable, validation_error
from dapanoskop.periods import add_months

GRANULARITIES = ("DAILY", "MONTHLY")


def parse_time_period(params: Mapping[str, Any]) -> tuple[date, date]:
    """`TimePeriod` -> (start inclusive, end exclusive); End must be after Start."""
    period = params.get("TimePeriod") or {}
    try:
        start = date.fromisoformat(period["Start"])
        end = date.fromisoformat(period["End"])
    except (KeyError, TypeError, ValueError) as error:
        raise validation_error(f"TimePeriod must be YYYY-MM-DD dates: {period!r}") from error
    if end <= start:
        raise validation_error(
            f"Start date {start.isoformat()} must be before end date {end.isoformat()}"
        )
    return start, end


def parse_granularity(params: Mapping[str, Any]) -> str:
    """`Granularity`: DAILY or MONTHLY. HOURLY is opt-in in AWS and not modelled here."""
    granularity = params.get("Granularity")
    if granularity not in GRANULARITIES:
        raise validation_error(
            f"Granularity {granularity!r} is not supported; use one of {list(GRANULARITIES)}"
        )
    return granularity


def split_periods(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    """Result periods of [start, end): one per day, or cut at calendar-month boundaries."""
    periods: list[tuple[date, date]] = []
    cursor = start
    while cursor < end:
        if granularity == "DAILY":
            following = cursor + timedelta(days=1)
        else:
            following = min(add_months(cursor.replace(day=1), 1), end)
        periods.append((cursor, following))
        cursor = following
    return periods


def earliest_start(today: date, retention_months: int) -> date:
    """First day Cost Explorer still has: the 1st of the month `retention_months` back."""
    return add_months(today.replace(day=1), -retention_months)


# How Cost Explorer refuses a Start before its history, by error code. DataUnavailableException
# and BillExpirationException messages are the service model's doc strings (botocore
# ce/2017-10-25 service-2.json); the ValidationException message is the one reported from the
# live API for dates beyond 14 months (redhat-performance/cloud-governance PR #1011, 2026).
HISTORY_REFUSALS = {
    "DataUnavailableException": "The requested data is unavailable.",
    "BillExpirationException": "The requested report expired. Update the date interval and try "
    "again.",
    "ValidationException": "To retrieve data beyond the past 14 months, your start date needs "
    "to be the first day of the month.",
}


def check_retention(
    start: date,
    end: date,
    today: date,
    retention_months: int,
    *,
    refusal: str = "DataUnavailableException",
    no_data_from: date | None = None,
) -> None:
    """Refuse a Start outside retention (with `refusal`'s code) or after today.

    `no_data_from`: days from this one on are not loaded yet (a new account, or the first
    days of a month before Cost Explorer has them): a request reaching them is refused with
    DataUnavailableException, as for a new account (aws-facts §1.4).
    """
    earliest = earliest_start(today, retention_months)
    if start < earliest:
        raise CostExplorerError(refusal, HISTORY_REFUSALS[refusal])
    if start > today:
        raise data_unavailable(f"Start {start.isoformat()} is after today {today.isoformat()}")
    if no_data_from is not None and end > no_data_from:
        raise data_unavailable()


def is_estimated(period_start: date, today: date, days_after_month_end: int) -> bool:
    """A period is estimated while its month is not closed.

    The month closes `days_after_month_end` days after its exclusive end (the 1st of the next
    month): with 3, November is estimated through 3 December and final from 4 December. The
    current month is therefore always estimated.
    """
    closes = add_months(period_start.replace(day=1), 1) + timedelta(days=days_after_month_end)
    return today < closes
