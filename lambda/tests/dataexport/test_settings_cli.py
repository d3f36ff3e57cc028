# ruff: noqa: E501 - one bad setting per line reads better than wrapped ones
"""DATA_SOURCE / DATA_EXPORT_LOCATION / QUERY_ENGINE: validated once, from the environment or
the CLI's --source / --export / --engine; the CLI, the Lambda handler and the demo on an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dapanoskop.cli import main
from dapanoskop.contract_check import check_output
from dapanoskop.handler import handle
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.settings import (
    AthenaSettings,
    DataExportSettings,
    LocalDestination,
    S3Destination,
    Settings,
    SettingsError,
)
from dapanoskop.store import LocalStore, S3Store
from tests.conftest import BUCKET
from tests.test_cli import TODAY, ledger

BASE = {"DATA_BUCKET": "cost-data"}


def test_cost_explorer_is_the_default_source() -> None:
    settings = Settings.from_env(BASE)
    assert settings.data_export is None
    assert settings.data_source == "cost-explorer"


def test_every_data_export_setting_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "DATA_SOURCE": "Data-Export",
            "DATA_EXPORT_LOCATION": "s3://cur-bucket/cur/my-export/",
            "QUERY_ENGINE": "athena",
            "ATHENA_DATABASE": "cur_db",
            "ATHENA_TABLE": "my_export",
            "ATHENA_WORKGROUP": "finops",
            "ATHENA_OUTPUT_LOCATION": "s3://athena-results/dapanoskop/",
            "DUCKDB_MEMORY_LIMIT": "512MB",
        }
    )
    assert settings.data_source == "data-export"
    assert settings.data_export == DataExportSettings(
        location=S3Destination("cur-bucket", "cur/my-export"),
        engine="athena",
        athena=AthenaSettings(
            database="cur_db",
            table="my_export",
            workgroup="finops",
            output_location="s3://athena-results/dapanoskop/",
        ),
        duckdb_memory_limit="512MB",
    )


def test_a_local_export_folder_and_the_embedded_engine_by_default() -> None:
    settings = Settings.from_env(
        {**BASE, "DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/data/cur/my-export"}
    )
    assert settings.data_export == DataExportSettings(LocalDestination(Path("/data/cur/my-export")))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATA_SOURCE": "cur"}, "DATA_SOURCE='cur' is not valid: accepted is cost-explorer or data-export"),
        ({"DATA_SOURCE": "data-export"}, "DATA_EXPORT_LOCATION=None is not valid: accepted is s3://bucket/prefix/export-name or a local folder"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "s3://Bad_Bucket/x"}, "DATA_EXPORT_LOCATION='Bad_Bucket' is not valid"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/x", "QUERY_ENGINE": "spark"}, "QUERY_ENGINE='spark' is not valid: accepted is duckdb or athena"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/x", "QUERY_ENGINE": "athena"}, "ATHENA_DATABASE=None is not valid"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/x", "QUERY_ENGINE": "athena", "ATHENA_DATABASE": "db", "ATHENA_TABLE": "t; DROP"}, "ATHENA_TABLE='t; DROP' is not valid"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/x", "QUERY_ENGINE": "athena", "ATHENA_DATABASE": "db", "ATHENA_TABLE": "t", "ATHENA_OUTPUT_LOCATION": "results"}, "ATHENA_OUTPUT_LOCATION='results' is not valid: accepted is s3://"),
        ({"DATA_SOURCE": "data-export", "DATA_EXPORT_LOCATION": "/x", "DUCKDB_MEMORY_LIMIT": "lots"}, "DUCKDB_MEMORY_LIMIT='lots' is not valid: accepted is a size like 512MB or 2GB"),
    ],
)  # fmt: skip
def test_bad_settings_name_the_variable_the_value_and_what_is_accepted(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**BASE, **env})
    assert str(caught.value).startswith(message)


def _invoke(args: list[str], ce: LocalCostExplorer) -> Any:
    return CliRunner().invoke(
        main,
        [*args, "--today", "2026-11-26"],
        obj={"ce_client": ce.client()},
        prog_name="dapanoskop",
    )


def test_cli_run_from_an_export_writes_what_the_cost_explorer_run_writes(tmp_path: Path) -> None:
    write_cur_export(ledger(), LocalStore(tmp_path / "my-export"), "my-export", TODAY)
    unused = LocalCostExplorer([], TODAY)
    result = _invoke(
        ["run", "--output", str(tmp_path / "out"), "--cost-category", "CostCenter",
         "--source", "data-export", "--export", str(tmp_path / "my-export")],
        unused,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # One request: the cost category's split-charge rules (it has none here).
    assert result.stdout.splitlines()[1:] == [
        "  wrote    2026-11",
        "  wrote    2026-10",
        "Cost Explorer requests: 1 ($0.01)",
    ]
    assert [operation for operation, _ in unused.requests] == ["ListCostCategoryDefinitions"]
    october = json.loads((tmp_path / "out" / "2026-10" / "summary.json").read_text())
    # The numbers worked out in tests/test_cli.py's ledger.
    assert october["totals"] == {
        "current_cost_usd": 141.5,
        "prev_month_cost_usd": 131.5,
        "yoy_cost_usd": 21.5,
    }
    assert october["collection"]["source"] == "data-export"
    assert check_output(tmp_path / "out") == []


def test_cli_source_without_export_names_the_option_and_the_variable(tmp_path: Path) -> None:
    result = _invoke(
        ["run", "--output", str(tmp_path), "--source", "data-export"], LocalCostExplorer([], TODAY)
    )
    assert result.exit_code == 2
    assert "--export (DATA_EXPORT_LOCATION) None is not valid" in result.output


def test_cli_unknown_source_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke(
        ["run", "--output", str(tmp_path), "--source", "cur"], LocalCostExplorer([], TODAY)
    )
    assert result.exit_code == 2
    assert "'cur' is not one of 'cost-explorer', 'data-export'" in result.output


def test_lambda_handler_reads_an_export_in_s3(
    s3: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    write_cur_export(
        ledger(), S3Store(s3, BUCKET, "cur/my-export"), "my-export", TODAY,
        location_uri=f"s3://{BUCKET}/cur/my-export",
    )  # fmt: skip
    env = {
        "DATA_BUCKET": BUCKET,
        "DATA_PREFIX": "reports",
        "COST_CATEGORY_NAME": "CostCenter",
        "DATA_SOURCE": "data-export",
        "DATA_EXPORT_LOCATION": f"s3://{BUCKET}/cur/my-export",
    }
    from datetime import UTC, datetime

    rules_only = LocalCostExplorer([], TODAY)
    answer = handle(
        {},
        env,
        lambda: datetime(2026, 11, 26, 6, tzinfo=UTC),
        ce_client=rules_only.client(),
        s3_client=s3,
    )
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200, body
    assert body["succeeded"] == ["2026-11", "2026-10"]
    assert body["ce_requests_by_operation"] == {"ListCostCategoryDefinitions": 1}
    october = json.loads(
        s3.get_object(Bucket=BUCKET, Key="reports/2026-10/summary.json")["Body"].read()
    )
    assert october["totals"]["current_cost_usd"] == 141.5


def test_demo_on_the_export_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["demo", "--output", str(tmp_path), "--months", "1", "--source", "data-export",
         "--today", "2026-11-26"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    october = json.loads((tmp_path / "2026-10" / "summary.json").read_text())
    # No cost or usage request: only the cost category's split-charge rules.
    assert set(october["collection"]["ce_requests_by_operation"]) <= {
        "ListCostCategoryDefinitions",
        "DescribeCostCategoryDefinition",
    }
    assert (tmp_path / "cur-export" / "metadata" / "BILLING_PERIOD=2026-10").is_dir()
    assert check_output(tmp_path) == []
    # Contract §7: with the export, the usage-type rows also name their service and account.
    table = pq.read_table(tmp_path / "2026-10" / "cost-by-usage-type.parquet", use_threads=False)
    assert table.column_names == [
        "workload", "usage_type", "category", "period", "cost_usd", "usage_quantity",
        "service", "account_id",
    ]  # fmt: skip
    row = next(r for r in table.to_pylist() if r["usage_type"] == "EUC1-TimedStorage-ByteHrs")
    assert row["service"] == "Amazon Simple Storage Service"
    assert len(row["account_id"]) == 12


def test_cost_explorer_usage_rows_keep_six_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["demo", "--output", str(tmp_path), "--months", "1", "--today", "2026-11-26"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "2026-10" / "cost-by-usage-type.parquet", use_threads=False)
    assert table.num_columns == 6
