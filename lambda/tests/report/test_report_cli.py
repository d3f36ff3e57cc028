"""`dapanoskop report`: exit codes 0 / 1 / 2 and one clear line on failure."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dapanoskop.report import report_command, write_report


def invoke(*args: str):
    return CliRunner().invoke(report_command, list(args))


def test_writes_the_report_for_the_latest_complete_month(history_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = invoke("--from", str(history_dir), "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {output} (")
    assert 'data-default="p-2026-10"' in output.read_text(encoding="utf-8")


def test_period_option_chooses_the_period_shown_first(history_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = invoke("--from", str(history_dir), "--period", "2026-11", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert 'data-default="p-2026-11"' in output.read_text(encoding="utf-8")


def test_output_defaults_to_report_html(
    history_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("--from", str(history_dir))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").stat().st_size > 0


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_unknown_period_fails_with_one_line(history_dir: Path, tmp_path: Path) -> None:
    result = invoke(
        "--from", str(history_dir), "--period", "2024-01", "--output", str(tmp_path / "r")
    )
    assert result.exit_code == 1
    assert _one_error_line(result).startswith(
        "Error: period 2024-01 is not in index.json (listed: 2026-11, 2026-10,"
    )
    assert not (tmp_path / "r").exists()


def test_missing_source_fails_with_one_line(tmp_path: Path) -> None:
    result = invoke("--from", str(tmp_path / "nothing"), "--output", str(tmp_path / "r.html"))
    assert result.exit_code == 1
    assert _one_error_line(result) == f"Error: {tmp_path / 'nothing'} is not a folder"


def test_folder_without_index_fails_with_one_line(tmp_path: Path) -> None:
    result = invoke("--from", str(tmp_path), "--output", str(tmp_path / "r.html"))
    assert result.exit_code == 1
    assert _one_error_line(result) == f"Error: {tmp_path / 'index.json'} not found"


def test_unwritable_output_fails_with_one_line(history_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "r.html"
    result = invoke("--from", str(history_dir), "--output", str(target))
    assert result.exit_code == 1
    assert _one_error_line(result).startswith(f"Error: cannot write {target}: ")


def test_usage_errors_exit_with_2(history_dir: Path) -> None:
    assert invoke("--output", "r.html").exit_code == 2  # --from is required
    result = invoke("--from", str(history_dir), "--period", "2026-3")
    assert result.exit_code == 2
    assert "period '2026-3' is not of the form YYYY-MM" in result.stderr


def test_command_attaches_to_a_group(history_dir: Path, tmp_path: Path) -> None:
    @click.group()
    def main() -> None:
        pass

    main.add_command(report_command)
    output = tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["report", "--from", str(history_dir), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert output.exists()


def test_write_report_returns_the_path(history_dir: Path, tmp_path: Path) -> None:
    written = write_report(history_dir, tmp_path / "r.html", period="2026-01")
    assert written == tmp_path / "r.html"
    assert 'data-default="p-2026-01"' in written.read_text(encoding="utf-8")
