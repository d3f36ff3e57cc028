"""GetCostAndUsage: filter, group and sum the cost table, then serve the answer page by page.

A request is answered in full once (every period, every group, sorted by keys) and kept in a
small cache under its digest, so fetching page after page costs one aggregation, not one per
page. A page holds at most `page_size` groups in total; a period whose groups do not fit is
continued on the next page, which repeats its TimePeriod with the remaining groups. Periods
without groups take no room and still get their ResultsByTime entry.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dapanoskop.localce.errors import validation_error
from dapanoskop.localce.expressions import Predicate, compile_expression
from dapanoskop.localce.pagination import decode_token, encode_token, invalid_token, request_digest
from dapanoskop.localce.table import (
    DIMENSION_FIELDS,
    METRICS,
    CostTable,
    Profile,
    Sums,
    exact_arithmetic,
)
from dapanoskop.localce.timeline import (
    check_retention,
    is_estimated,
    parse_granularity,
    parse_time_period,
    split_periods,
)

MAX_GROUP_BY = 2
_CACHED_ANSWERS = 4
_UNSEEN = object()

GroupKey = tuple[str, ...]


@dataclass(frozen=True)
class Query:
    """A checked GetCostAndUsage request."""

    start: date
    end: date
    granularity: str
    metrics: tuple[str, ...]
    group_by: tuple[Mapping[str, str], ...]
    predicate: Predicate | None
    digest: str


@dataclass(frozen=True)
class PeriodAnswer:
    """One result period, complete: its total and its groups sorted by keys."""

    start: date
    end: date
    estimated: bool
    total: Sums
    groups: list[tuple[GroupKey, Sums]]


def parse_query(params: Mapping[str, Any]) -> Query:
    """Check a request the way the service does; ValidationException on anything off."""
    start, end = parse_time_period(params)
    granularity = parse_granularity(params)
    metrics = tuple(dict.fromkeys(params.get("Metrics") or ()))
    if not metrics:
        raise validation_error("Metrics must name at least one metric")
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise validation_error(f"Unsupported metrics {unknown}; valid metrics: {sorted(METRICS)}")
    group_by = tuple(params.get("GroupBy") or ())
    if len(group_by) > MAX_GROUP_BY:
        raise validation_error("You can only group by up to two different groups")
    for definition in group_by:
        group_key_function(definition)
    expression = params.get("Filter")
    predicate = compile_expression(expression) if expression is not None else None
    return Query(start, end, granularity, metrics, group_by, predicate, request_digest(params))


def group_key_function(definition: Mapping[str, str]) -> Callable[[Profile], str]:
    """How one GroupBy entry renders a profile's key: raw dimension value, or `Key$value`."""
    kind, key = definition.get("Type"), definition.get("Key")
    if not key:
        raise validation_error(f"GroupBy {definition!r} needs a Key")
    if kind == "DIMENSION":
        if key not in DIMENSION_FIELDS:
            raise validation_error(
                f"Group by dimension {key!r} is not supported by the local Cost Explorer; "
                f"supported: {sorted(DIMENSION_FIELDS)}"
            )
        attribute = DIMENSION_FIELDS[key]
        return lambda profile: getattr(profile, attribute)
    if kind == "TAG":
        return lambda profile: f"{key}${profile.tags.get(key, '')}"
    if kind == "COST_CATEGORY":
        return lambda profile: f"{key}${profile.cost_categories.get(key, '')}"
    raise validation_error(
        f"GroupBy type {kind!r} is not supported; use DIMENSION, TAG or COST_CATEGORY"
    )


def answer_periods(
    table: CostTable, query: Query, today: date, days_after_month_end: int
) -> list[PeriodAnswer]:
    """Every period of the query with its total and sorted groups, in exact arithmetic."""
    key_functions = tuple(group_key_function(d) for d in query.group_by)
    predicate = query.predicate
    profiles = table.profiles
    group_of: list[Any] = [_UNSEEN] * len(profiles)

    def classify(profile_id: int) -> GroupKey | None:
        profile = profiles[profile_id]
        if predicate is not None and not predicate(profile):
            return None
        return tuple(function(profile) for function in key_functions)

    answers: list[PeriodAnswer] = []
    with exact_arithmetic():
        for start, end in split_periods(query.start, query.end, query.granularity):
            sums: dict[GroupKey, Sums] = {}
            for profile_id, row in table.rows(start, end):
                key = group_of[profile_id]
                if key is _UNSEEN:
                    key = group_of[profile_id] = classify(profile_id)
                if key is None:
                    continue
                group = sums.get(key)
                if group is None:
                    group = sums[key] = Sums()
                group.add(row)
            total = Sums()
            for group in sums.values():
                total.add(group)
            groups = sorted(sums.items()) if key_functions else []
            estimated = is_estimated(start, today, days_after_month_end)
            answers.append(PeriodAnswer(start, end, estimated, total, groups))
    return answers


