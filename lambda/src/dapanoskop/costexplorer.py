"""A thin, counting wrapper around a boto3 Cost Explorer client.

Every Cost Explorer request (every page) costs $0.01, so every request goes through here and
is counted. GetCostAndUsage has no botocore paginator: pages are followed by hand, resending
the identical request with the token, and merged by time period because one period's groups
may be split across pages.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)


class CostExplorerError(RuntimeError):
    """A Cost Explorer request failed after botocore's retries; says which request."""

    def __init__(self, operation: str, detail: str, cause: Exception) -> None:
        self.operation = operation
        self.code = error_code(cause)
        super().__init__(f"Cost Explorer {operation} ({detail}) failed: {cause}")


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ClientError, or the exception's class name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


# Refusals that mean "these dates are outside the history you have". Error codes from
# botocore's Cost Explorer model (GetCostAndUsage errors: DataUnavailableException "The
# requested data is unavailable", BillExpirationException "The requested report expired");
# ValidationException is not modeled and also covers bad requests, so only its date-history
# messages count, e.g. "To retrieve data beyond the past 14 months, your start date needs to be
# the first day of the month" (reported against the live API, redhat-performance/
# cloud-governance PR #1011, 2026) and "Start date is more than 14 days ago" (boto3 #2369).
_HISTORY_CODES = frozenset({"DataUnavailableException", "BillExpirationException"})
_HISTORY_MESSAGE = re.compile(
    r"beyond the past|too old|older than|historical|history|retention|expired|"
    r"more than \d+ (?:days|months) ago|not available|unavailable",
    re.IGNORECASE,
)


def is_history_refusal(error: ClientError) -> bool:
    """True when Cost Explorer refused a request because its dates are outside its history."""
    code = error_code(error)
    if code in _HISTORY_CODES:
        return True
    message = str(error.response.get("Error", {}).get("Message", ""))
    return code == "ValidationException" and bool(_HISTORY_MESSAGE.search(message))


@dataclass
class PeriodResult[T]:
    """One time period of a GetCostAndUsage answer: its groups, parsed page by page (`parts`
    holds what the page parser made of each page's groups, in page order)."""

    start: str
    end: str
    estimated: bool = False
    parts: list[T] = field(default_factory=list)
    complete: bool = True  # False: a stopped request received only part of this period


class CollectionStopped(Exception):  # noqa: N818 - a signal, not an error
    """The time budget ran out between two pages; `results` are the periods received so far.

    Pages come in time order, so every period but the last one received is complete.
    """

    def __init__(self, results: list[PeriodResult[Any]]) -> None:
        super().__init__("stopped before the next page: time budget spent")
        self.results = results


# What the pipeline reads of a GetCostAndUsage answer, typed; the groups' `Metrics` (named by
# the request's metrics) and any other field are left to Arrow's inference.
_ANSWER = pa.schema(
    [
        pa.field(
            "ResultsByTime",
            pa.list_(
                pa.struct(
                    [
                        ("TimePeriod", pa.struct([("Start", pa.string()), ("End", pa.string())])),
                        ("Estimated", pa.bool_()),
                        ("Groups", pa.list_(pa.struct([("Keys", pa.list_(pa.string()))]))),
                    ]
                )
            ),
        ),
        pa.field("NextPageToken", pa.string()),
        pa.field(
            "DimensionValueAttributes",
            pa.list_(
                pa.struct(
                    [
                        ("Value", pa.string()),
                        ("Attributes", pa.struct([("description", pa.string())])),
                    ]
                )
            ),
        ),
    ]
)


