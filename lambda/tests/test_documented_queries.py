"""Every SQL query the README documents, run with DuckDB on the demo's output.

Each month's Parquet files also hold its comparison months, so a naive glob over all folders
counts a month two or three times (measured on the demo: about 2x). The documented views keep
each folder's own month; these tests hold every documented query to the numbers of the
summaries.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dapanoskop.demo import run_demo

README = Path(__file__).resolve().parents[2] / "README.md"
TODAY = date(2026, 11, 26)
CENT = 0.005 + 1e-6  # a sum of doubles, against a total rounded half up to cents


def documented_queries() -> list[str]:
    """The ```sql blocks of the README's "Query the files" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Query the files", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "history"
    run_demo(folder, TODAY, months=13)
    return folder


@pytest.fixture(scope="module")
def results(demo: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Each documented query's rows, keyed by its first comment line."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect() as con:
        for block in documented_queries():
            title = block.splitlines()[0].removeprefix("-- ").strip()
            rows: list[tuple[Any, ...]] = []
            for statement in block.replace("DATA/", f"{demo.as_posix()}/").split(";"):
                if statement.strip() and not _only_comments(statement):
                    rows = con.execute(statement).fetchall()
            found[title] = rows
    return found


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def summaries(demo: Path) -> dict[str, dict[str, Any]]:
    return {
        path.parent.name: json.loads(path.read_text())
        for path in sorted(demo.glob("*/summary.json"))
    }


def test_the_readme_documents_the_views_and_five_queries() -> None:
    titles = [block.splitlines()[0] for block in documented_queries()]
    assert titles == [
        "-- Views: every month's rows once, from its own folder",
        "-- Total cost per month (totals.current_cost_usd)",
        "-- Cost per month and category",
        "-- Cost per month, cost center and workload (cost_centers[].workloads[])",
        "-- Cost per month and cost center, after split charges (cost_centers[].current_cost_usd)",
        "-- Untagged usage per month (tagging_coverage.untagged_cost_usd)",
    ]


def test_total_cost_per_month_equals_each_summary(demo: Path, results: dict) -> None:
    rows = results["Total cost per month (totals.current_cost_usd)"]
    published = {p: s["totals"]["current_cost_usd"] for p, s in summaries(demo).items()}
    assert [period for period, _ in rows] == sorted(published)
    for period, cost in rows:
        assert abs(cost - published[period]) <= CENT, period


def test_a_naive_glob_would_count_months_twice(demo: Path) -> None:
    # What the issue measured: without the folder filter the total is about twice the bill.
    with duckdb.connect() as con:
        files = f"{demo.as_posix()}/*/cost-by-usage-type.parquet"
        naive = con.execute(f"SELECT sum(cost_usd) FROM read_parquet('{files}')").fetchone()[0]
    published = sum(s["totals"]["current_cost_usd"] for s in summaries(demo).values())
    assert naive > 1.8 * published


def test_categories_add_up_to_each_months_total(demo: Path, results: dict) -> None:
    rows = results["Cost per month and category"]
    by_period: dict[str, float] = defaultdict(float)
    for period, category, cost in rows:
        assert category in {"Storage", "Compute", "Support", "Other"}
        by_period[period] += cost
    for period, summary in summaries(demo).items():
        assert abs(by_period[period] - summary["totals"]["current_cost_usd"]) <= CENT, period


def test_workloads_equal_the_summary_cost_centers(demo: Path, results: dict) -> None:
    rows = results["Cost per month, cost center and workload (cost_centers[].workloads[])"]
    queried = {(p, c, w): cost for p, c, w, cost in rows}
    for period, summary in summaries(demo).items():
        for center in summary["cost_centers"]:
            for workload in center["workloads"]:
                cost = queried[(period, center["name"], workload["name"])]
                assert abs(cost - workload["current_cost_usd"]) <= CENT, (period, workload)


def test_cost_centers_after_split_charges_equal_the_summary(demo: Path, results: dict) -> None:
    # The demo splits Shared Services onto the others: its post-split cost is 0 and the
    # "(split charge)" rows carry what moved.
    rows = results[
        "Cost per month and cost center, after split charges (cost_centers[].current_cost_usd)"
    ]
    queried = {(period, center): cost for period, center, cost in rows}
    for period, summary in summaries(demo).items():
        for center in summary["cost_centers"]:
            cost = queried.get((period, center["name"]), 0.0)
            assert abs(cost - center["current_cost_usd"]) <= CENT, (period, center["name"])
        shared = next(c for c in summary["cost_centers"] if c["name"] == "Shared Services")
        assert shared["is_split_charge"] is True
        assert abs(queried[(period, "Shared Services")]) <= CENT


def test_untagged_usage_equals_the_tagging_coverage(demo: Path, results: dict) -> None:
    rows = dict(results["Untagged usage per month (tagging_coverage.untagged_cost_usd)"])
    for period, summary in summaries(demo).items():
        untagged = summary["tagging_coverage"]["untagged_cost_usd"]
        assert abs(rows.get(period, 0.0) - untagged) <= CENT, period
