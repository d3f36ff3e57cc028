"""S3 Storage Lens totals: discovery, the 14-day look-back, the organization sum, failures.

The organization is simulated on the moto server (s3control configurations, CloudWatch
metric data); each test starts from a reset server.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import Stubber

from dapanoskop.contract_check import check_output
from dapanoskop.handler import handle
from dapanoskop.localce import LineItem, LocalCostExplorer
from dapanoskop.model import StorageLensReading, Window
from dapanoskop.storagelens import StorageLens, StorageLensClients
from tests.conftest import BUCKET
from tests.storage_lens_support import LensAccount

OCTOBER = Window(date(2026, 10, 1), date(2026, 11, 1))
NOVEMBER_TO_DATE = Window(date(2026, 11, 1), date(2026, 11, 26))
TIB = 2**40


@pytest.fixture
def lens(s3: Any, moto_endpoint: str) -> LensAccount:
    """On the moto server that `s3` has just reset (and given the bucket BUCKET)."""
    return LensAccount(moto_endpoint)


def organization(lens: LensAccount) -> None:
    """`b-org` is organization-wide with CloudWatch metrics; `a-account` is not."""
    lens.configuration("a-account", organization=False)
    lens.configuration("b-org")
    # StorageBytes: 3 TiB Standard in us-east-1 and 1 TiB Glacier in eu-west-1 on 29 October;
    # ObjectCount 700 + 300. Older points, a newer point in November (twice as much, on the
    # 20th), an account-level series and a series of the other configuration must not count.
    days = [(date(2026, 10, 28), 1), (date(2026, 10, 29), 1), (date(2026, 11, 20), 2)]
    lens.metric("b-org", "StorageBytes", [(d, 3 * TIB * f) for d, f in days])
    lens.metric(
        "b-org",
        "StorageBytes",
        [(d, 1 * TIB * f) for d, f in days],
        region="eu-west-1",
        storage_class="GLACIER",
    )
    lens.metric("b-org", "ObjectCount", [(d, 700 * f) for d, f in days])
    lens.metric("b-org", "ObjectCount", [(d, 300 * f) for d, f in days], region="eu-west-1")
    lens.metric("b-org", "StorageBytes", [(date(2026, 10, 29), 999)], record_type="ACCOUNT")
    lens.metric("a-account", "StorageBytes", [(date(2026, 10, 29), 5)])
    lens.metric("a-account", "ObjectCount", [(date(2026, 10, 29), 5)])


def test_discovers_the_organization_configuration_and_sums_regions_and_classes(
    lens: LensAccount,
) -> None:
    organization(lens)

    readings = StorageLens("", lens.clients()).readings(
        {"2026-10": OCTOBER, "2026-11": NOVEMBER_TO_DATE}
    )

    assert readings == {
        "2026-10": StorageLensReading(4 * TIB, 1000, date(2026, 10, 29), "b-org"),
        "2026-11": StorageLensReading(8 * TIB, 2000, date(2026, 11, 20), "b-org"),
    }
    # the configuration's home Region, from its ARN
    assert lens.regions_asked == ["us-east-1"]


def test_a_configured_id_is_used_without_listing(lens: LensAccount) -> None:
    organization(lens)
    calls: list[str] = []
    lens.s3control.meta.events.register(
        "provide-client-params.s3-control.*", lambda model, **_: calls.append(model.name)
    )

    readings = StorageLens("b-org", lens.clients()).readings({"2026-10": OCTOBER})

    assert readings["2026-10"].total_bytes == 4 * TIB
    assert calls == ["GetStorageLensConfiguration"]


def test_only_the_last_14_days_of_the_period_count(lens: LensAccount) -> None:
    # month to date through 25 November: 12..25 November; a whole October: 18..31 October
    november = StorageLens("", lens.clients())
    lens.configuration("org")
    lens.metric("org", "StorageBytes", [(date(2026, 11, 11), 1.0), (date(2026, 11, 12), 3.0)])
    lens.metric("org", "ObjectCount", [(date(2026, 11, 11), 1.0), (date(2026, 11, 12), 1.0)])
    assert november.readings({"2026-11": NOVEMBER_TO_DATE}) == {
        "2026-11": StorageLensReading(3, 1, date(2026, 11, 12), "org")
    }

    lens.configuration("org")
    # 17 October is 15 days before the end of October: too old to stand for the month's end.
    lens.metric("org", "StorageBytes", [(date(2026, 10, 17), 10.0)])
    lens.metric("org", "ObjectCount", [(date(2026, 10, 17), 1.0)])

    assert StorageLens("", lens.clients()).readings({"2026-10": OCTOBER}) == {}

    lens.metric("org", "StorageBytes", [(date(2026, 10, 18), 20.0)])
    lens.metric("org", "ObjectCount", [(date(2026, 10, 18), 2.0)])
    assert StorageLens("", lens.clients()).readings({"2026-10": OCTOBER}) == {
        "2026-10": StorageLensReading(20, 2, date(2026, 10, 18), "org")
    }


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda lens: None, "no organization-wide storage lens configuration"),
        (
            lambda lens: lens.configuration("org", cloudwatch=False),
            "no organization-wide storage lens configuration",
        ),
        (lambda lens: lens.configuration("org"), "no organization metrics in CloudWatch"),
    ],
    ids=["no-configuration", "no-cloudwatch-export", "no-metrics"],
)
def test_nothing_to_read_is_one_log_line(
    lens: LensAccount, caplog: pytest.LogCaptureFixture, setup: Any, message: str
) -> None:
    setup(lens)
    with caplog.at_level(logging.INFO, logger="dapanoskop.storagelens"):
        assert StorageLens("", lens.clients()).readings({"2026-10": OCTOBER}) == {}
    assert len(caplog.records) == 1
    assert message in caplog.records[0].getMessage()


def test_access_denied_is_one_log_line_and_no_fields(
    lens: LensAccount, caplog: pytest.LogCaptureFixture
) -> None:
    organization(lens)
    stubber = Stubber(lens.s3control)
    stubber.add_client_error(
        "list_storage_lens_configurations", "AccessDenied", http_status_code=403
    )
    with stubber, caplog.at_level(logging.INFO, logger="dapanoskop.storagelens"):
        assert StorageLens("", lens.clients()).readings({"2026-10": OCTOBER}) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "storage lens unavailable; fields left out error=AccessDenied"
    ]


def test_an_answer_without_the_configuration_is_one_log_line(
    lens: LensAccount, caplog: pytest.LogCaptureFixture
) -> None:
    stubber = Stubber(lens.s3control)
    stubber.add_response("get_storage_lens_configuration", {})
    with stubber, caplog.at_level(logging.INFO, logger="dapanoskop.storagelens"):
        assert StorageLens("org", lens.clients()).readings({"2026-10": OCTOBER}) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "storage lens unavailable; fields left out error=KeyError"
    ]


def test_off_never_asks() -> None:
    def refuse(*_args: Any) -> Any:
        raise AssertionError("Storage Lens was asked although it is off")

    clients = StorageLensClients(sts=refuse, s3control=refuse, cloudwatch=refuse)
    assert StorageLens("off", clients).readings({"2026-10": OCTOBER}) == {}


def test_a_failure_of_the_metric_read_is_caught(lens: LensAccount) -> None:
    organization(lens)
    stubber = Stubber(lens.cloudwatch)
    stubber.add_client_error("list_metrics", "AccessDenied", http_status_code=403)
    with stubber:
        assert StorageLens("", lens.clients()).readings({"2026-10": OCTOBER}) == {}


# --- through the Lambda's core ---------------------------------------------------------------


def ledger() -> list[LineItem]:
    items = []
    for month in (9, 10, 11):
        for day in (1, 2):
            items.append(
                LineItem(
                    date(2026, month, day),
                    "111111111111",
                    "Amazon Simple Storage Service",
                    "TimedStorage-ByteHrs",
                    "GB-Mo",
                    amount=Decimal("2.30"),
                    quantity=Decimal("100"),
                    tags={"App": "web"},
                )
            )
    return items


def test_the_summary_carries_storage_lens_fields(s3: Any, lens: LensAccount) -> None:
    organization(lens)
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    ce = LocalCostExplorer(ledger(), now.date()).client()

    answer = handle(
        {}, {"DATA_BUCKET": BUCKET}, lambda: now, ce, s3, storage_lens_clients=lens.clients()
    )

    assert answer["statusCode"] == 200, answer
    october = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())
    assert october["storage_lens"] == {
        "total_bytes": 4 * TIB,
        "object_count": 1000,
        "storage_lens_date": "2026-10-29",
        "config_id": "b-org",
    }
    assert october["storage_metrics"]["storage_lens_total_bytes"] == 4 * TIB
    # our own cost per TiB is unchanged: Cost Explorer's volume, not Storage Lens's
    assert october["storage_metrics"]["cost_per_tb_usd"] == round(4.60 / (200 / 1024), 2)
    november = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-11/summary.json")["Body"].read())
    assert november["storage_lens"]["storage_lens_date"] == "2026-11-20"
    assert check_output(f"s3://{BUCKET}", s3_client=s3) == []


def test_without_storage_lens_the_fields_are_left_out(s3: Any) -> None:
    # the default test clients fail like missing credentials (conftest)
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    ce = LocalCostExplorer(ledger(), now.date()).client()

    answer = handle({}, {"DATA_BUCKET": BUCKET}, lambda: now, ce, s3)

    assert answer["statusCode"] == 200
    october = json.loads(s3.get_object(Bucket=BUCKET, Key="2026-10/summary.json")["Body"].read())
    assert "storage_lens" not in october
    assert "storage_lens_total_bytes" not in october["storage_metrics"]
