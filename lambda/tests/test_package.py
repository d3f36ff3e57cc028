"""deploy/package.py: the Lambda zip carries our code and the locked dependencies the runtime
and the pandas layer do not provide, built for arm64, reproducibly, and imports the handler
with only the runtime's modules (stdlib, boto3 and its tree) plus pyarrow beside it.

The builds download the three aarch64 wheels from PyPI unless uv's cache already has them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SCRIPT = REPO_ROOT / "deploy" / "package.py"
SOURCE_PACKAGE = REPO_ROOT / "lambda" / "src" / "dapanoskop"
LOCK_FILE = REPO_ROOT / "lambda" / "uv.lock"

# Top-level modules of the Lambda python3.12 runtime besides the standard library (boto3 and
# what it pulls in) and of the AWS SDK for pandas layer (pyarrow, numpy).
RUNTIME_AND_LAYER_MODULES = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
    | {"pyarrow", "numpy"}
)
NOT_IN_ZIP = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
    | {"pyarrow", "numpy"}
)


def load_package_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dapanoskop_package", PACKAGE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and friends look modules up by name
    spec.loader.exec_module(module)
    return module


package = load_package_module()


def build_zip(output: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(PACKAGE_SCRIPT), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    output = tmp_path_factory.mktemp("package") / "dapanoskop-lambda.zip"
    return output, build_zip(output).stdout


@pytest.fixture(scope="module")
def names(built) -> list[str]:
    with zipfile.ZipFile(built[0]) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def unpacked(built, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(built[0]) as archive:
        archive.extractall(target)
    return target


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads(LOCK_FILE.read_text(encoding="utf-8"))
    return {package.normalize_name(p["name"]): p["version"] for p in lock["package"]}


def top_level(names: list[str]) -> set[str]:
    return {name.split("/", 1)[0] for name in names}


# ---------------------------------------------------------------------------------------------
# What the zip contains


def test_default_output_is_the_code_uri_of_the_template() -> None:
    assert package.DEFAULT_OUTPUT == REPO_ROOT / "dist" / "dapanoskop-lambda.zip"


def test_build_prints_the_zip_size(built) -> None:
    output, stdout = built
    size = output.stat().st_size
    assert f"{output}: {size:,} bytes zipped ({size / 1_000_000:.1f} MB)" in stdout


def test_zip_holds_our_package_and_the_remaining_locked_dependencies(names) -> None:
    versions = locked_versions()
    # The project's runtime dependencies are boto3, pyarrow, click, jinja2; jinja2 needs
    # markupsafe. boto3 and pyarrow (with their trees) come from the runtime and the layer.
    assert top_level(names) == {
        "dapanoskop",
        "click",
        f"click-{versions['click']}.dist-info",
        "jinja2",
        f"jinja2-{versions['jinja2']}.dist-info",
        "markupsafe",
        f"markupsafe-{versions['markupsafe']}.dist-info",
    }


def test_zip_has_no_runtime_or_layer_packages(names) -> None:
    assert package.top_level_names(names) & (NOT_IN_ZIP | RUNTIME_AND_LAYER_MODULES) == set()
    assert not any(name.startswith(("pyarrow", "boto3", "botocore", "numpy")) for name in names)


def test_zip_has_no_tests_or_caches(names) -> None:
    offending = [
        name
        for name in names
        if "__pycache__/" in name
        or name.endswith((".pyc", ".pyo"))
        or "/tests/" in name
        or name.startswith("tests/")
        or re.search(r"(^|/)(test_[^/]*|conftest)\.py$", name)
    ]
    assert offending == []


def test_our_package_is_copied_byte_for_byte(built) -> None:
    sources = {
        f"dapanoskop/{relative}": path.read_bytes()
        for path in SOURCE_PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        for relative in [path.relative_to(SOURCE_PACKAGE).as_posix()]
        if not relative.startswith(("localce/", "demo.py"))
    }
    with zipfile.ZipFile(built[0]) as archive:
        packaged = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("dapanoskop/")
        }
    assert packaged.keys() == sources.keys()
    assert packaged == sources


def test_local_cost_explorer_and_demo_are_not_in_the_zip(names) -> None:
    # The function never runs them; the simulated organization alone is ~900 lines.
    assert [n for n in names if n.startswith(("dapanoskop/localce/", "dapanoskop/demo"))] == []
    assert (SOURCE_PACKAGE / "localce" / "demo_org.py").is_file()  # it exists, just not here
    assert "dapanoskop/handler.py" in names
    assert "dapanoskop/digest.py" in names


def test_native_code_is_built_for_arm64_cpython312(names) -> None:
    native = [name for name in names if name.endswith(".so")]
    # markupsafe's speedups are the one extension module among our dependencies
    assert native == ["markupsafe/_speedups.cpython-312-aarch64-linux-gnu.so"]


def test_zip_is_reproducible(built, tmp_path) -> None:
    first = built[0]
    second = tmp_path / "again.zip"
    build_zip(second)
    assert hashlib.sha256(second.read_bytes()).hexdigest() == (
        hashlib.sha256(first.read_bytes()).hexdigest()
    )
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} <= {0o100644, 0o100755}


# ---------------------------------------------------------------------------------------------
# The zip in a simulated Lambda: stdlib + zip + runtime/layer modules, nothing else

# Runs with `python -I -S -B`: no site-packages, no PYTHONPATH, no user site, no bytecode.
# sys.path becomes [zip, stdlib..., site-packages], and a meta-path finder refuses every
# top-level module that is neither stdlib, nor in the zip, nor provided by runtime or layer.
SANDBOX = r"""
import importlib.abc, importlib.machinery, json, sys
unpacked, site_packages, allowed_json, module = sys.argv[1:5]
allowed = set(json.loads(allowed_json))

