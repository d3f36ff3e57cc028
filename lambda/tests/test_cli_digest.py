"""`dapanoskop digest --from DIR|s3://...` prints exactly the text the Lambda sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dapanoskop.cli import main
from tests.conftest import BUCKET
from tests.test_digest import OCTOBER_TAGGING, november_to_date


def publish(files: dict[str, Any], write: Any) -> None:
    for key, document in files.items():
        write(key, json.dumps(document).encode())


FILES = {
    "2026-11/summary.json": november_to_date(),
    "2026-10/summary.json": {**OCTOBER_TAGGING},
}
EXPECTED_START = (
    "AWS cost digest: November 2026 to date (through 25 Nov)\n"
    "Month to date: $1,500.00, vs $1,250.00 for the same days of October 2026 (1-25): "
    "+$250.00 (+20.0%)\n"
)


def folder(tmp_path: Path) -> Path:
    def write(key: str, body: bytes) -> None:
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    publish(FILES, write)
    return tmp_path


def test_digest_of_the_newest_period_in_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["digest", "--from", str(folder(tmp_path)), "--report-url", "https://r.example/"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(EXPECTED_START)
    assert "+6.7 points vs October 2026 (80.0%)" in result.output
    assert result.output.endswith("\nReport: https://r.example/\n")


def test_digest_from_a_bucket_with_the_subject(s3: Any) -> None:
    publish(FILES, lambda key, body: s3.put_object(Bucket=BUCKET, Key=f"p/{key}", Body=body))
    result = CliRunner().invoke(
        main,
        ["digest", "--from", f"s3://{BUCKET}/p", "--period", "2026-11", "--subject"],
        obj={"s3_client": s3},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "AWS cost digest: November 2026 to date $1,500.00 (+20.0%)\n\n" + EXPECTED_START
    )


def test_digest_of_a_missing_period_fails_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["digest", "--from", str(folder(tmp_path)), "--period", "2026-07"]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: no readable summary for 2026-07 at {tmp_path}/2026-07\n"


def test_digest_usage_errors(tmp_path: Path) -> None:
    bad_period = CliRunner().invoke(main, ["digest", "--from", str(tmp_path), "--period", "11"])
    assert bad_period.exit_code == 2
    assert "--period '11' is not valid" in bad_period.output
    bad_bucket = CliRunner().invoke(main, ["digest", "--from", "s3://Bad_Bucket"])
    assert bad_bucket.exit_code == 2
    assert "--from 'Bad_Bucket' is not valid" in bad_bucket.output
