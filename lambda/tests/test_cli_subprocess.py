"""The installed `dapanoskop` console script, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from dapanoskop.contract_check import check_output

CONSOLE_SCRIPT = Path(sys.executable).parent / "dapanoskop"
PINNED = ["--today", "2026-11-26"]


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_the_default_demo_writes_a_contract_valid_history(tmp_path: Path) -> None:
    """What the README's `./scripts/demo` runs (13 complete months and the month to date)."""
    output = tmp_path / "demo-output"

    demo = run(["demo", "--output", str(output), *PINNED])

    assert demo.returncode == 0, demo.stderr
    assert demo.stderr == ""
    assert demo.stdout.startswith(f"Wrote the demo organization's cost history to {output}\n")
    periods = json.loads((output / "index.json").read_text())["periods"]
    # 2026-11 (to date) and the 13 complete months 2026-10 ... 2025-10.
    assert len(periods) == 14
    assert (periods[0], periods[-1]) == ("2026-11", "2025-10")
    assert check_output(output) == []

    check = run(["check", "--from", str(output)])

    assert check.returncode == 0, check.stdout
    assert check.stdout == f"{output}: conforms to the data contract\n"


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dapanoskop", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: dapanoskop [OPTIONS] COMMAND [ARGS]...")
    commands = result.stdout.split("Commands:")[1].split()
    for command in ("backfill", "check", "demo", "report", "run"):
        assert command in commands


def test_no_credentials_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_CONFIG_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
    )

    result = run(["run", "--output", str(tmp_path / "out"), *PINNED], env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: no AWS credentials found: run `aws configure` or `aws sso login`, or set "
        "AWS_PROFILE (try `dapanoskop demo` to see the output without an account)\n"
    )


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """With stderr on a terminal the demo draws a progress bar there, and only there."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "demo", "--output", str(tmp_path), "--months", "1", *PINNED],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    stdout, _ = process.communicate(timeout=300)

    assert process.returncode == 0
    assert b"demo" in drawn
    assert b"100%" in drawn
    assert b"100%" not in stdout