def in_runtime(fullname):
    # _sysconfigdata_<abi>_<platform>: the build's sysconfig data, part of every CPython
    # installation (the Lambda runtime's too) but not listed in stdlib_module_names because
    # its name varies by platform; pyarrow.compute's docstring helper (pydoc) reads it.
    return (fullname in sys.stdlib_module_names or fullname.startswith("_sysconfigdata_")
            or fullname in allowed)

class LambdaRuntimeOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if "." in fullname or in_runtime(fullname):
            return None
        if importlib.machinery.PathFinder.find_spec(fullname, [unpacked]) is not None:
            return None
        message = f"{fullname} is not in the zip nor in the Lambda runtime"
        raise ModuleNotFoundError(message, name=fullname)

sys.meta_path.insert(0, LambdaRuntimeOnly())
sys.path = [unpacked, *sys.path, site_packages]
imported = importlib.import_module(module)
origins = {
    name: getattr(sys.modules[name], "__file__", None)
    for name in sorted(sys.modules) if "." not in name
}
print(json.dumps({"file": imported.__file__, "origins": origins,
                  "handler_callable": callable(getattr(imported, "handler", None))}))
"""


def import_in_lambda_sandbox(unpacked: Path, module: str) -> subprocess.CompletedProcess[str]:
    site_packages = sysconfig.get_paths()["purelib"]
    allowed = json.dumps(sorted(RUNTIME_AND_LAYER_MODULES))
    arguments = [str(unpacked), site_packages, allowed, module]
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", SANDBOX, *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={},
    )


def test_sandbox_refuses_modules_the_lambda_would_not_have(tmp_path) -> None:
    # jinja2 is installed in the test environment but not in this (empty) "zip"
    result = import_in_lambda_sandbox(tmp_path, "jinja2")
    assert result.returncode == 1
    assert "ModuleNotFoundError: jinja2 is not in the zip nor in the Lambda runtime" in (
        result.stderr
    )


def test_sandbox_provides_runtime_and_layer_modules(tmp_path) -> None:
    for module in ("boto3", "pyarrow"):
        result = import_in_lambda_sandbox(tmp_path, module)
        assert result.returncode == 0, result.stderr


def test_handler_imports_with_the_lambda_runtime_and_pyarrow_only(unpacked) -> None:
    result = import_in_lambda_sandbox(unpacked, "dapanoskop.handler")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["handler_callable"] is True
    assert Path(report["file"]) == unpacked / "dapanoskop" / "handler.py"
    # every third-party module came from the zip or from the runtime/layer allowlist
    for name, origin in report["origins"].items():
        if origin is None or name in sys.stdlib_module_names or name.startswith("_sysconfigdata_"):
            continue
        assert name in RUNTIME_AND_LAYER_MODULES or Path(origin).is_relative_to(unpacked), (
            name,
            origin,
        )


# ---------------------------------------------------------------------------------------------
# Pure helpers of package.py

EXPORT = """\
boto3==1.44.8 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb
click==8.5.1 \\
    --hash=sha256:ccc
Python_Dateutil==2.9.0.post0 \\
    --hash=sha256:ddd
markupsafe==3.0.4 ; python_version >= '3.9' \\
    --hash=sha256:eee
pyarrow==26.0.1
"""


def test_packaged_requirements_drop_runtime_and_layer_distributions() -> None:
    assert package.packaged_requirements(EXPORT) == [
        "click==8.5.1 \\\n    --hash=sha256:ccc",
        "markupsafe==3.0.4 ; python_version >= '3.9' \\\n    --hash=sha256:eee",
    ]


@pytest.mark.parametrize(
    ("relative", "packaged"),
    [
        ("dapanoskop/handler.py", True),
        ("jinja2/tests.py", True),  # jinja2's template tests module, needed at runtime
        ("markupsafe/_speedups.cpython-312-aarch64-linux-gnu.so", True),
        ("dapanoskop/__pycache__/handler.cpython-312.pyc", False),
        ("dapanoskop/model.pyc", False),
        ("somepkg/tests/test_x.py", False),
        ("dapanoskop/test_handler.py", False),
        ("dapanoskop/conftest.py", False),
        ("jinja2/bin/data.txt", True),
    ],
)
def test_is_packaged(relative: str, packaged: bool) -> None:
    assert package.is_packaged(Path(relative)) is packaged