def _decode_results_fast(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore `before-parse` hook for GetCostAndUsage: the groups decoded into Arrow.

    botocore parses a JSON answer shape by shape in Python (~13 calls per group: half of a
    large run's CPU), and even the C `json` decoder makes ~12 Python objects per group that
    must be freed again. Arrow's JSON reader decodes the page into columns instead, in about
    the time `json.loads` takes. `ResultsByTime` comes back as a list of periods (a few
    dicts) whose `Groups` is an Arrow StructArray of that period's groups (`Keys`, `Metrics`
    as Cost Explorer wrote them; `collector` reads both this and botocore's list of dicts).
    The page token and DimensionValueAttributes (Value and its description) are handed on to
    botocore in a body of their own; Total and GroupDefinitions, which nobody reads, are
    dropped. Error answers and bodies Arrow cannot read are left to botocore. Stateless, so
    the client stays safe to share between threads.
    """
    if response_dict.get("status_code") != 200:
        return
    body = response_dict.get("body")
    if not body:
        return
    try:
        answer = pa_json.read_json(
            io.BytesIO(body),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(body) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=_ANSWER, newlines_in_values=True, unexpected_field_behavior="infer"
            ),
        )
    except pa.ArrowException:
        return
    if answer.num_rows != 1:
        return
    results = answer.column("ResultsByTime").combine_chunks()
    if not results.is_valid()[0].as_py():
        return
    customized_response_dict["ResultsByTime"] = _periods(results.values)
    rest: dict[str, Any] = {}
    token = answer.column("NextPageToken")[0].as_py()
    if token is not None:
        rest["NextPageToken"] = token
    attributes = answer.column("DimensionValueAttributes")[0].as_py()
    if attributes is not None:
        rest["DimensionValueAttributes"] = [
            {
                "Value": entry["Value"],
                "Attributes": {
                    k: v for k, v in (entry["Attributes"] or {}).items() if v is not None
                },
            }
            for entry in attributes
        ]
    response_dict["body"] = json.dumps(rest).encode()


def _periods(periods: pa.StructArray) -> list[dict[str, Any]]:
    """The periods of a decoded answer, each period's groups kept as an Arrow array."""
    period = dict(zip(periods.type.names, periods.flatten(), strict=True))
    times = period["TimePeriod"]
    time_period = dict(zip(times.type.names, times.flatten(), strict=True))
    starts, ends = time_period["Start"].to_pylist(), time_period["End"].to_pylist()
    estimated = period["Estimated"].to_pylist()
    groups = period["Groups"]
    return [
        {
            "TimePeriod": {"Start": starts[i], "End": ends[i]},
            "Estimated": bool(estimated[i]),
            "Groups": groups[i].values if groups[i].is_valid else [],
        }
        for i in range(len(periods))
    ]


@dataclass
class CostExplorer:
    """Counts requests per operation; `requests` is what the run pays for.

    Safe to share between the collector's workers: the client is thread-safe and the counts
    are updated under a lock.
    """

    client: Any
    counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        events = getattr(getattr(self.client, "meta", None), "events", None)
        if events is not None:
            events.register(
                "before-parse.cost-explorer.GetCostAndUsage",
                _decode_results_fast,
                unique_id="dapanoskop-decode-results",
            )

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def _call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.counts[operation] = self.counts.get(operation, 0) + 1
        method = getattr(self.client, _snake(operation))
        return method(**params)

    def cost_and_usage[T](
        self,
        request: Mapping[str, Any],
        detail: str,
        parse_page: Callable[[Any], T],
        on_first_page: Callable[[], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        attributes: dict[str, str] | None = None,
    ) -> list[PeriodResult[T]]:
        """Every period of a GetCostAndUsage request, pages merged, groups parsed as they come.

        Each page's groups (of one period: an Arrow array from `_decode_results_fast`, or
        botocore's dicts from a client without it) are handed to `parse_page` before the next
        page is asked for; `PeriodResult.parts` keeps what it made of each page.
        `on_first_page` is called once Cost Explorer has accepted the request (its first page
        arrived), before the rest is fetched. `should_stop` is asked before every page: when
        it says yes, CollectionStopped carries what was received (nothing is asked).
        Raises history refusals (`is_history_refusal`) unchanged, so callers decide what an
        unavailable range means, and wraps every other failure in CostExplorerError.
        """
        merged: dict[tuple[str, str], PeriodResult[T]] = {}
        token: str | None = None
        while True:
            if should_stop is not None and should_stop():
                received = list(merged.values())
                if received:
                    received[-1].complete = False
                raise CollectionStopped(received)
            params = dict(request) if token is None else {**request, "NextPageToken": token}
            try:
                page = self._call("GetCostAndUsage", params)
            except ClientError as error:
                if is_history_refusal(error):
                    raise
                raise CostExplorerError("GetCostAndUsage", detail, error) from error
            except BotoCoreError as error:
                raise CostExplorerError("GetCostAndUsage", detail, error) from error
            if token is None and on_first_page is not None:
                on_first_page()
            for result in page.get("ResultsByTime", []):
                period = result["TimePeriod"]
                key = (period["Start"], period["End"])
                merged_result = merged.setdefault(key, PeriodResult(*key))
                merged_result.estimated |= bool(result.get("Estimated", False))
                groups = result.get("Groups")
                if groups is not None and len(groups):
                    merged_result.parts.append(parse_page(groups))
            if attributes is not None:
                # DimensionValueAttributes: e.g. a linked account's name ("description").
                for entry in page.get("DimensionValueAttributes", ()):
                    name = entry.get("Attributes", {}).get("description")
                    if name is not None:
                        attributes[entry["Value"]] = name
            token = page.get("NextPageToken")
            del page
            if not token:
                return list(merged.values())

    def cost_category_names(self, start: str, end: str) -> list[str]:
        """Names of the account's cost categories with data in [start, end)."""
        names: list[str] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"TimePeriod": {"Start": start, "End": end}}
            if token:
                params["NextPageToken"] = token
            try:
                page = self._call("GetCostCategories", params)
            except (ClientError, BotoCoreError) as error:
                raise CostExplorerError("GetCostCategories", f"{start}..{end}", error) from error
            names.extend(page.get("CostCategoryNames", []))
            token = page.get("NextPageToken")
            if not token:
                return sorted(set(names))

    def cost_category_references(self) -> list[dict[str, Any]]:
        """ListCostCategoryDefinitions, every page: the categories effective today.

        Its paginator token is `NextToken` (not NextPageToken, unlike the other operations).
        """
        references: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"MaxResults": 100}
            if token:
                params["NextToken"] = token
            try:
                page = self._call("ListCostCategoryDefinitions", params)
            except (ClientError, BotoCoreError) as error:
                raise CostExplorerError("ListCostCategoryDefinitions", "", error) from error
            references.extend(page.get("CostCategoryReferences", []))
            token = page.get("NextToken")
            if not token:
                return references

    def cost_category_definition(self, arn: str, effective_on: str) -> dict[str, Any] | None:
        """DescribeCostCategoryDefinition: the version effective on `effective_on`, or None
        when there is none (ResourceNotFoundException: no such category or no version yet)."""
        params = {"CostCategoryArn": arn, "EffectiveOn": effective_on}
        try:
            return self._call("DescribeCostCategoryDefinition", params)["CostCategory"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise CostExplorerError(
                "DescribeCostCategoryDefinition", effective_on, error
            ) from error
        except BotoCoreError as error:
            raise CostExplorerError(
                "DescribeCostCategoryDefinition", effective_on, error
            ) from error

    def forecast(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """GetCostForecast, unwrapped; errors propagate (a forecast is optional to callers)."""
        return self._call("GetCostForecast", params)


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
