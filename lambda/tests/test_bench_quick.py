"""The benchmark script runs (quick mode: the small account) and writes its results table.

Timings are not asserted here (they are measured and written down in bench/RESULTS.md); what
is asserted is that both jobs ran to completion against the local Cost Explorer, that the
request counts of the pipeline and of the fake agree, and that the table lands between the
markers of an existing results file without touching the text around it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH = REPO_ROOT / "bench" / "run_bench.py"


def test_quick_benchmark_runs_both_jobs_and_writes_the_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "# Results\nanalysis above\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n"
        "analysis below\n"
    )
    raw = tmp_path / "raw.json"
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--output", str(results), "--json", str(raw)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    text = results.read_text()
    assert text.startswith("# Results\nanalysis above\n<!-- bench:begin -->\nMeasured ")
    assert text.endswith("<!-- bench:end -->\nanalysis below\n")
    assert "old table" not in text
    assert "| small | 50 | 100 |" in text  # account: 50 workloads, 100 usage types
    assert "| small | daily | 2 |" in text  # month to date and the month before
    assert "| small | daily-steady | 1 |" in text  # month to date only
    assert "| small | backfill 13 | 13 |" in text

    measured = json.loads(raw.read_text())
    jobs = {job["case"]["job"]: job for job in measured["jobs"]}
    assert set(jobs) == {"daily", "daily-steady", "backfill"}
    # run on 2026-11-26: the daily run writes 2026-11 (to date) and 2026-10; the backfill
    # the 13 complete months before November 2026 (2026-10 back to 2025-10).
    assert jobs["daily"]["result"]["answer"]["succeeded"] == ["2026-11", "2026-10"]
    # once 2026-10 is published with final data, the daily run leaves it alone
    steady = jobs["daily-steady"]["result"]["answer"]
    assert (steady["succeeded"], [s["period"] for s in steady["skipped"]]) == (
        ["2026-11"],
        ["2026-10"],
    )
    backfilled = jobs["backfill"]["result"]["answer"]["succeeded"]
    assert (len(backfilled), backfilled[0], backfilled[-1]) == (13, "2026-10", "2025-10")
    for job in jobs.values():
        answer = job["result"]["answer"]
        # every request the pipeline counted reached the fake, and nothing else did
        assert answer["ce_requests_by_operation"] == job["fake"]["requests"]
        assert job["result"]["peak_rss_mib"] >= job["result"]["rss_before_run_mib"] > 0
        periods = {p for p in job["result"]["output_bytes"] if p != "."}
        assert periods == set(answer["succeeded"]) | {s["period"] for s in answer["skipped"]}
        for period in periods:
            # complete months (all final by the 26th) also keep their Cost Explorer lines
            lines = {"cost-explorer-lines.parquet"} if period != "2026-11" else set()
            assert set(job["result"]["output_bytes"][period]) == {
                "summary.json",
                "cost-by-workload.parquet",
                "cost-by-usage-type.parquet",
                *lines,
            }
