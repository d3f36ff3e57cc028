"""Reading the contract's files from a folder and from S3, and failing clearly."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from dapanoskop.aws import RETRY_CONFIG
from dapanoskop.model import Status
from dapanoskop.report.records import ReportError
from dapanoskop.report.source import ReportSource, load_history, open_source
from dapanoskop.store import LocalStore, S3Store


def test_local_history_has_every_period_newest_first(history_dir: Path) -> None:
    history = load_history(open_source(history_dir))
    assert history.periods[0] == "2026-11"
    assert history.periods[-1] == "2025-09"
    assert len(history.periods) == 15
    # 2026-11 is month-to-date, so the default is the latest complete month
    assert history.default_period == "2026-10"


def test_summary_values_are_read_exactly(history_dir: Path) -> None:
    raw = json.loads((history_dir / "2026-10" / "summary.json").read_text())
    summary = load_history(open_source(history_dir)).summaries["2026-10"]
    assert summary.totals.current == Decimal(str(raw["totals"]["current_cost_usd"]))
    assert summary.cost_centers[0].name == raw["cost_centers"][0]["name"]
    assert summary.status_of("current") is Status.ESTIMATED
    assert summary.status_of("prev_month") is Status.FINAL


def test_month_to_date_summary_joins_prior_partial_costs(history_dir: Path) -> None:
    raw = json.loads((history_dir / "2026-11" / "summary.json").read_text())
    summary = load_history(open_source(history_dir)).summaries["2026-11"]
    prior = raw["mtd_comparison"]["cost_centers"][0]
    assert summary.cost_centers[0].prior_partial == Decimal(str(prior["prior_partial_cost_usd"]))
    assert summary.cost_centers[0].workloads[0].prior_partial == Decimal(
        str(prior["workloads"][0]["prior_partial_cost_usd"])
    )
    assert summary.mtd_window is not None
    assert summary.mtd_window.start.isoformat() == "2026-10-01"


def test_usage_type_rows_match_the_parquet_file(history_dir: Path) -> None:
    table = pq.read_table(history_dir / "2026-10" / "cost-by-usage-type.parquet")
    rows = load_history(open_source(history_dir)).usage["2026-10"]
    assert len(rows) == table.num_rows
    first = table.slice(0, 1).to_pylist()[0]
    assert (rows[0].workload, rows[0].usage_type, rows[0].period) == (
        first["workload"],
        first["usage_type"],
        first["period"],
    )
    assert rows[0].cost == Decimal(str(first["cost_usd"]))


def test_s3_source_reads_the_same_history(
    history_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="costs")
        for path in history_dir.rglob("*"):
            if path.is_file():
                key = f"reports/aws/{path.relative_to(history_dir).as_posix()}"
                client.put_object(Bucket="costs", Key=key, Body=path.read_bytes())
        source = open_source("s3://costs/reports/aws/", client)
        assert isinstance(source.store, S3Store)
        from_s3 = load_history(source)
        with pytest.raises(ReportError, match=r"^s3://costs/nowhere/index.json not found$"):
            load_history(open_source("s3://costs/nowhere", client))
    from_disk = load_history(open_source(history_dir))
    assert from_s3.periods == from_disk.periods
    assert from_s3.summaries == from_disk.summaries
    assert from_s3.usage == from_disk.usage


def test_s3_source_reads_through_the_pipelines_store_with_its_retries() -> None:
    # One way to read the bucket: the report's S3 reads are the store's, with the same retry
    # configuration as the pipeline (issue 10; report/source.py had its own client before).
    source = open_source("s3://costs/reports")
    assert isinstance(source.store, S3Store)
    assert (source.store.bucket, source.store.prefix) == ("costs", "reports")
    assert source.store.client.meta.config.retries == RETRY_CONFIG.retries
    assert source.describe("index.json") == "s3://costs/reports/index.json"


@pytest.mark.parametrize("location", ["s3://", "s3:///prefix"])
def test_s3_location_needs_a_bucket(location: str) -> None:
    with pytest.raises(ReportError, match="no bucket"):
        open_source(location)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="is not a folder"):
        open_source(tmp_path / "absent")


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"index.json not found$"):
        load_history(ReportSource(LocalStore(tmp_path)))


def _copy(history_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(history_dir, target)
    return target


def test_missing_summary_is_named(history_dir: Path, tmp_path: Path) -> None:
    root = _copy(history_dir, tmp_path)
    (root / "2026-03" / "summary.json").unlink()
    with pytest.raises(ReportError, match=r"2026-03/summary.json not found"):
        load_history(ReportSource(LocalStore(root)))


def test_missing_required_field_is_named(history_dir: Path, tmp_path: Path) -> None:
    root = _copy(history_dir, tmp_path)
    path = root / "2026-03" / "summary.json"
    data = json.loads(path.read_text())
    del data["totals"]["yoy_cost_usd"]
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match=r"summary.json: required field 'yoy_cost_usd'"):
        load_history(ReportSource(LocalStore(root)))


def test_summary_of_another_period_is_rejected(history_dir: Path, tmp_path: Path) -> None:
    root = _copy(history_dir, tmp_path)
    shutil.copy(root / "2026-02" / "summary.json", root / "2026-03" / "summary.json")
    with pytest.raises(ReportError, match="says period 2026-02, expected 2026-03"):
        load_history(ReportSource(LocalStore(root)))


def test_bad_index_period(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text('{"periods": ["2026-13x"]}')
    with pytest.raises(ReportError, match="not of the form YYYY-MM"):
        load_history(ReportSource(LocalStore(tmp_path)))


def test_empty_index(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text('{"periods": []}')
    with pytest.raises(ReportError, match="lists no periods"):
        load_history(ReportSource(LocalStore(tmp_path)))


def test_invalid_json(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{nope")
    with pytest.raises(ReportError, match=r"index\.json: not valid JSON"):
        load_history(ReportSource(LocalStore(tmp_path)))


def test_parquet_with_missing_columns(history_dir: Path, tmp_path: Path) -> None:
    root = _copy(history_dir, tmp_path)
    pq.write_table(
        pa.table({"workload": ["a"], "usage_type": ["b"]}),
        root / "2026-03" / "cost-by-usage-type.parquet",
    )
    with pytest.raises(ReportError, match="expected 6 columns"):
        load_history(ReportSource(LocalStore(root)))


def test_damaged_parquet(history_dir: Path, tmp_path: Path) -> None:
    root = _copy(history_dir, tmp_path)
    (root / "2026-03" / "cost-by-usage-type.parquet").write_bytes(b"not parquet")
    with pytest.raises(ReportError, match="not a readable Parquet file"):
        load_history(ReportSource(LocalStore(root)))
