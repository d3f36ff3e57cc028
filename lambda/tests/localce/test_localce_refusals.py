"""Requests the real service refuses with a ValidationException are refused here too."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from localce_support import OCTOBER

GOOD: dict[str, Any] = {
    "TimePeriod": OCTOBER,
    "Granularity": "MONTHLY",
    "Metrics": ["UnblendedCost"],
}


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        (
            {
                "GroupBy": [
                    {"Type": "TAG", "Key": "App"},
                    {"Type": "DIMENSION", "Key": "SERVICE"},
                    {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
                ]
            },
            "up to two",
        ),
        ({"TimePeriod": {"Start": "2026-10-01", "End": "2026-10-01"}}, "before end date"),
        ({"TimePeriod": {"Start": "2026-10-05", "End": "2026-10-01"}}, "before end date"),
        ({"TimePeriod": {"Start": "2026-10-01", "End": "October"}}, "YYYY-MM-DD"),
        ({"Metrics": ["UnblendedCost", "Bogus"]}, "Unsupported metrics"),
        ({"Metrics": []}, "at least one metric"),
        ({"Granularity": "WEEKLY"}, "Granularity"),
        ({"Granularity": "HOURLY"}, "Granularity"),
        ({"GroupBy": [{"Type": "RESOURCE", "Key": "App"}]}, "GroupBy type"),
        ({"GroupBy": [{"Type": "PRODUCT_ATTRIBUTE", "Key": "model"}]}, "GroupBy type"),
        ({"GroupBy": [{"Type": "DIMENSION", "Key": "BOGUS"}]}, "dimension"),
        ({"GroupBy": [{"Type": "DIMENSION", "Key": "AZ"}]}, "not supported"),
        ({"GroupBy": [{"Type": "TAG", "Key": ""}]}, "needs a Key"),
    ],
)
def test_refused_with_validation_exception(october, october_ce, change, message_part):
    with pytest.raises(ClientError) as raised:
        october_ce.get_cost_and_usage(**{**GOOD, **change})
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert message_part in error["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # botocore let the request through (it does not check enums or counts) and did not retry
    assert october.request_count("GetCostAndUsage") == 1
