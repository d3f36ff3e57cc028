"""QUERY_ENGINE=athena: the Athena SQL text gives the embedded engine's answer, and the API flow
(start, poll with backoff, read the result CSV; failure, timeout) is right."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dapanoskop.collector import CollectionConfig
from dapanoskop.dataexport.athena import AthenaEngine
from dapanoskop.dataexport.embedded import EmbeddedEngine, query_columns
from dapanoskop.dataexport.location import ExportError, ExportLocation
from dapanoskop.dataexport.source import collect_export
from dapanoskop.dataexport.sql import Dialect, build_sql
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.periods import daily_specs
from dapanoskop.settings import AthenaSettings, LocalDestination
from dapanoskop.store import LocalStore
from tests import e2e_account
from tests.conftest import BUCKET
from tests.dataexport.athena_fake import FakeAthena, run_athena_sql_on_duckdb

TODAY = date(2026, 11, 20)
SETTINGS = AthenaSettings(database="cur_db", table="cur_table", output_location="s3://r/athena/")


@pytest.fixture
def export(tmp_path: Path) -> ExportLocation:
    root = tmp_path / "my-export"
    write_cur_export(e2e_account.line_items(), LocalStore(root), "my-export", TODAY)
    return ExportLocation(LocalDestination(root), LocalStore(root))


def _config(metric: str = "AmortizedCost") -> CollectionConfig:
    return CollectionConfig(metric, e2e_account.TAG_KEY, e2e_account.COST_CATEGORY, 13)


@pytest.mark.parametrize("metric", ["UnblendedCost", "AmortizedCost", "NetAmortizedCost"])
def test_athena_sql_text_on_duckdb_equals_the_embedded_engine(
    export: ExportLocation, metric: str
) -> None:
    """Both dialects of one query over the same files give the same rows, set by set."""
    captured: dict[str, Any] = {}

    class Capture(EmbeddedEngine):
        def rows(self, query: Any, files: Any, columns: Any) -> Any:
            captured.update(query=query, files=files, columns=columns)
            return list(super().rows(query, files, columns))

    embedded = collect_export(Capture(), export, daily_specs(TODAY), _config(metric), query_columns)
    query, files, columns = captured["query"], captured["files"], captured["columns"]
    sql = build_sql(
        query, '"cur_db"."cur_table"', Dialect.ATHENA, partition_column="billing_period"
    )
    assert "->" in sql and "element_at" in sql  # the Trino text, not the DuckDB one
    _, athena_rows = run_athena_sql_on_duckdb(sql, files, "cur_db", "cur_table", columns)
    duck_rows = list(EmbeddedEngine().rows(query, files, columns))
    assert sorted(map(repr, athena_rows)) == sorted(map(repr, duck_rows))
    assert embedded.data  # and the source made records of them


def test_athena_engine_collects_what_the_embedded_engine_collects(
    export: ExportLocation, s3: Any
) -> None:
    files = [f for p in export.periods() for f in export.data_files(p)]
    fake = FakeAthena(s3, BUCKET, files, query_columns_all())
    sleeps: list[float] = []
    engine = AthenaEngine(fake, s3, SETTINGS, sleep=sleeps.append)
    specs = daily_specs(TODAY)
    via_athena = collect_export(engine, export, specs, _config(), query_columns)
    embedded = collect_export(EmbeddedEngine(), export, specs, _config(), query_columns)
    assert via_athena.data == embedded.data
    assert sleeps == [0.5, 1.0]  # polled twice while RUNNING, backing off
    started = fake.started[0]
    assert started["WorkGroup"] == "primary"
    assert started["QueryExecutionContext"] == {"Database": "cur_db"}
    assert started["ResultConfiguration"] == {"OutputLocation": "s3://r/athena/"}
    assert (
        "\"billing_period\" IN ('2025-10', '2025-11', '2026-09', '2026-10')"
        in started["QueryString"]
    )
    assert engine.bytes_scanned == 1234


def query_columns_all() -> list[str]:
    from dapanoskop.dataexport.columns import SCHEMA

    return list(SCHEMA.names)


def _stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("athena", region_name="us-east-1")
    return client, Stubber(client)


def _execution(state: str, reason: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    return {
        "QueryExecution": {
            "QueryExecutionId": "q-1",
            "Status": status,
            "ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/athena/q-1.csv"},
        }
    }


def test_api_flow_start_poll_and_read_the_result_csv(s3: Any) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="athena/q-1.csv",
        Body=b'"k"\n"Cost Center"\n"Team"\n',
    )
    client, stub = _stubbed()
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {
            "QueryString": stub_any(),
            "QueryExecutionContext": {"Database": "cur_db"},
            "WorkGroup": "primary",
            "ResultConfiguration": {"OutputLocation": "s3://r/athena/"},
        },
    )
    for state in ("QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"):
        stub.add_response("get_query_execution", _execution(state), {"QueryExecutionId": "q-1"})
    sleeps: list[float] = []
    with stub:
        engine = AthenaEngine(client, s3, SETTINGS, sleep=sleeps.append)
        assert engine.cost_category_keys("2026-10", []) == ["Cost Center", "Team"]
    stub.assert_no_pending_responses()
    assert sleeps == [0.5, 1.0, 2.0]


def stub_any() -> Any:
    from botocore.stub import ANY

    return ANY


def test_a_failed_query_says_why(s3: Any) -> None:
    client, stub = _stubbed()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stub.add_response(
        "get_query_execution", _execution("FAILED", "TABLE_NOT_FOUND: cur_db.cur_table")
    )
    with stub, pytest.raises(ExportError, match="q-1 failed: TABLE_NOT_FOUND"):
        list(
            AthenaEngine(client, s3, SETTINGS, sleep=lambda _s: None).cost_category_keys(
                "2026-10", []
            )
        )


def test_a_query_past_the_deadline_is_stopped(s3: Any) -> None:
    client, stub = _stubbed()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    # Polls at 0 s, 0.5 s and 1.5 s; the next (after 2 s more) would pass the 3 s deadline.
    for _ in range(3):
        stub.add_response("get_query_execution", _execution("RUNNING"))
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    engine = AthenaEngine(
        client, s3, SETTINGS, deadline_seconds=3.0, sleep=sleep, clock=lambda: now[0]
    )
    with stub, pytest.raises(ExportError, match="did not finish within 3 s"):
        engine.cost_category_keys("2026-10", [])
    stub.assert_no_pending_responses()


def test_athena_refusing_the_query_is_an_export_error(s3: Any) -> None:
    client, stub = _stubbed()
    stub.add_client_error("start_query_execution", "InvalidRequestException", "bad workgroup")
    with stub, pytest.raises(ExportError, match="Athena refused the query"):
        AthenaEngine(client, s3, SETTINGS).cost_category_keys("2026-10", [])


def test_decimal_and_null_fields_of_the_result_csv(s3: Any) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="athena/q-1.csv",
        Body=b'"window_id","workload","cost","unfinalized"\n"","","12.500000000000","3"\n',
    )
    client, stub = _stubbed()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stub.add_response("get_query_execution", _execution("SUCCEEDED"))
    with stub:
        rows = list(AthenaEngine(client, s3, SETTINGS)._run("SELECT 1"))
    assert rows == [(None, "", Decimal("12.5"), 3)]
