"""The botocore plumbing: request log, fault injection and retries, attaching to clients."""

from __future__ import annotations

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localce_support import OCTOBER, TODAY, october_items

from dapanoskop.localce import LocalCostExplorer

REQUEST = {"TimePeriod": OCTOBER, "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"]}


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Backoff delays botocore asked for; recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    return delays


def october_total(client) -> str:
    response = client.get_cost_and_usage(**REQUEST)
    return response["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]


def test_requests_records_each_operation_with_its_parameters(october, october_ce):
    october_ce.get_cost_and_usage(**REQUEST)
    october_ce.get_cost_categories(TimePeriod=OCTOBER)
    assert october.requests == [
        ("GetCostAndUsage", REQUEST),
        ("GetCostCategories", {"TimePeriod": OCTOBER}),
    ]
    assert october.request_count() == 2
    assert october.request_count("GetCostAndUsage") == 1
    assert october.request_count("GetCostForecast") == 0


def test_throttling_that_clears_within_the_retries_is_invisible_except_in_the_count(
    october, october_ce, sleeps
):
    october.fail_next("GetCostAndUsage", "LimitExceededException", times=2)
    # standard retry mode: 3 attempts; two throttled, the third answers
    assert october_total(october_ce) == "32.975"
    assert october.request_count("GetCostAndUsage") == 3
    assert len(sleeps) == 2  # botocore backed off before each retry
    assert october.requests[0] == october.requests[2]


def test_throttling_longer_than_the_retries_raises_and_then_clears(october, october_ce, sleeps):
    october.fail_next("GetCostAndUsage", "LimitExceededException", times=3)
    with pytest.raises(october_ce.exceptions.LimitExceededException):
        october_total(october_ce)
    assert october.request_count() == 3
    assert len(sleeps) == 2
    assert october_total(october_ce) == "32.975"
    assert october.request_count() == 4


def test_more_attempts_configured_ride_out_longer_throttling(october, sleeps):
    client = october.client(Config(retries={"mode": "standard", "total_max_attempts": 6}))
    october.fail_next("GetCostAndUsage", "LimitExceededException", times=5)
    assert october_total(client) == "32.975"
    assert october.request_count() == 6


def test_injected_modeled_errors_raise_their_exception_class_without_retry(october, october_ce):
    october.fail_next("GetCostAndUsage", "DataUnavailableException", message="not yet")
    with pytest.raises(october_ce.exceptions.DataUnavailableException, match="not yet"):
        october_total(october_ce)
    assert october.request_count() == 1


def test_faults_apply_to_their_operation_only_and_queue_in_order(october, october_ce, sleeps):
    october.fail_next("GetCostForecast", "DataUnavailableException")
    october.fail_next("GetCostAndUsage", "BillExpirationException")
    october.fail_next("GetCostAndUsage", "ValidationException", message="second")
    with pytest.raises(october_ce.exceptions.BillExpirationException):
        october_total(october_ce)
    with pytest.raises(ClientError, match="second"):
        october_total(october_ce)
    assert october_total(october_ce) == "32.975"


def test_server_errors_are_retried_like_aws_5xx(october, october_ce, sleeps):
    october.fail_next("GetCostAndUsage", "InternalServerError", times=1)
    assert october_total(october_ce) == "32.975"
    assert october.request_count() == 2


def test_attach_plugs_the_fake_into_an_existing_client():
    lce = LocalCostExplorer(october_items(), TODAY)
    client = boto3.client(
        "ce",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    assert lce.attach(client) is client
    assert october_total(client) == "32.975"
    assert lce.request_count() == 1


def test_attach_refuses_a_client_of_another_service():
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with pytest.raises(ValueError, match="Cost Explorer"):
        LocalCostExplorer([], TODAY).attach(s3)


def test_client_needs_no_credentials_from_the_environment(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert october_total(LocalCostExplorer(october_items(), TODAY).client()) == "32.975"


def test_the_fake_answers_even_inside_moto_mock_aws():
    moto = pytest.importorskip("moto")
    lce = LocalCostExplorer(october_items(), TODAY)
    with moto.mock_aws():
        assert october_total(lce.client()) == "32.975"


def test_operations_the_fake_does_not_implement_are_refused(october, october_ce):
    with pytest.raises(ClientError) as raised:
        october_ce.get_tags(TimePeriod=OCTOBER)
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperationException"
    assert october.requests == [("GetTags", {"TimePeriod": OCTOBER})]


@pytest.mark.parametrize(
    ("operation", "times"), [("get_cost_and_usage", 1), ("GetCostAndUsage", 0)]
)
def test_fault_injection_refuses_what_could_never_fire(operation, times):
    with pytest.raises(ValueError):
        LocalCostExplorer([], TODAY).fail_next(operation, "LimitExceededException", times)


def test_page_size_must_allow_at_least_one_group():
    with pytest.raises(ValueError, match="page_size"):
        LocalCostExplorer([], TODAY, page_size=0)
