"""LocalCostExplorer: the fake behind a real boto3 `ce` client.

It hooks botocore's `before-send` event, so everything up to the wire is real: botocore
validates and serialises each request, signs it (with fake credentials), and parses the
answer, raising the modeled exception classes (`client.exceptions.DataUnavailableException`)
and retrying throttling (`LimitExceededException`) as it would against AWS. The hook reads the
operation from the `X-Amz-Target` header and the parameters from the JSON body, and answers
with a JSON 1.1 body: status 200, or 400 with `{"__type": code, "Message": ...}`.

`requests` records every HTTP attempt that reached the fake, in order, as
(operation name, request parameters): botocore retries and every page count, because each is a
billed request on AWS ($0.01). Injected faults are recorded too.

Thread-safe like a boto3 client: requests from several threads (the collector's bounded pool)
are answered one at a time under a lock, so `requests` and injected faults stay consistent.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from dapanoskop.localce.cost_and_usage import CostAndUsage
from dapanoskop.localce.cost_categories import CostCategories
from dapanoskop.localce.cost_category_definitions import (
    CostCategoryDefinition,
    CostCategoryDefinitions,
)
from dapanoskop.localce.errors import CostExplorerError
from dapanoskop.localce.forecast import CostForecast
from dapanoskop.localce.ledger import LineItem
from dapanoskop.localce.table import CostTable
from dapanoskop.localce.timeline import HISTORY_REFUSALS

logger = logging.getLogger(__name__)

REGION = "us-east-1"
_TARGET_PREFIX = "AWSInsightsIndexService."
_JSON = "application/x-amz-json-1.1"
_SERVER_ERRORS = {"InternalServerError": 500, "InternalFailure": 500, "ServiceUnavailable": 503}
# botocore's default is also standard mode with 3 attempts in total, but AWS_RETRY_MODE,
# AWS_MAX_ATTEMPTS or a config file could change it; the fake's clients behave the same
# everywhere unless the caller says so. (In a Config, "max_attempts" counts retries only,
# "total_max_attempts" counts the first attempt too.)
DEFAULT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3})


@cache
def _fake_session() -> boto3.session.Session:
    """One boto3 session with fake credentials, created on first use and shared, because
    loading the service model per client costs ~60 ms."""
    return boto3.session.Session(
        aws_access_key_id="localce-testing",
        aws_secret_access_key="localce-testing",
        region_name=REGION,
    )


@dataclass
class _Fault:
    code: str
    remaining: int
    message: str


class _Body:
    """The `raw` stream botocore reads a response body from."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_kwargs: Any) -> Iterable[bytes]:
        yield self._content


class LocalCostExplorer:
    """A local Cost Explorer answering from line items; see the package docstring."""

    def __init__(
        self,
        items: Iterable[LineItem],
        today: date,
        *,
        page_size: int = 500,
        retention_months: int = 13,
        estimated_days_after_month_end: int = 3,
        cost_categories: Sequence[str] | None = None,
        definitions: Sequence[CostCategoryDefinition] = (),
        history_refusal: str = "DataUnavailableException",
        no_data_from: date | None = None,
        account_names: Mapping[str, str] | None = None,
    ) -> None:
        """`history_refusal`: the error code for a Start before retention (one of
        `timeline.HISTORY_REFUSALS`); `no_data_from`: the first day not loaded yet;
        `account_names`: linked account id -> name, answered as DimensionValueAttributes."""
        if history_refusal not in HISTORY_REFUSALS:
            raise ValueError(f"history_refusal must be one of {sorted(HISTORY_REFUSALS)}")
        self.today = today
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._faults: dict[str, list[_Fault]] = {}
        table = CostTable(items)
        names = table.cost_category_names() if cost_categories is None else cost_categories
        self._operations = {
            "GetCostAndUsage": CostAndUsage(
                table,
                today,
                page_size=page_size,
                retention_months=retention_months,
                days_after_month_end=estimated_days_after_month_end,
                history_refusal=history_refusal,
                no_data_from=no_data_from,
                account_names=account_names,
            ).handle,
            "GetCostCategories": CostCategories(table, today, names, retention_months).handle,
            "GetCostForecast": CostForecast(table, today).handle,
        }
        described = CostCategoryDefinitions(definitions, today)
        self._operations["ListCostCategoryDefinitions"] = described.list
        self._operations["DescribeCostCategoryDefinition"] = described.describe

    def client(self, config: Config | None = None) -> Any:
        """A real boto3 `ce` client (us-east-1, fake credentials) answered by this fake.

        Retries default to botocore's standard mode with 3 attempts in total; `config` is merged
        on top (its `retries` dict replaces the default one as a whole).
        No network and no real credentials are needed.
        """
        merged = DEFAULT_CONFIG.merge(config) if config is not None else DEFAULT_CONFIG
        return self.attach(_fake_session().client("ce", region_name=REGION, config=merged))

    def attach(self, client: Any) -> Any:
        """Answer an existing boto3 `ce` client's requests from now on; returns the client.

        Registered first, so the fake answers even when moto's mock is active.
        """
        if client.meta.service_model.service_name != "ce":
            raise ValueError("LocalCostExplorer can only be attached to a Cost Explorer client")
        client.meta.events.register_first(
            "before-send.ce", self._on_before_send, unique_id=f"localce-{id(self)}"
        )
        return client

    def request_count(self, operation: str | None = None) -> int:
        """HTTP attempts that reached the fake, of one operation or of all."""
        if operation is None:
            return len(self.requests)
        return sum(1 for name, _ in self.requests if name == operation)

    def fail_next(
        self,
        operation: str,
        code: str,
        times: int = 1,
        message: str = "Injected failure from the local Cost Explorer",
    ) -> None:
        """Answer the next `times` attempts of `operation` (e.g. "GetCostAndUsage") with `code`.

        Faults queue up in call order. `LimitExceededException` is retried by botocore, so
        `times` below the client's max attempts clears within one call.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if not operation[:1].isupper() or "_" in operation:
            raise ValueError(
                f"operation must be an API name like 'GetCostAndUsage', not {operation!r}"
            )
        self._faults.setdefault(operation, []).append(_Fault(code, times, message))

    def _on_before_send(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse:
        with self._lock:
            return self._serve(request)

    def _serve(self, request: AWSPreparedRequest) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        operation = target.removeprefix(_TARGET_PREFIX)
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes) else body)
        self.requests.append((operation, params))
        try:
            answer = self._answer(operation, params)
        except CostExplorerError as error:
            logger.debug("refused request operation=%s code=%s", operation, error.code)
            payload = {"__type": error.code, "Message": error.message}
            return self._response(request, error.status, payload)
        return self._response(request, 200, answer)

    def _answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        faults = self._faults.get(operation)
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining == 0:
                faults.pop(0)
            raise CostExplorerError(fault.code, fault.message, _SERVER_ERRORS.get(fault.code, 400))
        handler = self._operations.get(operation)
        if handler is None:
            raise CostExplorerError(
                "UnsupportedOperationException",
                f"The local Cost Explorer does not implement {operation}",
            )
        return handler(params)

    def _response(
        self, request: AWSPreparedRequest, status: int, payload: dict[str, Any]
    ) -> AWSResponse:
        headers = {
            "Content-Type": _JSON,
            "x-amzn-RequestId": f"localce-{len(self.requests):08d}",
        }
        return AWSResponse(request.url, status, headers, _Body(json.dumps(payload).encode()))
