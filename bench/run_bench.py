"""Benchmark: peak memory and duration of a daily run and a backfill, by account size.

For each account (accounts.py) one local Cost Explorer is loaded in its own process
(fake_ce_server.py); each job then runs in a fresh process (run_job.py) whose `ce` client talks
to it over loopback HTTP, writing to a local folder (no S3: its latency is not included). So the
job's RSS and CPU time are the pipeline's alone, and the fake's are reported apart.

    cd lambda && uv run python ../bench/run_bench.py                 # every account
    cd lambda && uv run python ../bench/run_bench.py --quick --output /tmp/r.md   # small only

The results table goes to stdout and, with --output, into a Markdown file: between the
markers `<!-- bench:begin -->` and `<!-- bench:end -->` when the file has them (so the
analysis around the table in RESULTS.md survives a re-run), else as the whole file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accounts import ACCOUNTS, MAX_USAGE_TYPES_PER_WORKLOAD, MIN_USAGE_TYPES_PER_WORKLOAD, groups

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
# daily-steady: the daily run on most days of a month, when M-1 is already published with
# final data (prepared by an unmeasured daily run first), so only month to date is written.
# daily-settled: the daily run once a 13-month backfill and M-1 are published (the steady
# state of a deployment): M-1 and M-12 are read from their published lines, not fetched.
JOBS = ("daily", "daily-steady", "daily-settled", "backfill")
DEFAULT_TODAY = date(2026, 11, 26)  # day > 1: the daily run writes month to date and M-1
FULL_BACKFILL = 13
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One measured job: `months` is the backfill's (ignored by a daily run)."""

    account: str
    job: str
    months: int = FULL_BACKFILL

    @classmethod
    def parse(cls, text: str) -> Case:
        """`account:job[:months]`, e.g. `very-large:backfill:3`."""
        account, job, *months = text.split(":")
        if account not in ACCOUNTS or job not in JOBS or len(months) > 1:
            raise ValueError(f"not a case: {text!r} (account:job[:months])")
        return cls(account, job, int(months[0]) if months else FULL_BACKFILL)

    @property
    def label(self) -> str:
        return f"{self.job} {self.months}" if self.job == "backfill" else self.job


QUICK_CASES = (Case("small", "daily"), Case("small", "daily-steady"), Case("small", "backfill"))
# "backfill 3" is one step of a backfill in steps (months=3, then 6, 9, 13: each invocation
# skips the months that exist), for accounts whose 13-month backfill does not fit at once.
FULL_CASES = (
    *QUICK_CASES,
    Case("large", "daily"),
    Case("large", "daily-steady"),
    Case("large", "daily-settled"),
    Case("large", "backfill"),
    Case("very-large", "daily"),
    Case("very-large", "daily-steady"),
    Case("very-large", "backfill", 3),
    Case("very-large", "backfill"),
)


@dataclass
class JobOutcome:
    case: Case
    result: dict[str, Any] | None = None
    fake: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    killed: bool = False  # for its memory: a finding, not a failure of the benchmark
    max_rss_seen_mib: float = 0.0
    seconds_until_killed: float = 0.0


# ---------------------------------------------------------------------------------------------
# Running


@contextmanager
def fake_cost_explorer(
    account: str, today: date, page_size: int | None, latency: float = 0.0
) -> Iterator[dict]:
    """Start the account's local Cost Explorer; yields its ready line (port, load figures)."""
    command = [
        sys.executable,
        str(HERE / "fake_ce_server.py"),
        "--account",
        account,
        "--today",
        today.isoformat(),
    ]
    if page_size is not None:
        command += ["--page-size", str(page_size)]
    if latency:
        command += ["--latency", str(latency)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"the local Cost Explorer for {account} did not start")
        yield json.loads(line)
    finally:
        server.terminate()
        server.wait(timeout=60)


