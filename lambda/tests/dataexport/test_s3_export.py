"""An export in S3 (moto's HTTP server on loopback): found through AWS_ENDPOINT_URL_S3 /
AWS_ENDPOINT_URL and boto3's credentials, like every other S3 read of the project."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from dapanoskop.dataexport.location import ExportError
from dapanoskop.dataexport.s3 import is_aws_endpoint
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.pipeline import run_backfill
from dapanoskop.settings import DataExportSettings, LocalDestination, S3Destination, Settings
from dapanoskop.store import LocalStore, S3Store
from tests import e2e_account
from tests.conftest import BUCKET
from tests.dataexport.equivalence import differences

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)


def _settings(out: Path, location: Any) -> Settings:
    return Settings(
        destination=LocalDestination(out),
        cost_category_name=e2e_account.COST_CATEGORY,
        include_efs=True,
        data_export=DataExportSettings(location),
    )


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
def test_export_in_s3_gives_the_files_of_the_same_export_in_a_folder(
    s3: Any, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    items = e2e_account.line_items()
    write_cur_export(
        items,
        S3Store(s3, BUCKET, "cur/my-export"),
        "my-export",
        TODAY,
        location_uri=f"s3://{BUCKET}/cur/my-export",
        rows_per_file=50,
    )
    write_cur_export(items, LocalStore(tmp_path / "my-export"), "my-export", TODAY)
    # Nothing passes the endpoint in: the source's boto3 client and pyarrow's filesystem
    # must both find moto through the standard variable.
    monkeypatch.setenv(variable, moto_endpoint)
    from_s3 = _settings(tmp_path / "from-s3", S3Destination(BUCKET, "cur/my-export"))
    from_folder = _settings(tmp_path / "from-folder", LocalDestination(tmp_path / "my-export"))
    for settings in (from_s3, from_folder):
        # The local Cost Explorer only answers the cost category's (absent) split rules.
        rules_only = LocalCostExplorer([], TODAY).client()
        result = run_backfill(settings, rules_only, LocalStore(settings.destination.path), NOW, 2)
        assert result.succeeded == ["2026-10", "2026-09"]
    assert differences(tmp_path / "from-folder", tmp_path / "from-s3") == []


def test_a_missing_export_bucket_fails_the_period_with_the_location(
    s3: Any, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    settings = _settings(tmp_path / "out", S3Destination("no-such-export-bucket", "cur/x"))
    with pytest.raises(ExportError, match="no-such-export-bucket"):
        run_backfill(settings, None, LocalStore(tmp_path / "out"), NOW, 1)


@pytest.mark.parametrize(
    ("url", "aws"),
    [
        ("https://s3.us-east-1.amazonaws.com", True),
        ("https://s3.cn-north-1.amazonaws.com.cn", True),
        ("http://127.0.0.1:5000", False),
        ("https://minio.internal:9000", False),
    ],
)
def test_only_non_aws_endpoints_are_passed_to_pyarrow(url: str, aws: bool) -> None:
    assert is_aws_endpoint(url) is aws
