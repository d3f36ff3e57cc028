"""The distributed engine: the same aggregation as an Amazon Athena query over the export.

For organizations whose export outgrows one Lambda. The SQL is `sql.build_sql` in its Athena
(Trino, engine v3) dialect over the export's table (the Data Exports Glue table, or one the
template creates), restricted to the needed billing periods through the table's partition
column (a CUR 2.0 export's data folders are `BILLING_PERIOD=YYYY-MM`, which a Glue table reads
as the partition `billing_period`).

Flow (Athena API reference): StartQueryExecution -> GetQueryExecution, polled with exponential
backoff until SUCCEEDED / FAILED / CANCELLED (StopQueryExecution when our deadline passes) ->
the result CSV that Athena wrote to its output location (`ResultConfiguration.OutputLocation`
of the finished execution), streamed from S3 rather than paged through GetQueryResults
(1,000 rows a call). Athena bills the data scanned ($5 per TB in most regions); Parquet column
pruning and partition pruning keep that to the columns and months read.
"""

from __future__ import annotations

import codecs
import csv
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dapanoskop import aws
from dapanoskop.dataexport.location import DataFile, ExportError
from dapanoskop.dataexport.sql import (
    Dialect,
    Query,
    build_sql,
    cost_category_keys_sql,
    quote_identifier,
    quote_literal,
)
from dapanoskop.settings import AthenaSettings

logger = logging.getLogger(__name__)

_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
_INTEGER_COLUMNS = {"window_id", "unfinalized"}
_DECIMAL_COLUMNS = {"cost", "quantity"}


@dataclass
class AthenaEngine:
    """Runs the SQL in Athena; `sleep` and `clock` are parameters so tests need not wait."""

    athena: Any
    s3: Any
    settings: AthenaSettings
    first_poll_seconds: float = 0.5
    max_poll_seconds: float = 10.0
    deadline_seconds: float = 600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    executions: list[str] = field(default_factory=list)
    bytes_scanned: int = 0
    name = "athena"

    @classmethod
    def from_settings(cls, settings: AthenaSettings) -> AthenaEngine:
        return cls(aws.athena_client(), aws.s3_client(), settings)

    @property
    def table(self) -> str:
        return f"{quote_identifier(self.settings.database)}.{quote_identifier(self.settings.table)}"

    def rows(
        self, query: Query, files: Sequence[DataFile], columns: Sequence[str]
    ) -> Iterator[tuple]:
        sql = build_sql(
            query, self.table, Dialect.ATHENA, partition_column=self.settings.partition_column
        )
        return self._run(sql)

    def cost_category_keys(self, period: str, files: Sequence[DataFile]) -> list[str]:
        column = quote_identifier(self.settings.partition_column)
        table = f"{self.table} WHERE {column} = {quote_literal(period)}"
        return [row[0] for row in self._run(cost_category_keys_sql(table, Dialect.ATHENA))]

    def _run(self, sql: str) -> Iterator[tuple]:
        execution_id = self._start(sql)
        execution = self._wait(execution_id)
        output = execution["ResultConfiguration"]["OutputLocation"]
        yield from self._result_rows(output)

    def _start(self, sql: str) -> str:
        params: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": self.settings.database},
            "WorkGroup": self.settings.workgroup,
        }
        if self.settings.output_location:
            params["ResultConfiguration"] = {"OutputLocation": self.settings.output_location}
        try:
            execution_id = self.athena.start_query_execution(**params)["QueryExecutionId"]
        except (ClientError, BotoCoreError) as error:
            raise ExportError(f"Athena refused the query: {error}") from error
        self.executions.append(execution_id)
        logger.info("athena query started execution=%s", execution_id)
        return execution_id

    def _wait(self, execution_id: str) -> dict[str, Any]:
        """Poll with exponential backoff (0.5 s doubling to 10 s) until the query ends."""
        deadline = self.clock() + self.deadline_seconds
        delay = self.first_poll_seconds
        while True:
            try:
                execution = self.athena.get_query_execution(QueryExecutionId=execution_id)[
                    "QueryExecution"
                ]
            except (ClientError, BotoCoreError) as error:
                raise ExportError(f"cannot follow Athena query {execution_id}: {error}") from error
            status = execution["Status"]
            state = status["State"]
            if state in _DONE:
                break
            if self.clock() + delay > deadline:
                self._stop(execution_id)
                raise ExportError(
                    f"Athena query {execution_id} did not finish within "
                    f"{self.deadline_seconds:.0f} s; it was stopped"
                )
            self.sleep(delay)
            delay = min(delay * 2, self.max_poll_seconds)
        if state != "SUCCEEDED":
            reason = status.get("StateChangeReason", "no reason given")
            raise ExportError(f"Athena query {execution_id} {state.lower()}: {reason}")
        self.bytes_scanned += int(execution.get("Statistics", {}).get("DataScannedInBytes", 0) or 0)
        return execution

    def _stop(self, execution_id: str) -> None:
        try:
            self.athena.stop_query_execution(QueryExecutionId=execution_id)
        except (ClientError, BotoCoreError) as error:
            logger.warning("cannot stop athena query execution=%s error=%s", execution_id, error)

    def _result_rows(self, output: str) -> Iterator[tuple]:
        """Stream Athena's result CSV (header row first; empty field = NULL for our columns)."""
        bucket, _, key = output.removeprefix("s3://").partition("/")
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as error:
            raise ExportError(f"cannot read Athena's result {output}: {error}") from error
        lines = codecs.iterdecode(body.iter_lines(keepends=True), "utf-8")
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return
        for record in reader:
            yield tuple(_value(name, text) for name, text in zip(header, record, strict=True))


def _value(name: str, text: str) -> Any:
    """A CSV field as the embedded engine would return it (text columns stay text)."""
    if name in _INTEGER_COLUMNS:
        return int(text) if text else None
    if name in _DECIMAL_COLUMNS:
        return Decimal(text) if text else Decimal(0)
    return text
