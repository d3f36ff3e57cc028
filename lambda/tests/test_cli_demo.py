"""`dapanoskop demo`: the whole pipeline on the simulated organization, and what it prints."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from dapanoskop.cli import main
from dapanoskop.contract_check import check_output
from dapanoskop.demo import DemoResult, describe_demo
from dapanoskop.pipeline import RunResult

PINNED = ["--today", "2026-11-26"]


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, prog_name="dapanoskop")


def test_describe_demo_tells_where_the_files_are_and_the_headline_numbers() -> None:
    latest = {
        "period": "2026-10",
        "periods": {"current": "2026-10", "prev_month": "2026-09", "yoy": "2025-10"},
        "totals": {
            "current_cost_usd": 1100.0,
            "prev_month_cost_usd": 1000.0,
            "yoy_cost_usd": 880.0,
        },
        "cost_centers": [
            {"name": "Research", "current_cost_usd": 600.0},
            {"name": "Data", "current_cost_usd": 300.0},
            {"name": "Retail", "current_cost_usd": 150.0},
            {"name": "Uncategorized", "current_cost_usd": 50.0},
        ],
        "storage_metrics": {
            "total_cost_usd": 2300.0,
            "total_volume_bytes": 100 * 2**40,
            "cost_per_tb_usd": 23.0,
            "hot_tier_percentage": 40.0,
        },
        "workload_tag_key": "App",
        "tagging_coverage": {"tagged_percentage": 95.5, "untagged_cost_usd": 49.5},
    }
    month_to_date = {
        "period": "2026-11",
        "periods": {"current": "2026-11", "prev_month": "2026-10", "yoy": "2025-11"},
        "totals": {
            "current_cost_usd": 900.0,
            "forecast_total_usd": 1155.0,
            "forecast_month_end_delta_pct": 5.0,
        },
    }
    result = DemoResult(
        output=Path("/data/demo"),
        today=date(2026, 11, 26),
        backfill=RunResult("backfill", "/data/demo", ce_requests=15),
        daily=RunResult(
            "daily", "/data/demo", ce_requests=8, index=["2026-11", "2026-10", "2026-09"]
        ),
        latest_complete=latest,
        month_to_date=month_to_date,
        report=Path("/data/demo/report.html"),
    )

    # 1100 / 1000 = +10.0 %, 1100 / 880 = +25.0 %; 100 TiB; 15 + 8 = 23 requests at $0.01.
    assert describe_demo(result) == (
        "Wrote the demo organization's cost history to /data/demo\n"
        "  index.json and 3 period folders, 2026-09 to 2026-11 "
        "(summary.json + 2 Parquet files each)\n"
        "  2026-10: $1,100.00, +10.0% vs 2026-09 ($1,000.00), +25.0% vs 2025-10 ($880.00)\n"
        "    cost centers: Research $600.00, Data $300.00, Retail $150.00 (4 in all)\n"
        "    storage: $2,300.00 for 100.0 TiB ($23.00 per TiB), 40.0% hot\n"
        "    tagged with App: 95.5% ($49.50 untagged)\n"
        "  2026-11 to date (through 2026-11-25): $900.00, forecast for the month $1,155.00 "
        "(+5.0% vs 2026-10)\n"
        "  Cost Explorer requests: 23 (simulated; $0.23 on a real account)\n"
        "  report: /data/demo/report.html (open it in a browser)\n"
        "  check it against the data contract: dapanoskop check --from /data/demo"
    )


def test_describe_demo_names_a_split_charge_source() -> None:
    latest = {
        "period": "2026-10",
        "periods": {"current": "2026-10", "prev_month": "2026-09", "yoy": "2025-10"},
        "totals": {"current_cost_usd": 100.0, "prev_month_cost_usd": 100.0, "yoy_cost_usd": 0.0},
        "cost_centers": [
            {"name": "Research", "current_cost_usd": 100.0, "split_charge_in_usd": 40.0},
            {
                "name": "Shared Services",
                "current_cost_usd": 0.0,
                "is_split_charge": True,
                "split_charge_in_usd": 0.0,
                "split_charge_out_usd": 40.0,
            },
        ],
        "storage_metrics": {
            "total_cost_usd": 0.0,
            "total_volume_bytes": 0,
            "cost_per_tb_usd": 0.0,
            "hot_tier_percentage": 0.0,
        },
        "workload_tag_key": "App",
        "tagging_coverage": {"tagged_percentage": 100.0, "untagged_cost_usd": 0.0},
    }
    result = DemoResult(
        output=Path("/data/demo"),
        today=date(2026, 11, 1),
        backfill=RunResult("backfill", "/data/demo", ce_requests=5),
        daily=RunResult("daily", "/data/demo", ce_requests=0, index=["2026-10"]),
        latest_complete=latest,
        month_to_date=None,
        report=None,
    )
    lines = describe_demo(result).splitlines()
    assert lines[3:5] == [
        "    cost centers: Research $100.00, Shared Services $0.00 (2 in all)",
        "    split charges: Shared Services $40.00 allocated to other cost centers",
    ]


def test_demo_writes_a_contract_valid_history_with_a_report(tmp_path: Path) -> None:
    output = tmp_path / "demo"

    result = invoke(["demo", "--output", str(output), "--months", "2", *PINNED])

    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    index = json.loads((output / "index.json").read_text())
    assert index["periods"] == ["2026-11", "2026-10", "2026-09"]
    assert check_output(output) == []
    assert (output / "report.html").stat().st_size > 0
    # The headline numbers are the ones in the files.
    october = json.loads((output / "2026-10" / "summary.json").read_text())
    totals = october["totals"]
    lines = result.stdout.splitlines()
    assert lines[0] == f"Wrote the demo organization's cost history to {output}"
    assert lines[1] == (
        "  index.json and 3 period folders, 2026-09 to 2026-11 (summary.json + 2 Parquet files "
        "each)"
    )
    assert lines[2].startswith(
        f"  2026-10: ${totals['current_cost_usd']:,.2f}, "
        f"{(totals['current_cost_usd'] / totals['prev_month_cost_usd'] - 1) * 100:+.1f}% vs "
        f"2026-09 (${totals['prev_month_cost_usd']:,.2f}), "
    )
    top = october["cost_centers"][0]
    assert lines[3].startswith(f"    cost centers: {top['name']} ${top['current_cost_usd']:,.2f}, ")
    shared = next(c for c in october["cost_centers"] if c["name"] == "Shared Services")
    assert lines[4] == (
        f"    split charges: Shared Services ${shared['split_charge_out_usd']:,.2f} allocated "
        "to other cost centers"
    )
    november = json.loads((output / "2026-11" / "summary.json").read_text())
    assert lines[7].startswith(
        f"  2026-11 to date (through 2026-11-25): ${november['totals']['current_cost_usd']:,.2f}"
    )
    assert lines[-2] == f"  report: {output / 'report.html'} (open it in a browser)"


def test_demo_json_prints_both_runs(tmp_path: Path) -> None:
    result = invoke(["demo", "--output", str(tmp_path), "--months", "1", "--json", *PINNED])

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert sorted(document) == ["backfill", "daily"]
    assert document["backfill"]["succeeded"] == ["2026-10"]
    assert document["daily"]["succeeded"] == ["2026-11"]
    # 2026-10 was written by the backfill with final data, so the daily run leaves it alone.
    assert document["daily"]["skipped"] == [
        {"period": "2026-10", "reason": "already published with final data"}
    ]
    assert document["daily"]["index"] == ["2026-11", "2026-10"]


def test_demo_months_out_of_range(tmp_path: Path) -> None:
    result = invoke(["demo", "--output", str(tmp_path), "--months", "0"])

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--months': 0 is not in the range 1<=x<=24."
    )
    assert list(tmp_path.iterdir()) == []


def test_demo_output_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("")

    result = invoke(["demo", "--output", str(target)])

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--output': Directory '{target}' is a file."
    )