def format_amount(value: Decimal) -> str:
    """A Decimal as Cost Explorer writes it: plain digits, never exponent notation."""
    if not value:
        return "0"
    return format(value, "f")


def render_metrics(sums: Sums, metrics: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`{"UnblendedCost": {"Amount": "1.5", "Unit": "USD"}, ...}` in request order."""
    return {
        name: {"Amount": format_amount(sums.metric(name)), "Unit": sums.unit_of(name)}
        for name in metrics
    }


class CostAndUsage:
    """Answers GetCostAndUsage from a cost table, with pagination and an answer cache."""

    def __init__(
        self,
        table: CostTable,
        today: date,
        *,
        page_size: int,
        retention_months: int,
        days_after_month_end: int,
        history_refusal: str = "DataUnavailableException",
        no_data_from: date | None = None,
        account_names: Mapping[str, str] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._table = table
        self._today = today
        self._page_size = page_size
        self._retention_months = retention_months
        self._days_after_month_end = days_after_month_end
        self._history_refusal = history_refusal
        self._no_data_from = no_data_from
        self._answers: OrderedDict[str, list[PeriodAnswer]] = OrderedDict()
        self._account_names = dict(account_names or {})

    def handle(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """One page of the answer to a request."""
        query = parse_query(params)
        check_retention(
            query.start,
            query.end,
            self._today,
            self._retention_months,
            refusal=self._history_refusal,
            no_data_from=self._no_data_from,
        )
        token = params.get("NextPageToken")
        period, offset = decode_token(token, query.digest) if token is not None else (0, 0)
        answers = self._answer(query)
        if period >= len(answers) or (offset and offset >= len(answers[period].groups)):
            raise invalid_token()
        return self._page(query, answers, period, offset)

    def _answer(self, query: Query) -> list[PeriodAnswer]:
        answers = self._answers.get(query.digest)
        if answers is None:
            answers = answer_periods(self._table, query, self._today, self._days_after_month_end)
            self._answers[query.digest] = answers
            while len(self._answers) > _CACHED_ANSWERS:
                self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(query.digest)
        return answers

    def _page(
        self, query: Query, answers: list[PeriodAnswer], period: int, offset: int
    ) -> dict[str, Any]:
        room = self._page_size
        results: list[dict[str, Any]] = []
        while period < len(answers):
            answer = answers[period]
            remaining = len(answer.groups) - offset
            if room == 0 and remaining > 0:
                break
            taken = answer.groups[offset : offset + room] if query.group_by else []
            results.append(self._result(query, answer, taken))
            room -= len(taken)
            offset += len(taken)
            if offset < len(answer.groups):
                break
            period, offset = period + 1, 0
        page: dict[str, Any] = {
            "GroupDefinitions": [dict(d) for d in query.group_by],
            "ResultsByTime": results,
            "DimensionValueAttributes": self._attributes(query, results),
        }
        if period < len(answers):
            page["NextPageToken"] = encode_token(query.digest, period, offset)
        return page

    def _attributes(self, query: Query, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Names of the linked accounts a page's groups show (aws-facts.md §1.3: "the typical
        case is LINKED_ACCOUNT mapped to its account name"); accounts without a name are left
        out."""
        positions = [
            i
            for i, d in enumerate(query.group_by)
            if d.get("Type") == "DIMENSION" and d.get("Key") == "LINKED_ACCOUNT"
        ]
        accounts = sorted(
            {g["Keys"][i] for r in results for g in r["Groups"] for i in positions}
            & set(self._account_names)
        )
        return [
            {"Value": account, "Attributes": {"description": self._account_names[account]}}
            for account in accounts
        ]

    @staticmethod
    def _result(
        query: Query, answer: PeriodAnswer, groups: list[tuple[GroupKey, Sums]]
    ) -> dict[str, Any]:
        return {
            "TimePeriod": {"Start": answer.start.isoformat(), "End": answer.end.isoformat()},
            "Total": {} if query.group_by else render_metrics(answer.total, query.metrics),
            "Groups": [
                {"Keys": list(keys), "Metrics": render_metrics(sums, query.metrics)}
                for keys, sums in groups
            ],
            "Estimated": answer.estimated,
        }
