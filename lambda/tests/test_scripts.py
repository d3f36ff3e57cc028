"""scripts/ensure-chromium, which ./scripts/test runs first: on a fresh machine without
Chromium it installs Debian's package when it can (root, or sudo without a prompt), and
otherwise says in one line what to run.

Each case runs the script with a PATH of fake `id`, `sudo` and `apt-get` that record how they
were called, and DAPANOSKOP_CHROMIUM pointing at a browser that does not exist.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "ensure-chromium"
HINT = (
    "scripts/test: Chromium ({path}) is missing for the report's browser test; run: "
    "sudo apt-get install -y chromium\n"
)


def fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def run(tmp_path: Path, uid: int, sudo: str | None, apt: bool = True) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    fake(bin_dir, "id", f"echo {uid}")
    if sudo is not None:
        fake(bin_dir, "sudo", f'echo "sudo $*" >> {log}\n{sudo}')
    if apt:
        fake(bin_dir, "apt-get", f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {log}')
    fake(bin_dir, "env", 'export "$1"; shift; exec "$@"')
    missing = tmp_path / "no-chromium"
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(bin_dir), "DAPANOSKOP_CHROMIUM": str(missing)},
        capture_output=True,
        text=True,
        check=False,
    )
    calls = log.read_text() if log.exists() else ""
    return result.returncode, result.stderr.replace(str(missing), "{path}"), calls


def test_present_chromium_is_left_alone(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/bash\n")
    chromium.chmod(0o755)
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": "/nonexistent", "DAPANOSKOP_CHROMIUM": str(chromium)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_root_installs_debians_chromium(tmp_path: Path) -> None:
    status, _, calls = run(tmp_path, uid=0, sudo=None)
    assert status == 0
    assert calls.splitlines() == [
        "apt-get update -qq DEBIAN_FRONTEND=",
        "apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive",
    ]


def test_sudo_without_a_prompt_installs_it(tmp_path: Path) -> None:
    status, _, calls = run(tmp_path, uid=1000, sudo='[ "$1" = "-n" ] && exit 0; exec "$@"')
    assert status == 0
    assert calls.splitlines() == [
        "sudo -n true",
        "sudo apt-get update -qq",
        "apt-get update -qq DEBIAN_FRONTEND=",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        "apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive",
    ]


@pytest.mark.parametrize("sudo", [None, "exit 1"])  # no sudo, or sudo that wants a password
def test_without_root_or_sudo_it_says_in_one_line_what_to_run(
    tmp_path: Path, sudo: str | None
) -> None:
    status, stderr, calls = run(tmp_path, uid=1000, sudo=sudo)
    assert status == 1
    assert stderr == HINT
    assert "apt-get" not in calls


def test_not_debian_says_so(tmp_path: Path) -> None:
    status, stderr, _ = run(tmp_path, uid=0, sudo=None, apt=False)
    assert status == 1
    assert stderr == HINT.replace("\n", " (or your system's chromium package)\n")


def test_the_test_command_runs_it_before_the_tests() -> None:
    lines = (REPO_ROOT / "scripts" / "test").read_text().splitlines()
    assert lines.index('"$(dirname "$0")/ensure-chromium"') < next(
        i for i, line in enumerate(lines) if "pytest" in line
    )
