"""Render the side-by-side table of two benchmark sessions (baseline commit vs this one).

Reads the raw measurements `run_bench.py --json` wrote for each code version and latency, and
writes one Markdown table between `<!-- compare:begin -->` and `<!-- compare:end -->` of the
output file (so the figures in RESULTS.md are measured, never typed):

    python compare.py --baseline base-lat0.json base-lat1.json --new new-lat0.json new-lat1.json \\
        --output RESULTS.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"
JOB_ORDER = ("daily", "daily-steady", "daily-settled", "backfill")


def load(paths: list[Path]) -> dict[tuple[str, str, float], dict[str, Any]]:
    """(account, job label, latency) -> the job's measurements (first file wins)."""
    found: dict[tuple[str, str, float], dict[str, Any]] = {}
    for path in paths:
        raw = json.loads(path.read_text())
        for job in raw["jobs"]:
            if job["result"] is None:
                continue
            case = job["case"]
            label = f"{case['job']} {case['months']}" if case["job"] == "backfill" else case["job"]
            latency = float(raw["fakes"][case["account"]].get("latency_seconds", 0.0))
            found.setdefault(
                (case["account"], label, latency), {**job["result"], "fake": job["fake"]}
            )
    return found


def _ratio(old: float, new: float) -> str:
    return f"{old / new:.2f}x" if new else "-"


def render(base: dict, new: dict) -> str:
    keys = sorted(
        {(a, j) for a, j, _ in base} | {(a, j) for a, j, _ in new},
        key=lambda k: (k[0], JOB_ORDER.index(k[1].split()[0]), k[1]),
    )
    lines = [
        "| account | job | CE requests base / new | CPU s (0 s latency) base / new | "
        "wall s, 0 s latency base / new | wall s, 1 s latency base / new (speed-up) | "
        "peak RSS MiB base / new | most requests in flight (new) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for account, job in keys:

        def pair(
            field: str, latency: float, fmt: str = "{:.1f}", key: tuple = (account, job)
        ) -> str:
            cells = [source.get((*key, latency)) for source in (base, new)]
            return " / ".join("-" if c is None else fmt.format(c[field]) for c in cells)

        requests = []
        for source in (base, new):
            found = source.get((account, job, 0.0)) or source.get((account, job, 1.0))
            requests.append("-" if found is None else f"{found['answer']['ce_requests']:,}")
        wall1_old, wall1_new = base.get((account, job, 1.0)), new.get((account, job, 1.0))
        speed = (
            f" ({_ratio(wall1_old['wall_seconds'], wall1_new['wall_seconds'])})"
            if wall1_old and wall1_new
            else ""
        )
        cpu_old, cpu_new = base.get((account, job, 0.0)), new.get((account, job, 0.0))
        cpu_ratio = (
            f" ({_ratio(cpu_old['cpu_seconds'], cpu_new['cpu_seconds'])})"
            if cpu_old and cpu_new
            else ""
        )
        flight = [
            str(found["fake"].get("max_in_flight", "-"))
            for latency in (0.0, 1.0)
            if (found := new.get((account, job, latency)))
        ]
        lines.append(
            f"| {account} | {job} | {requests[0]} / {requests[1]} "
            f"| {pair('cpu_seconds', 0.0)}{cpu_ratio} | {pair('wall_seconds', 0.0)} "
            f"| {pair('wall_seconds', 1.0)}{speed} | {pair('peak_rss_mib', 0.0, '{:,.0f}')} "
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
