import pytest

from dapanoskop.events import BackfillJob, DailyJob, EventError, parse_event

SCHEDULED = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-26T06:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/dapanoskop-daily"],
    "detail": {},
}


@pytest.mark.parametrize("event", [None, {}, SCHEDULED, {"backfill": False}])
def test_daily_events(event: object) -> None:
    assert parse_event(event) == DailyJob()


@pytest.mark.parametrize(
    ("event", "job"),
    [
        ({"backfill": True}, BackfillJob(13, False)),
        ({"backfill": True, "months": 1}, BackfillJob(1, False)),
        ({"backfill": True, "months": 38, "force": True}, BackfillJob(38, True)),
    ],
)
def test_backfill_events(event: dict, job: BackfillJob) -> None:
    assert parse_event(event) == job


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"backfill": "true"}, "backfill"),
        ({"backfill": 1}, "backfill"),
        ({"backfill": True, "months": "13"}, "months"),
        ({"backfill": True, "months": 13.0}, "months"),
        ({"backfill": True, "months": True}, "months"),
        ({"backfill": True, "months": 0}, "months"),
        ({"backfill": True, "months": 39}, "months"),
        ({"backfill": True, "force": "false"}, "force"),
        ({"backfill": True, "force": 0}, "force"),
        ({"backfill": True, "mnths": 3}, "mnths"),
        ({"months": 3}, "months"),
        ({"backfill": False, "force": True}, "force"),
        (["backfill"], "event"),
        # a typo must not run the daily job (issue 10)
        ({"backfil": True}, "backfil"),
        ({"key1": "value1", "key2": "value2"}, "key1"),  # the Lambda console's test event
        ({"source": "aws.events", "detail-type": "Custom"}, "detail-type"),
    ],
)
def test_bad_events_name_the_field(event: object, field: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_event(event)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_unknown_key_message_says_what_is_accepted() -> None:
    with pytest.raises(EventError) as caught:
        parse_event({"backfil": True})
    assert str(caught.value) == (
        "backfil: is not an event field: send {} or a scheduled event for the daily run, or "
        '{"backfill": true, "months": N, "force": false} for a backfill'
    )