def _call(port: int, path: str, method: str = "GET", body: bytes = b"") -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=body if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def run_job(case: Case, port: int, today: date, max_rss_mib: float) -> JobOutcome:
    """One job in a fresh process, killed if its RSS passes `max_rss_mib`."""
    outcome = JobOutcome(case)
    with tempfile.TemporaryDirectory(prefix=f"bench-{case.account}-{case.job}-") as folder:
        out_dir = Path(folder) / "out"
        latency = _call(port, "/stats")["latency_seconds"]
        if case.job in ("daily-steady", "daily-settled"):
            # Neither measured nor counted, and without the simulated latency (it changes no
            # answer): daily-steady publishes M-1 with final data, daily-settled first the
            # 13 months of a backfill, then M-1.
            _call(port, "/latency", "POST", b'{"seconds": 0}')
            prep = Path(folder) / "prep.json"
            if case.job == "daily-settled":
                _run_worker("backfill", case.months, port, today, out_dir, prep)
            _run_worker("daily", case.months, port, today, out_dir, prep)
            _call(port, "/latency", "POST", json.dumps({"seconds": latency}).encode())
        _call(port, "/reset-stats", "POST")
        result_path = Path(folder) / "result.json"
        job = "backfill" if case.job == "backfill" else "daily"
        worker = _start_worker(job, case.months, port, today, out_dir, result_path)
        started = time.perf_counter()
        while worker.poll() is None:
            rss = _rss_of(worker.pid)
            outcome.max_rss_seen_mib = max(outcome.max_rss_seen_mib, rss)
            if rss > max_rss_mib:
                worker.kill()
                worker.wait()
                progress = result_path.with_suffix(".progress")
                where = f"stage {progress.read_text()}" if progress.exists() else "start-up"
                outcome.error = f"killed when its RSS passed {max_rss_mib:,.0f} MiB, in {where}"
                outcome.killed = True
                outcome.seconds_until_killed = time.perf_counter() - started
                break
            time.sleep(0.2)
        if outcome.error is None and worker.returncode != 0:
            outcome.error = f"exited with {worker.returncode}"
        if outcome.error is None:
            outcome.result = json.loads(result_path.read_text())
    outcome.fake = _call(port, "/stats")
    return outcome


def _start_worker(
    job: str, months: int, port: int, today: date, out_dir: Path, result: Path
) -> subprocess.Popen:
    command = [
        sys.executable,
        str(HERE / "run_job.py"),
        f"--endpoint=http://127.0.0.1:{port}",
        f"--job={job}",
        f"--today={today.isoformat()}",
        f"--months={months}",
        f"--out-dir={out_dir}",
        f"--result={result}",
    ]
    return subprocess.Popen(command)


def _run_worker(job: str, months: int, port: int, today: date, out_dir: Path, result: Path) -> None:
    worker = _start_worker(job, months, port, today, out_dir, result)
    if worker.wait() != 0:
        raise RuntimeError(f"preparing {job} failed with {worker.returncode}")


def _rss_of(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_all(
    cases: Sequence[Case],
    today: date,
    page_size: int | None,
    max_rss_mib: float,
    latency: float = 0.0,
    repeat: int = 1,
) -> tuple[list[JobOutcome], dict[str, dict[str, Any]]]:
    """Every case `repeat` times in a row, one local Cost Explorer per account (loaded once,
    shared by its jobs)."""
    outcomes: list[JobOutcome] = []
    fakes: dict[str, dict[str, Any]] = {}
    for account in dict.fromkeys(case.account for case in cases):
        print(f"loading the local Cost Explorer for {account} ...", file=sys.stderr, flush=True)
        with fake_cost_explorer(account, today, page_size, latency) as ready:
            fakes[account] = ready
            for case in (c for c in cases if c.account == account):
                for _ in range(repeat):
                    print(f"  {account} {case.label} ...", file=sys.stderr, flush=True)
                    outcome = run_job(case, ready["port"], today, max_rss_mib)
                    outcomes.append(outcome)
                    print(f"  {account} {case.label}: {summary_line(outcome)}", file=sys.stderr)
    return outcomes, fakes


# ---------------------------------------------------------------------------------------------
# Reporting


def summary_line(outcome: JobOutcome) -> str:
    """One line of progress for the terminal."""
    if outcome.result is None:
        return f"FAILED ({outcome.error}; max RSS seen {outcome.max_rss_seen_mib:.0f} MiB)"
    r = outcome.result
    return (
        f"{r['wall_seconds']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB, "
        f"{r['answer']['ce_requests']} CE requests"
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    import boto3
    import pyarrow

    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib / _MIB:.1f} GiB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}, "
        f"boto3 {boto3.__version__}, pyarrow {pyarrow.__version__}"
    )


