"""Render the side-by-side table of two benchmark sessions (baseline commit vs this one).

Reads the raw measurements `run_bench.py --json` wrote for each code version and latency, and
writes one Markdown table between `<!-- compare:begin -->` and `<!-- compare:end -->` of the
output file (so the figures in RESULTS.md are measured, never typed). A case run several
times (`run_bench.py --repeat N`) is shown by the median of each figure:

    python compare.py --baseline base-lat0.json base-lat1.json --new new-lat0.json new-lat1.json \\
        --output RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"
JOB_ORDER = ("daily", "daily-steady", "daily-settled", "backfill")
Key = tuple[str, str, float]  # (account, job label, simulated latency)


def load(paths: list[Path]) -> dict[Key, list[dict[str, Any]]]:
    """(account, job label, latency) -> every run's measurements, in the files' order."""
    found: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for path in paths:
        raw = json.loads(path.read_text())
        for job in raw["jobs"]:
            if job["result"] is None:
                continue
            case = job["case"]
            label = f"{case['job']} {case['months']}" if case["job"] == "backfill" else case["job"]
            latency = float(raw["fakes"][case["account"]].get("latency_seconds", 0.0))
            found[(case["account"], label, latency)].append({**job["result"], "fake": job["fake"]})
    return dict(found)


def median(runs: list[dict[str, Any]] | None, field: str) -> float | None:
    """The median of a figure over the runs that have it (older files lack the CPU split)."""
    values = [run[field] for run in runs or () if field in run]
    return statistics.median(values) if values else None


def _ratio(old: float | None, new: float | None) -> str:
    return f" ({old / new:.2f}x)" if old and new else ""


def _pair(old: float | None, new: float | None, fmt: str = "{:.1f}") -> str:
    return " / ".join("-" if value is None else fmt.format(value) for value in (old, new))


def render(base: dict[Key, list[dict[str, Any]]], new: dict[Key, list[dict[str, Any]]]) -> str:
    keys = sorted(
        {(a, j) for a, j, _ in base} | {(a, j) for a, j, _ in new},
        key=lambda k: (k[0], JOB_ORDER.index(k[1].split()[0]), k[1]),
    )
    lines = [
        "| account | job | CE requests base / new | parsing and processing CPU s base / new "
        "| total CPU s base / new | wall s, 0 s latency base / new "
        "| wall s, 1 s latency base / new | peak RSS MiB base / new | runs (0 s) "
        "| most requests in flight (new) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for account, job in keys:
        fast = [source.get((account, job, 0.0)) for source in (base, new)]
        slow = [source.get((account, job, 1.0)) for source in (base, new)]
        requests = [
            "-" if not runs else f"{runs[0]['answer']['ce_requests']:,}"
            for runs in (fast[0] or slow[0], fast[1] or slow[1])
        ]
        figures = {
            field: [median(runs, field) for runs in fast]
            for field in ("pipeline_cpu_seconds", "cpu_seconds", "wall_seconds", "peak_rss_mib")
        }
        wall_slow = [median(runs, "wall_seconds") for runs in slow]
        flight = [
            str(runs[0]["fake"].get("max_in_flight", "-")) for runs in (fast[1], slow[1]) if runs
        ]
        counts = " / ".join(str(len(runs or ())) for runs in fast)
        lines.append(
            f"| {account} | {job} | {requests[0]} / {requests[1]} "
            f"| {_pair(*figures['pipeline_cpu_seconds'], '{:.2f}')}"
            f"{_ratio(*figures['pipeline_cpu_seconds'])} "
            f"| {_pair(*figures['cpu_seconds'])}{_ratio(*figures['cpu_seconds'])} "
            f"| {_pair(*figures['wall_seconds'])} "
            f"| {_pair(*wall_slow)}{_ratio(*wall_slow)} "
            f"| {_pair(*figures['peak_rss_mib'], '{:,.0f}')} | {counts} "
            f"| {', '.join(flight) or '-'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, nargs="+", required=True)
    parser.add_argument("--new", type=Path, nargs="+", required=True)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    table = render(load(args.baseline), load(args.new))
    print(table)
    if args.output:
        text = args.output.read_text()
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        args.output.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


if __name__ == "__main__":
    main()
