"""One measured pipeline job in a fresh process: a daily run or a backfill, to a local folder.

Started by run_bench.py; the Cost Explorer is the fake served by fake_ce_server.py, so this
process holds what the Lambda would: the interpreter, boto3, pyarrow, dapanoskop and the run's
data. It writes one JSON document with the run's answer, its wall and CPU time, its RSS
(after imports, peak) and, per pipeline stage, the time and the peak RSS inside that stage.

    python run_job.py --endpoint http://127.0.0.1:PORT --job daily --today 2026-11-26 \
        --out-dir /tmp/x --result /tmp/x.json [--profile /tmp/x.prof] [--trace-memory]

The stage being run is kept in RESULT.progress (with --result RESULT.json) while it runs.
With --profile the run is also profiled with cProfile, with --trace-memory its Python
allocations are traced per stage (tracemalloc); both slow it down, so take timings and RSS
from a run without them.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import logging
import resource
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from memory import peak_rss_mib, reset_peak_rss, rss_mib

RSS_AT_START_MIB = rss_mib()

import boto3  # noqa: E402
from accounts import COST_CATEGORY, TAG_KEY  # noqa: E402
from botocore.client import BaseClient  # noqa: E402

from dapanoskop import aws, pipeline  # noqa: E402
from dapanoskop.localce import LocalCostExplorer  # noqa: E402
from dapanoskop.settings import LocalDestination, Settings  # noqa: E402

try:
    from dapanoskop.dataexport import run as export_run
    from dapanoskop.settings import DataExportSettings
except ImportError:  # the baseline commit measured next to this one has no export source
    export_run = None  # type: ignore[assignment]
from dapanoskop.store import LocalStore  # noqa: E402

# The functions of dapanoskop.pipeline whose time and memory are reported one by one.
STAGES = (
    "resolve_cost_category",
    "collect",
    "collect_forecast",
    "build_period_report",
    "write_period",
    "update_index",
)


@dataclass
class StageFigures:
    calls: int = 0
    seconds: float = 0.0
    peak_rss_mib: float = 0.0
    # with --trace-memory: Python allocations (tracemalloc), the highest inside the stage and
    # what is still allocated when its last call returns
    traced_peak_mib: float = 0.0
    traced_after_mib: float = 0.0


class StageMeter:
    """Wraps pipeline stages to time them and to take each one's own peak RSS.

    The kernel keeps one peak per process, so it is reset when a stage starts; the peak of
    the whole run is the highest of all readings, taken before every reset and at the end.
    """

    def __init__(self, progress: Path) -> None:
        self.progress = progress
        self.stages: dict[str, StageFigures] = {}
        self.run_peak_mib = 0.0
        self.per_stage = reset_peak_rss()

    def _reading(self) -> float:
        peak = peak_rss_mib()
        self.run_peak_mib = max(self.run_peak_mib, peak)
        return peak

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        figures = self.stages.setdefault(name, StageFigures())

        def measured(*args: Any, **kwargs: Any) -> Any:
            # progress, so that a job killed for its memory tells where it was
            self.progress.write_text(name)
            print(f"    stage {name} (RSS {rss_mib():,.0f} MiB)", file=sys.stderr, flush=True)
            self._reading()
            if self.per_stage:
                reset_peak_rss()
            if tracemalloc.is_tracing():
                tracemalloc.reset_peak()
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                figures.calls += 1
                figures.seconds += time.perf_counter() - started
                figures.peak_rss_mib = max(figures.peak_rss_mib, self._reading())
                if tracemalloc.is_tracing():
                    current, peak = tracemalloc.get_traced_memory()
                    figures.traced_peak_mib = max(figures.traced_peak_mib, peak / 2**20)
                    figures.traced_after_mib = current / 2**20

        return measured

    def install(self) -> None:
        for name in STAGES:
            setattr(pipeline, name, self.wrap(name, getattr(pipeline, name)))
        # The export source's collection (imported by the pipeline when it is used).
        if export_run is not None:
            export_run.collect_from_export = self.wrap(
                "collect_from_export", export_run.collect_from_export
            )

    def finish(self) -> float:
        """The peak RSS of the whole run."""
        self._reading()
        return self.run_peak_mib


def output_sizes(root: Path) -> dict[str, dict[str, int]]:
    """Bytes of every file written, by period folder (and "index.json")."""
    sizes: dict[str, dict[str, int]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            folder = path.parent.relative_to(root).as_posix()
            sizes.setdefault(folder, {})[path.name] = path.stat().st_size
    return sizes


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ClientCallMeter:
    """CPU time spent inside Cost Explorer client calls: signing, HTTP, response decoding.

    What is left of the job's CPU is the pipeline's own parsing and processing (turning
    groups into records, the reports, the files), which is what issue 12 asks to make 5x
    faster. Thread CPU time is summed per call, so concurrent calls are counted once each.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        original = BaseClient._make_api_call
        meter = self

        def measured(client: Any, operation: str, params: Any) -> Any:
            started = time.thread_time()
            try:
                return original(client, operation, params)
            finally:
                spent = time.thread_time() - started
                with meter._lock:
                    meter.seconds += spent
                    meter.calls += 1

        BaseClient._make_api_call = measured  # type: ignore[method-assign]