def _mib(value: float) -> str:
    return f"{value:,.0f}"


def _size(num_bytes: float) -> str:
    if num_bytes >= _MIB:
        return f"{num_bytes / _MIB:.1f} MiB"
    return f"{num_bytes / 1024:.0f} KiB"


def _requests(counts: dict[str, int]) -> str:
    short = {"GetCostAndUsage": "usage", "GetCostForecast": "forecast", "GetCostCategories": "cc"}
    return " + ".join(f"{n:,} {short.get(op, op)}" for op, n in sorted(counts.items()))


def _periods(output: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {folder: files for folder, files in output.items() if folder != "."}


def render(outcomes: Sequence[JobOutcome], fakes: dict[str, dict[str, Any]], today: date) -> str:
    page_size = next(iter(fakes.values()))["page_size"] if fakes else "?"
    latency = next(iter(fakes.values())).get("latency_seconds", 0.0) if fakes else 0.0
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        f"Day of the runs: {today} (a daily run writes month to date and the month before, on "
        "an empty destination); daily-steady: the daily run once M-1 is published with "
        "final data (most days of a month: month to date only); backfill N: the N complete "
        "months before it, on an empty destination. Output to a local folder: "
        "S3 latency is not included. Local Cost Explorer page size: "
        f"{page_size} groups (real pages are undocumented); simulated latency "
        f"{latency:g} s per Cost Explorer request. Each workload uses "
        f"{MIN_USAGE_TYPES_PER_WORKLOAD}-{MAX_USAGE_TYPES_PER_WORKLOAD} usage types "
        "(30 on average); see accounts.py.",
        "",
        "| account | workloads | usage types | groups per month: App x usage type "
        "| App x cost center | service x usage type |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in dict.fromkeys(o.case.account for o in outcomes):
        spec, counts = ACCOUNTS[name], groups(ACCOUNTS[name])
        lines.append(
            f"| {name} | {spec.workloads:,} | {spec.usage_types:,} "
            f"| {counts.workload_usage_type:,} | {counts.workload_cost_center:,} "
            f"| {counts.service_usage_type:,} |"
        )
    lines += [
        "",
        "| account | job | periods | wall s | of which fake CE s | CPU s | RSS after imports MiB "
        "| peak RSS MiB | CE requests | output per period (summary / workload / usage type) "
        "| output total |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for o in outcomes:
        if o.result is None:
            requests = _requests(o.fake.get("requests", {})) if o.killed else ""
            wall = f"{o.seconds_until_killed:.1f}" if o.killed else ""
            lines.append(
                f"| {o.case.account} | {o.case.label} | {o.error} | {wall} | | | "
                f"| > {_mib(o.max_rss_seen_mib)} | {requests} (until then) | | |"
            )
            continue
        r, answer = o.result, o.result["answer"]
        periods = _periods(r["output_bytes"])
        largest = max(periods.values(), key=lambda f: sum(f.values()), default={})
        total = sum(sum(files.values()) for files in r["output_bytes"].values())
        lines.append(
            f"| {o.case.account} | {o.case.label} | {len(answer['succeeded'])} "
            f"| {r['wall_seconds']:.1f} "
            f"| {o.fake['seconds']:.1f} | {r['cpu_seconds']:.1f} "
            f"| {_mib(r['rss_before_run_mib'])} | {_mib(r['peak_rss_mib'])} "
            f"| {_requests(answer['ce_requests_by_operation'])} "
            f"| {_size(largest.get('summary.json', 0))} / "
            f"{_size(largest.get('cost-by-workload.parquet', 0))} / "
            f"{_size(largest.get('cost-by-usage-type.parquet', 0))} | {_size(total)} |"
        )
    lines += [
        "",
        "Where the time and memory go (seconds in each pipeline stage, all calls; the peak "
        "RSS reached inside it):",
        "",
        "| account | job | " + " | ".join(_stage_names(outcomes)) + " |",
        "|---|---|" + "---:|" * len(_stage_names(outcomes)),
    ]
    for o in outcomes:
        if o.result is None:
            continue
        stages = o.result["stages"]
        cells = [
            f"{stages[s]['seconds']:.1f} s / {_mib(stages[s]['peak_rss_mib'])} MiB"
            if s in stages and stages[s]["calls"]
            else "-"
            for s in _stage_names(outcomes)
        ]
        lines.append(f"| {o.case.account} | {o.case.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The local Cost Explorer (its own process, not part of the figures above): load time "
        "(building the line items and the table), RSS after loading, peak RSS while it "
        "answered each job:",
        "",
        "| account | load s | RSS after load MiB | peak RSS per job MiB |",
        "|---|---:|---:|---|",
    ]
    for name, ready in fakes.items():
        peaks = ", ".join(
            f"{o.case.label} {_mib(o.fake['peak_rss_mib'])}"
            for o in outcomes
            if o.case.account == name and o.fake
        )
        lines.append(
            f"| {name} | {ready['load_seconds']:.1f} | {_mib(ready['rss_after_load_mib'])} "
            f"| {peaks} |"
        )
    return "\n".join(lines) + "\n"


def _stage_names(outcomes: Sequence[JobOutcome]) -> list[str]:
    names: dict[str, None] = {}
    for o in outcomes:
        if o.result is not None:
            names.update(dict.fromkeys(s for s, f in o.result["stages"].items() if f["calls"]))
    return list(names)


def write_markdown(path: Path, table: str) -> None:
    """Replace the text between the markers, or write the whole file when it has none."""
    block = f"{BEGIN}\n{table}{END}\n"
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        path.write_text(head + block.rstrip("\n") + tail)
    else:
        path.write_text(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small account only (CI)")
    parser.add_argument(
        "--cases",
        type=lambda text: [Case.parse(c) for c in text.split(",")],
        help="comma-separated account:job[:months], e.g. large:daily,large:backfill:13 "
        f"(default: all; accounts {list(ACCOUNTS)})",
    )
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--page-size", type=int, default=None, help="groups per CE page")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="simulated seconds per Cost Explorer request (default 0: loopback only)",
    )
    parser.add_argument(
        "--max-rss-gib",
        type=float,
        default=10.0,
        help="kill a job whose RSS passes this (default: 10 GiB, the most a Lambda can have)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each case this many times (compare.py: median)"
    )
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into")
    parser.add_argument("--json", type=Path, help="write the raw measurements here")
    args = parser.parse_args()

    cases = QUICK_CASES if args.quick else (args.cases or FULL_CASES)
    outcomes, fakes = run_all(
        cases, args.today, args.page_size, args.max_rss_gib * 1024, args.latency, args.repeat
    )
    table = render(outcomes, fakes, args.today)
    print(table)
    if args.output:
        write_markdown(args.output, table)
    if args.json:
        raw = {"fakes": fakes, "jobs": [{**vars(o), "case": vars(o.case)} for o in outcomes]}
        args.json.write_text(json.dumps(raw, indent=1))
    if any(o.result is None and not o.killed for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
