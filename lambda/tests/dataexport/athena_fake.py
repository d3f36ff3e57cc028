"""A stand-in for Athena that really runs the Athena SQL text, on DuckDB.

DuckDB runs the Athena (Trino) dialect's text unchanged once three Trino functions are given
their Trino meaning (`element_at` on a map returns the value or NULL, `array_min`,
`date_format` with the `%Y-%m` pattern) and the `->` lambda syntax is switched on. The export's
files are the table `"<database>"."<table>"`, with the partition column `billing_period`
derived from each row's billing period as a Glue table over `BILLING_PERIOD=YYYY-MM` folders
has it. Results are written to S3 as Athena writes them: a CSV with a header, every value
quoted, NULL as an empty field.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from typing import Any

import duckdb

from dapanoskop.dataexport.embedded import EmbeddedEngine
from dapanoskop.dataexport.location import DataFile

TRINO_SHIM = (
    "SET lambda_syntax = 'ENABLE_SINGLE_ARROW'",
    "CREATE MACRO element_at(m, k) AS m[k]",
    "CREATE MACRO array_min(l) AS list_min(l)",
    "CREATE MACRO date_format(t, f) AS strftime(t, f)",
)


def run_athena_sql_on_duckdb(
    sql: str, files: Sequence[DataFile], database: str, table: str, columns: Sequence[str]
) -> tuple[list[str], list[tuple]]:
    connection = duckdb.connect()
    for statement in TRINO_SHIM:
        connection.execute(statement)
    dataset = EmbeddedEngine()._dataset(files, columns)
    connection.register("export_files", dataset)
    connection.execute(f'CREATE SCHEMA "{database}"')
    connection.execute(
        f'CREATE VIEW "{database}"."{table}" AS SELECT *, '
        "strftime(bill_billing_period_start_date, '%Y-%m') AS billing_period FROM export_files"
    )
    cursor = connection.execute(sql)
    header = [d[0] for d in cursor.description]
    return header, cursor.fetchall()


class FakeAthena:
    """The boto3 Athena calls the engine makes; each query runs on DuckDB (see module doc)."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        files: Sequence[DataFile],
        columns: Sequence[str],
        polls: int = 2,
    ) -> None:
        self.s3, self.bucket, self.files, self.columns = s3, bucket, files, columns
        self.polls = polls
        self.started: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._pending: dict[str, int] = {}

    def start_query_execution(self, **params: Any) -> dict[str, Any]:
        self.started.append(params)
        execution_id = f"q-{next(self._ids)}"
        database = params["QueryExecutionContext"]["Database"]
        header, rows = run_athena_sql_on_duckdb(
            params["QueryString"], self.files, database, "cur_table", self.columns
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else str(v) for v in row])
        self.s3.put_object(
            Bucket=self.bucket, Key=f"athena/{execution_id}.csv", Body=buffer.getvalue().encode()
        )
        self._pending[execution_id] = self.polls
        return {"QueryExecutionId": execution_id}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:  # noqa: N803
        remaining = self._pending[QueryExecutionId]
        self._pending[QueryExecutionId] = remaining - 1
        state = "RUNNING" if remaining > 0 else "SUCCEEDED"
        return {
            "QueryExecution": {
                "QueryExecutionId": QueryExecutionId,
                "Status": {"State": state},
                "ResultConfiguration": {
                    "OutputLocation": f"s3://{self.bucket}/athena/{QueryExecutionId}.csv"
                },
                "Statistics": {"DataScannedInBytes": 1234},
            }
        }