def read_bytes() -> int:
    """Bytes this process read through system calls so far (/proc/self/io rchar): for the
    export source, the Parquet column chunks and footers it fetched."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="the local Cost Explorer (Cost Explorer source)")
    parser.add_argument(
        "--export", type=Path, help="a CUR 2.0 export folder: run with DATA_SOURCE=data-export"
    )
    parser.add_argument("--job", choices=("daily", "backfill"), required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument(
        "--concurrency", type=int, default=None, help="CE_CONCURRENCY (default: the setting's)"
    )
    parser.add_argument("--profile", type=Path, help="also write cProfile statistics here")
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also trace Python allocations per stage (tracemalloc; slow, RSS is inflated)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")

    # The client the Lambda builds (aws.RETRY_CONFIG), pointed at the fake.
    session = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name=aws.CE_REGION
    )
    options: dict[str, Any] = {}
    if args.export:
        options["data_export"] = DataExportSettings(LocalDestination(args.export))
    if "ce_concurrency" in {f.name for f in dataclasses.fields(Settings)}:
        # (the baseline commit measured next to this one has no such setting)
        options["ce_concurrency"] = args.concurrency or Settings.ce_concurrency
    if args.endpoint:
        ce = session.client(
            "ce", region_name=aws.CE_REGION, endpoint_url=args.endpoint, config=aws.RETRY_CONFIG
        )
    else:
        # The export source asks Cost Explorer only for the cost category's split-charge rules;
        # an empty local Cost Explorer answers that there are none (one request).
        ce = LocalCostExplorer([], args.today).client()
    settings = Settings(
        destination=LocalDestination(args.out_dir),
        cost_category_name=COST_CATEGORY,
        include_efs=True,
        include_ebs=True,
        workload_tag_key=TAG_KEY,
        **options,
    )
    store = LocalStore(args.out_dir)
    now = datetime.combine(args.today, datetime.min.time(), tzinfo=UTC).replace(hour=6)
    rss_before_run = rss_mib()

    meter = StageMeter(args.result.with_suffix(".progress"))
    meter.install()
    client_calls = ClientCallMeter()
    client_calls.install()
    if args.trace_memory:
        tracemalloc.start()
    profiler = cProfile.Profile() if args.profile else None
    cpu_before = cpu_seconds()
    read_before = read_bytes()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    if args.job == "daily":
        result = pipeline.run_daily(settings, ce, store, now)
    else:
        result = pipeline.run_backfill(settings, ce, store, now, args.months)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    read = read_bytes() - read_before
    peak = meter.finish()

    document = {
        "job": args.job,
        "code": str(Path(pipeline.__file__).resolve().parents[1]),
        "settings": {"ce_concurrency": options.get("ce_concurrency")},
        "answer": result.as_dict(),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        # the CPU of the Cost Explorer client calls (transport and response decoding) and
        # the rest: the pipeline's own parsing and processing
        "client_cpu_seconds": client_calls.seconds,
        "pipeline_cpu_seconds": cpu - client_calls.seconds,
        "client_calls": client_calls.calls,
        "read_bytes": read,
        "rss_at_start_mib": RSS_AT_START_MIB,
        "rss_before_run_mib": rss_before_run,
        "peak_rss_mib": peak,
        "peak_rss_since_start_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "per_stage_peaks": meter.per_stage,
        "stages": {name: vars(figures) for name, figures in meter.stages.items()},
        "output_bytes": output_sizes(args.out_dir),
    }
    args.result.write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
