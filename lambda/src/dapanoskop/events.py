"""What the Lambda was asked to do: a daily run, or a backfill of N months.

Every event is validated strictly — JSON booleans only, an integer month count in range, no
unknown fields — because a typo in a hand-written event must not silently do something else
(`"force": "false"` overwriting history, `{"backfil": true}` running the daily job). The daily
run is asked for by an empty event or by EventBridge's scheduled event, recognised by its
`source` and `detail-type` (https://docs.aws.amazon.com/eventbridge/latest/userguide/
eb-run-lambda-schedule.html shows its shape); anything else names its first unknown key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_BACKFILL_MONTHS = 13
MAX_BACKFILL_MONTHS = 38
_BACKFILL_FIELDS = ("backfill", "months", "force")
_SCHEDULED_SOURCE = "aws.events"
_SCHEDULED_DETAIL_TYPE = "Scheduled Event"


class EventError(ValueError):
    """The event asks for something the handler does not do; names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class DailyJob:
    pass


@dataclass(frozen=True)
class BackfillJob:
    months: int = DEFAULT_BACKFILL_MONTHS
    force: bool = False


Job = DailyJob | BackfillJob


def parse_event(event: Any) -> Job:
    """A scheduled event, `{}` or `None` is the daily run; `{"backfill": true, ...}` a backfill."""
    if event is None or _is_scheduled(event):
        return DailyJob()
    if not isinstance(event, Mapping):
        raise EventError("event", "must be a JSON object")
    if "backfill" not in event:
        for name in ("months", "force"):
            if name in event:
                raise EventError(name, 'is only accepted together with "backfill": true')
        if event:
            unknown = sorted(str(key) for key in event)[0]
            raise EventError(
                unknown,
                "is not an event field: send {} or a scheduled event for the daily run, or "
                '{"backfill": true, "months": N, "force": false} for a backfill',
            )
        return DailyJob()
    backfill = event["backfill"]
    if not isinstance(backfill, bool):
        raise EventError("backfill", f"must be true or false (a JSON boolean), got {backfill!r}")
    if not backfill:
        return parse_event({k: v for k, v in event.items() if k != "backfill"})
    unknown = sorted(set(event) - set(_BACKFILL_FIELDS))
    if unknown:
        raise EventError(
            unknown[0], f"is not a backfill field (accepted: {', '.join(_BACKFILL_FIELDS)})"
        )
    return BackfillJob(months=_months(event), force=_force(event))


def _is_scheduled(event: Any) -> bool:
    return (
        isinstance(event, Mapping)
        and event.get("source") == _SCHEDULED_SOURCE
        and event.get("detail-type") == _SCHEDULED_DETAIL_TYPE
    )


def _months(event: Mapping[str, Any]) -> int:
    months = event.get("months", DEFAULT_BACKFILL_MONTHS)
    if isinstance(months, bool) or not isinstance(months, int):
        raise EventError(
            "months", f"must be a whole number from 1 to {MAX_BACKFILL_MONTHS}, got {months!r}"
        )
    if not 1 <= months <= MAX_BACKFILL_MONTHS:
        raise EventError("months", f"must be from 1 to {MAX_BACKFILL_MONTHS}, got {months}")
    return months


def _force(event: Mapping[str, Any]) -> bool:
    force = event.get("force", False)
    if not isinstance(force, bool):
        raise EventError("force", f"must be true or false (a JSON boolean), got {force!r}")
    return force
