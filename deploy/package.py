"""Build the Lambda deployment zip `dist/dapanoskop-lambda.zip` from the locked dependencies.

Run it as `make package` at the repository root, or `cd lambda && python3 -m uv run python
../deploy/package.py [--output PATH]`.

The python3.12 Lambda runtime already ships boto3 with everything boto3 pulls in, and the
public "AWS SDK for pandas" layer brings pyarrow (and numpy). Shipping them again would only
make the zip large and shadow the layer, so the zip holds our package plus the rest of the
locked dependencies, as arm64 (aarch64) wheels for CPython 3.12 with the hashes from uv.lock.

The zip is deterministic: entries sorted, one fixed timestamp, fixed permissions, so the same
sources and lock give the same bytes (on the same zlib) and CloudFormation sees no change.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = REPO_ROOT / "lambda"
SOURCE_PACKAGE = PROJECT_DIR / "src" / "dapanoskop"
# deploy/template.yaml points its CodeUri here (relative to the template: ../dist/...).
DEFAULT_OUTPUT = REPO_ROOT / "dist" / "dapanoskop-lambda.zip"

# What the python3.12 runtime ships: boto3 and its whole dependency tree.
PROVIDED_BY_RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
# What the AWS SDK for pandas layer ships and we use.
PROVIDED_BY_LAYER = frozenset({"pyarrow", "numpy"})
NOT_PACKAGED = PROVIDED_BY_RUNTIME | PROVIDED_BY_LAYER
# The same, as names at the zip root: distributions plus import names that differ from them.
NOT_PACKAGED_TOP_LEVEL = NOT_PACKAGED | {"dateutil"}

# The function runs on arm64 (Graviton) with CPython 3.12 on Amazon Linux 2023 (glibc 2.34);
# manylinux2014 (glibc 2.17) wheels run there.
TARGET_PLATFORM = "aarch64-manylinux2014"
# DuckDB publishes aarch64 wheels for glibc >= 2.26/2.28 only; Lambda's python3.12 runtime
# (Amazon Linux 2023) has glibc 2.34, so the zip with DuckDB targets manylinux_2_28.
TARGET_PLATFORM_WITH_DUCKDB = "aarch64-manylinux_2_28"
TARGET_PYTHON = "3.12"

# The earliest time a zip entry can carry; any fixed value makes the archive reproducible.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
UNIX_SYSTEM = 3  # "made by" Unix, so external_attr carries POSIX permissions

_EXCLUDED_DIRS = frozenset({"__pycache__", "tests"})
# Parts of our package the function never runs: the local Cost Explorer with its simulated
# demo organization, and the offline demo built on it (the CLI's `demo` command).
NOT_IN_LAMBDA = ("localce/", "demo.py")
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
_REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


class PackagingError(RuntimeError):
    """The package cannot be built as specified."""


def normalize_name(name: str) -> str:
    """PEP 503 name, so `Python_Dateutil` and `python-dateutil` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_blocks(export_text: str) -> Iterator[str]:
    """Each requirement of a `uv export` text with its `--hash` continuation lines."""
    block: list[str] = []
    for line in export_text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and block:
            block.append(line)
            continue
        if block:
            yield "\n".join(block)
        block = [line]
    if block:
        yield "\n".join(block)


def requirement_name(block: str) -> str:
    match = _REQUIREMENT_NAME.match(block)
    if match is None:
        raise PackagingError(f"cannot read a distribution name from {block.splitlines()[0]!r}")
    return normalize_name(match.group(1))


def packaged_requirements(export_text: str) -> list[str]:
    """The locked requirements the zip must carry: all but what runtime and layer provide."""
    return [
        block
        for block in requirement_blocks(export_text)
        if requirement_name(block) not in NOT_PACKAGED
    ]


def is_packaged(relative: Path) -> bool:
    """False for caches, compiled bytecode and tests, which the function never needs."""
    if any(part in _EXCLUDED_DIRS for part in relative.parts[:-1]):
        return False
    name = relative.name
    return not (name.endswith(_EXCLUDED_SUFFIXES) or _TEST_FILE.match(name))


def tree_entries(root: Path, prefix: str = "") -> dict[str, Path]:
    """Archive name -> file for every packaged file below `root` (symlinks followed)."""
    entries: dict[str, Path] = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and is_packaged(relative):
            entries[prefix + relative.as_posix()] = path
    return entries


def top_level_names(arcnames: Iterable[str]) -> set[str]:
    """Normalized distribution-like names at the zip root (`jinja2`, `jinja2-3.1.6.dist-info`)."""
    names = set()
    for arcname in arcnames:
        top = arcname.split("/", 1)[0]
        if top.endswith(".dist-info"):
            top = top[: -len(".dist-info")].rsplit("-", 1)[0]
        names.add(normalize_name(top.removesuffix(".py")))
    return names


