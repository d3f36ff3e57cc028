"""ListCostCategoryDefinitions and DescribeCostCategoryDefinition: versioned definitions.

What the answers look like comes from botocore's Cost Explorer service model (ce 2017-10-25,
the `CostCategoryReference`, `CostCategory` and `CostCategorySplitChargeRule` shapes) and its
documentation strings:
- both operations take an optional `EffectiveOn` and, without it, answer with the version
  "effective on the current date"; a version that is still effective has no `EffectiveEnd`;
- List "supports pagination" with `NextToken` (not NextPageToken) and `MaxResults` up to 100;
- Describe raises `ResourceNotFoundException` (a modeled error) for an unknown ARN. We assume
  the same answer for a date on which the category had no version yet; AWS does not say.
- `EffectiveStart` is a zoned date-time (`2026-10-01T00:00:00Z`, the model's pattern) and is
  always the first of a month: the user guide lets rules start "any specified month from the
  previous 12 months", and a new version starts with the current month.
`Rules` (what puts a charge into a value) are not evaluated here: line items carry their cost
category values already, so a version's `Rules` are only echoed back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dapanoskop.localce.errors import CostExplorerError, validation_error
from dapanoskop.localce.pagination import invalid_token

_ARN_PREFIX = "arn:aws:ce::123456789012:costcategory/"
_MAX_RESULTS = 100


@dataclass(frozen=True)
class CostCategoryVersion:
    """One version of a definition, in effect from `start` (a 1st) until `end` (exclusive)."""

    start: date
    end: date | None = None
    split_charge_rules: Sequence[Mapping[str, Any]] = ()
    rules: Sequence[Mapping[str, Any]] = ()
    values: Sequence[str] = ()
    default_value: str | None = None


@dataclass(frozen=True)
class CostCategoryDefinition:
    """A cost category with its versions; `key` makes its ARN (`.../costcategory/<key>`)."""

    name: str
    key: str
    versions: Sequence[CostCategoryVersion] = field(default_factory=tuple)

    @property
    def arn(self) -> str:
        return _ARN_PREFIX + self.key

    def version_on(self, day: date) -> CostCategoryVersion | None:
        for version in self.versions:
            if version.start <= day and (version.end is None or day < version.end):
                return version
        return None


class CostCategoryDefinitions:
    """Answers both definition operations from a list of definitions."""

    def __init__(self, definitions: Sequence[CostCategoryDefinition], today: date) -> None:
        self._definitions = sorted(definitions, key=lambda d: d.name)
        self._today = today

    def list(self, params: Mapping[str, Any]) -> dict[str, Any]:
        day = _effective_on(params, self._today)
        size = params.get("MaxResults", _MAX_RESULTS)
        offset = _offset(params.get("NextToken"))
        found = [
            (definition, version)
            for definition in self._definitions
            if (version := definition.version_on(day)) is not None
        ]
        page = found[offset : offset + size]
        answer: dict[str, Any] = {
            "CostCategoryReferences": [_reference(d, v) for d, v in page],
        }
        if offset + size < len(found):
            answer["NextToken"] = f"localce-{offset + size}"
        return answer

    def describe(self, params: Mapping[str, Any]) -> dict[str, Any]:
        day = _effective_on(params, self._today)
        arn = params.get("CostCategoryArn")
        definition = next((d for d in self._definitions if d.arn == arn), None)
        version = definition.version_on(day) if definition is not None else None
        if definition is None or version is None:
            raise CostExplorerError(
                "ResourceNotFoundException", f"No cost category {arn} effective on {day}"
            )
        return {"CostCategory": _definition(definition, version)}


def _effective_on(params: Mapping[str, Any], today: date) -> date:
    raw = params.get("EffectiveOn")
    if raw is None:
        return today
    try:
        return datetime.fromisoformat(raw).date()
    except (TypeError, ValueError) as error:
        raise validation_error(f"EffectiveOn must be an ISO-8601 date-time: {raw!r}") from error


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    number = token.removeprefix("localce-")
    if not number.isdigit():
        raise invalid_token()
    return int(number)


def _zoned(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _dates(version: CostCategoryVersion) -> dict[str, str]:
    dates = {"EffectiveStart": _zoned(version.start)}
    if version.end is not None:
        dates["EffectiveEnd"] = _zoned(version.end)
    return dates


_APPLIED = [{"Component": "COST_EXPLORER", "Status": "APPLIED"}]


def _reference(definition: CostCategoryDefinition, version: CostCategoryVersion) -> dict:
    reference: dict[str, Any] = {
        "CostCategoryArn": definition.arn,
        "Name": definition.name,
        **_dates(version),
        "NumberOfRules": len(version.rules),
        "ProcessingStatus": _APPLIED,
        "Values": list(version.values),
    }
    if version.default_value is not None:
        reference["DefaultValue"] = version.default_value
    return reference


def _definition(definition: CostCategoryDefinition, version: CostCategoryVersion) -> dict:
    answer: dict[str, Any] = {
        "CostCategoryArn": definition.arn,
        "Name": definition.name,
        **_dates(version),
        "RuleVersion": "CostCategoryExpression.v1",
        "Rules": [dict(rule) for rule in version.rules],
        "ProcessingStatus": _APPLIED,
    }
    if version.split_charge_rules:
        answer["SplitChargeRules"] = [dict(rule) for rule in version.split_charge_rules]
    if version.default_value is not None:
        answer["DefaultValue"] = version.default_value
    return answer