def write_zip(entries: Mapping[str, Path], output: Path) -> None:
    """Write `entries` sorted, with a fixed timestamp and permissions, replacing `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for arcname in sorted(entries):
            source = entries[arcname]
            info = zipfile.ZipInfo(arcname, date_time=ZIP_TIMESTAMP)
            info.create_system = UNIX_SYSTEM
            mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    partial.replace(output)


def uv_command() -> list[str]:
    """The uv that runs us (`uv run` sets UV), else one on PATH, else `python3 -m uv`."""
    uv = os.environ.get("UV") or shutil.which("uv")
    return [uv] if uv else [sys.executable, "-m", "uv"]


# The optional extra of the Data Exports source's embedded engine (DuckDB, ~61 MB unzipped as
# the 2.0.1 aarch64 wheel): only with --with-duckdb, see deploy/README.md "Data Exports".
DATA_EXPORT_EXTRA = "data-export"


def locked_export(extras: tuple[str, ...] = ()) -> str:
    """The locked runtime dependencies of the project (and `extras`), with hashes."""
    command = [
        *uv_command(),
        "export",
        "--frozen",
        "--no-dev",
        "--no-emit-project",
        "--format",
        "requirements.txt",
        "--no-header",
        "--no-annotate",
        *(argument for extra in extras for argument in ("--extra", extra)),
    ]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackagingError(f"uv export failed:\n{result.stderr}")
    return result.stdout


def install_for_lambda(
    requirements: list[str], target: Path, platform: str = TARGET_PLATFORM
) -> None:
    """Install exactly `requirements` (no resolution, hashes checked) as aarch64 wheels."""
    if not requirements:
        return
    requirements_file = target.parent / "requirements.txt"
    requirements_file.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    command = [
        *uv_command(),
        "pip",
        "install",
        "--target",
        str(target),
        "--python-platform",
        platform,
        "--python-version",
        TARGET_PYTHON,
        "--only-binary",
        ":all:",
        "--no-deps",
        "--require-hashes",
        "--link-mode",
        "copy",
        "--requirement",
        str(requirements_file),
    ]
    result = subprocess.run(command, cwd=PROJECT_DIR, check=False)
    if result.returncode != 0:
        raise PackagingError("uv pip install of the locked dependencies failed (see above)")


def package_entries(dependencies: Path) -> dict[str, Path]:
    """Archive name -> file: the installed dependencies plus our own package."""
    entries = {
        name: path
        for name, path in tree_entries(dependencies).items()
        # uv's lock of the target directory, and console scripts nobody can run in a Lambda
        if name != ".lock" and not name.startswith("bin/")
    }
    ours = {
        name: path
        for name, path in tree_entries(SOURCE_PACKAGE, prefix=f"{SOURCE_PACKAGE.name}/").items()
        if not name.removeprefix(f"{SOURCE_PACKAGE.name}/").startswith(NOT_IN_LAMBDA)
    }
    clash = sorted(set(entries) & set(ours))
    if clash:
        raise PackagingError(f"a dependency ships files of our package: {clash[:5]}")
    entries.update(ours)
    unwanted = top_level_names(entries) & NOT_PACKAGED_TOP_LEVEL
    if unwanted:
        raise PackagingError(f"runtime/layer packages ended up in the zip: {sorted(unwanted)}")
    return entries


def build(output: Path, extras: tuple[str, ...] = ()) -> Path:
    """Build the zip at `output` (with the optional `extras`) and return it."""
    requirements = packaged_requirements(locked_export(extras))
    with tempfile.TemporaryDirectory(prefix="dapanoskop-package-") as scratch:
        dependencies = Path(scratch) / "site-packages"
        dependencies.mkdir()
        platform = TARGET_PLATFORM_WITH_DUCKDB if DATA_EXPORT_EXTRA in extras else TARGET_PLATFORM
        install_for_lambda(requirements, dependencies, platform)
        entries = package_entries(dependencies)
        write_zip(entries, output)
        unzipped = sum(path.stat().st_size for path in entries.values())
    size = output.stat().st_size
    print(
        f"{output}: {size:,} bytes zipped ({size / 1_000_000:.1f} MB), "
        f"{unzipped:,} bytes unzipped, {len(entries)} files"
    )
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"zip to write (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})",
    )
    parser.add_argument(
        "--with-duckdb",
        action="store_true",
        help="also package DuckDB, the Data Exports source's embedded engine (+61 MB unzipped)",
    )
    args = parser.parse_args(argv)
    try:
        build(args.output.resolve(), (DATA_EXPORT_EXTRA,) if args.with_duckdb else ())
    except PackagingError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
