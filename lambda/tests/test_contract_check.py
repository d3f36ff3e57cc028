"""The contract check: the demo's output passes, and each kind of defect is reported by name.

Each defect test starts from a copy of a real demo history (two complete months and the
month to date), breaks one thing the way a faulty writer would, and expects exactly the
problem that names it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dapanoskop.cli import main
from dapanoskop.contract_check import check_output
from dapanoskop.demo import run_demo
from tests.conftest import BUCKET

TODAY = date(2026, 11, 26)
COMPLETE = "2026-10"  # the newest complete month of the demo history
MTD = "2026-11"


@pytest.fixture(scope="module")
def demo_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "history"
    result = run_demo(folder, TODAY, months=2)
    assert result.daily.index == ["2026-11", "2026-10", "2026-09"]
    return folder


@pytest.fixture
def history(demo_history: Path, tmp_path: Path) -> Path:
    """A private copy to break."""
    return Path(shutil.copytree(demo_history, tmp_path / "history"))


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def edit_summary(history: Path, period: str, change: Callable[[dict], None]) -> None:
    edit_json(history / period / "summary.json", change)


def rewrite_parquet(path: Path, change: Callable[[pa.Table], pa.Table]) -> None:
    pq.write_table(change(pq.read_table(path)), path)


def test_the_demo_history_conforms(history: Path) -> None:
    assert check_output(history) == []


# summary.json


@pytest.mark.parametrize(
    "field",
    [
        "schema_version",
        "collected_at",
        "period",
        "is_mtd",
        "periods",
        "period_status",
        "cost_metric",
        "workload_tag_key",
        "cost_category_name",
        "totals",
        "storage_config",
        "storage_metrics",
        "cost_centers",
        "tagging_coverage",
        "collection",
    ],
)
def test_a_missing_top_level_field_is_reported(history: Path, field: str) -> None:
    edit_summary(history, COMPLETE, lambda s: s.pop(field))

    assert check_output(history) == [f"2026-10/summary.json: {field} is missing"]


@pytest.mark.parametrize(
    ("path", "period"),
    [
        (("totals", "yoy_cost_usd"), COMPLETE),
        (("totals", "mtd_prior_partial_cost_usd"), MTD),
        (("period_status", "prev_month"), COMPLETE),
        (("periods", "yoy"), COMPLETE),
        (("storage_config", "include_ebs"), COMPLETE),
        (("storage_metrics", "hot_tier_percentage"), COMPLETE),
        (("storage_metrics", "prev_month_cost_per_tb_usd"), COMPLETE),
        (("storage_metrics", "mtd_prior_partial_storage_cost_usd"), MTD),
        (("tagging_coverage", "tagged_percentage"), COMPLETE),
        (("collection", "ce_requests"), COMPLETE),
        (("mtd_comparison", "prior_partial_end_exclusive"), MTD),
    ],
)
def test_a_missing_nested_field_is_reported(
    history: Path, path: tuple[str, str], period: str
) -> None:
    edit_summary(history, period, lambda s: s[path[0]].pop(path[1]))

    assert check_output(history) == [f"{period}/summary.json: {path[0]}.{path[1]} is missing"]


def test_a_workload_without_a_name_is_reported(history: Path) -> None:
    edit_summary(history, COMPLETE, lambda s: s["cost_centers"][1]["workloads"][0].pop("name"))

    assert check_output(history) == [
        "2026-10/summary.json: cost_centers[1].workloads[0].name is missing"
    ]


def test_month_to_date_without_its_comparison_is_reported(history: Path) -> None:
    edit_summary(history, MTD, lambda s: s.pop("mtd_comparison"))

    assert check_output(history) == [
        "2026-11/summary.json: mtd_comparison is missing (is_mtd is true)"
    ]


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("schema_version",), "1", 'schema_version is "1", expected an integer'),
        (("schema_version",), 3, "schema_version is 3, expected one of 1, 2"),
        (("is_mtd",), "false", 'is_mtd is "false", expected true or false'),
        (
            ("collected_at",),
            "26.11.2026",
            'collected_at is "26.11.2026", expected an ISO-8601 UTC time like 2026-11-26T06:00:03Z',
        ),
        (("cost_category_name",), 5, "cost_category_name is 5, expected a string or null"),
        (
            ("period_status", "current"),
            "Final",
            'period_status.current is "Final", expected one of estimated, final, unavailable',
        ),
        (("periods", "prev_month"), "2026-08", "periods.prev_month is 2026-08, expected 2026-09"),
        (
            ("totals", "current_cost_usd"),
            "141.50",
            'totals.current_cost_usd is "141.50", expected an amount rounded to cents',
        ),
        (
            ("storage_metrics", "total_volume_bytes"),
            1.5,
            "storage_metrics.total_volume_bytes is 1.5, expected a whole number >= 0",
        ),
        (
            ("tagging_coverage", "tagged_percentage"),
            100.5,
            "tagging_coverage.tagged_percentage is 100.5, outside 0..100 although tagged "
            "and untagged usage are not negative",
        ),
        (
            ("storage_config", "include_efs"),
            1,
            "storage_config.include_efs is 1, expected true or false",
        ),
        (
            ("collection", "ce_requests"),
            1.0,
            "collection.ce_requests is 1.0, expected a whole number >= 0",
        ),
        (("cost_centers",), {}, "cost_centers is {}, expected an array"),
    ],
)
def test_a_wrong_type_is_reported(
    history: Path, path: tuple[str, ...], value: Any, problem: str
) -> None:
    def change(summary: dict) -> None:
        parent = summary
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value

    edit_summary(history, COMPLETE, change)

    assert check_output(history) == [f"2026-10/summary.json: {problem}"]


def test_unrounded_money_is_reported(history: Path) -> None:
    edit_summary(history, COMPLETE, lambda s: s["storage_metrics"].update(total_cost_usd=1.005))

    assert check_output(history) == [
        "2026-10/summary.json: storage_metrics.total_cost_usd is 1.005, expected an amount "
        "rounded to cents"
    ]


def test_cost_centers_that_do_not_add_up_to_the_total_are_reported(history: Path) -> None:
    summary = json.loads((history / COMPLETE / "summary.json").read_text())
    added = sum(c["yoy_cost_usd"] for c in summary["cost_centers"])
    wrong = round(summary["totals"]["yoy_cost_usd"] + 1, 2)

    edit_summary(history, COMPLETE, lambda s: s["totals"].update(yoy_cost_usd=wrong))

    assert check_output(history) == [
        f"2026-10/summary.json: cost_centers add up to {added:.2f} in yoy_cost_usd, but "
        f"totals.yoy_cost_usd is {wrong:.2f}"
    ]


def test_workloads_that_do_not_add_up_to_their_cost_center_are_reported(history: Path) -> None:
    centers = json.loads((history / COMPLETE / "summary.json").read_text())["cost_centers"]
    # Uncategorized: no split-charge rule touches it, so its workloads add up to it alone.
    n, center = next((n, c) for n, c in enumerate(centers) if c["name"] == "Uncategorized")
    added = sum(w["prev_month_cost_usd"] for w in center["workloads"]) + 1

    def add_a_dollar(summary: dict) -> None:
        workload = summary["cost_centers"][n]["workloads"][0]
        workload["prev_month_cost_usd"] = round(workload["prev_month_cost_usd"] + 1, 2)

    edit_summary(history, COMPLETE, add_a_dollar)

    problems = check_output(history)
    assert problems[0] == (
        f"2026-10/summary.json: cost_centers[{n}].workloads add up to {added:.2f} in "
        f"prev_month_cost_usd, but cost_centers[{n}].prev_month_cost_usd is "
        f"{center['prev_month_cost_usd']:.2f}"
    )
    # The Parquet file still has the old amount, so the two files disagree as well.
    assert len(problems) == 2
    assert problems[1].startswith("2026-10/cost-by-workload.parquet: cost_usd of (")


def test_split_charges_must_explain_a_cost_center_beyond_its_workloads(history: Path) -> None:
    # The demo splits Shared Services onto the others: Retail = its workloads + what it got.
    centers = json.loads((history / COMPLETE / "summary.json").read_text())["cost_centers"]
    n, retail = next((n, c) for n, c in enumerate(centers) if c["name"] == "Retail")
    own = sum(w["current_cost_usd"] for w in retail["workloads"])
    assert retail["split_charge_out_usd"] == 0.0
    assert abs(own + retail["split_charge_in_usd"] - retail["current_cost_usd"]) < 0.05
    shared = next(c for c in centers if c["name"] == "Shared Services")
    assert shared["is_split_charge"] is True
    assert shared["current_cost_usd"] == 0.0

    edit_summary(history, COMPLETE, lambda s: s["cost_centers"][n].pop("split_charge_out_usd"))
    assert check_output(history) == [
        f"2026-10/summary.json: cost_centers[{n}].split_charge_out_usd is missing (its pair "
        "split_charge_in_usd is given)"
    ]


def test_split_amounts_that_do_not_explain_the_cost_center_are_reported(history: Path) -> None:
    centers = json.loads((history / COMPLETE / "summary.json").read_text())["cost_centers"]
    n, retail = next((n, c) for n, c in enumerate(centers) if c["name"] == "Retail")
    wrong = round(retail["split_charge_in_usd"] - 100, 2)
    edit_summary(
        history, COMPLETE, lambda s: s["cost_centers"][n].update(split_charge_in_usd=wrong)
    )

    problems = check_output(history)
    assert problems[0].startswith(f"2026-10/summary.json: cost_centers[{n}].workloads add up to")
    assert problems[0].endswith(
        f"but cost_centers[{n}].current_cost_usd - split_charge_in_usd + split_charge_out_usd "
        f"is {retail['current_cost_usd'] - wrong:.2f}"
    )
    # and the "(split charge)" row of the Parquet file no longer matches in - out
    assert problems[1] == (
        f"2026-10/cost-by-workload.parquet: cost_usd of (Retail, (split charge), 2026-10) is "
        f"{next_split_row(history, 'Retail')}, but the summary shows {wrong}"
    )


def next_split_row(history: Path, center: str) -> float:
    table = pq.read_table(history / COMPLETE / "cost-by-workload.parquet").to_pylist()
    return next(
        r["cost_usd"]
        for r in table
        if (r["cost_center"], r["workload"], r["period"]) == (center, "(split charge)", COMPLETE)
    )


def test_a_yoy_amount_for_an_unavailable_year_ago_month_is_reported(history: Path) -> None:
    def unavailable(summary: dict) -> None:
        summary["period_status"]["yoy"] = "unavailable"
        for center in summary["cost_centers"]:
            for workload in center["workloads"]:
                workload.pop("yoy_cost_usd")

    edit_summary(history, COMPLETE, unavailable)

    problems = check_output(history)
    assert problems[0] == (
        "2026-10/summary.json: cost_centers[0].yoy_cost_usd is given, but period_status.yoy "
        "is unavailable"
    )


def test_storage_lens_fields_are_checked(history: Path) -> None:
    lens = {
        "total_bytes": 5 * 2**40,
        "object_count": 1200,
        "storage_lens_date": "2026-10-31",
        "config_id": "org-lens",
    }

    def add(summary: dict) -> None:
        summary["storage_lens"] = lens
        summary["storage_metrics"]["storage_lens_total_bytes"] = lens["total_bytes"]

    edit_summary(history, COMPLETE, add)
    assert check_output(history) == []

    def break_it(summary: dict) -> None:
        summary["storage_lens"]["object_count"] = 1.5
        summary["storage_metrics"]["storage_lens_total_bytes"] = 7

    edit_summary(history, COMPLETE, break_it)
    assert check_output(history) == [
        "2026-10/summary.json: storage_lens.object_count is 1.5, expected a whole number >= 0"
    ]
    edit_summary(history, COMPLETE, lambda s: s["storage_lens"].update(object_count=3))
    assert check_output(history) == [
        "2026-10/summary.json: storage_metrics.storage_lens_total_bytes is 7, but "
        f"storage_lens.total_bytes is {5 * 2**40}"
    ]


def test_cost_centers_out_of_order_are_reported(history: Path) -> None:
    edit_summary(history, COMPLETE, lambda s: s["cost_centers"].reverse())

    assert check_output(history) == [
        "2026-10/summary.json: cost_centers are not ordered by current_cost_usd descending, "
        "then name"
    ]


def test_a_summary_in_the_wrong_folder_is_reported(history: Path) -> None:
    edit_summary(history, COMPLETE, lambda s: s.update(period="2026-09"))

    assert check_output(history) == [
        "2026-10/summary.json: period is 2026-09, but the file is in folder 2026-10"
    ]


# index.json


def test_an_index_listing_a_missing_period_is_reported(history: Path) -> None:
    edit_json(history / "index.json", lambda i: i["periods"].append("2026-08"))

    assert check_output(history) == [
        "index.json: periods lists 2026-08, but 2026-08/summary.json does not exist"
    ]


def test_a_deleted_summary_still_listed_is_reported(history: Path) -> None:
    (history / "2026-09" / "summary.json").unlink()

    assert check_output(history) == [
        "index.json: periods lists 2026-09, but 2026-09/summary.json does not exist"
    ]


def test_an_index_missing_a_published_period_is_reported(history: Path) -> None:
    edit_json(history / "index.json", lambda i: i["periods"].remove("2026-10"))

    assert check_output(history) == [
        "index.json: periods does not list 2026-10, but 2026-10/summary.json exists"
    ]


def test_an_index_not_newest_first_is_reported(history: Path) -> None:
    edit_json(history / "index.json", lambda i: i["periods"].reverse())

    assert check_output(history) == ["index.json: periods are not newest first"]


def test_a_missing_index_is_reported(history: Path) -> None:
    (history / "index.json").unlink()

    assert check_output(history) == ["index.json: is missing"]


def test_an_index_that_is_not_json_is_reported(history: Path) -> None:
    (history / "index.json").write_text("{", encoding="utf-8")

    problems = check_output(history)

    assert len(problems) == 1
    assert problems[0].startswith("index.json: is not UTF-8 JSON (")


# Parquet


def test_swapped_parquet_columns_are_reported(history: Path) -> None:
    def swap(table: pa.Table) -> pa.Table:
        names = table.column_names
        return table.select([*names[:4], "usage_quantity", "cost_usd"])

    rewrite_parquet(history / COMPLETE / "cost-by-usage-type.parquet", swap)

    assert check_output(history) == [
        "2026-10/cost-by-usage-type.parquet: has columns workload string, usage_type string, "
        "category string, period string, usage_quantity double, cost_usd double, expected "
        "workload string, usage_type string, category string, period string, cost_usd double, "
        "usage_quantity double"
    ]


def test_a_parquet_column_of_the_wrong_type_is_reported(history: Path) -> None:
    def as_float32(table: pa.Table) -> pa.Table:
        return table.set_column(3, "cost_usd", table.column("cost_usd").cast(pa.float32()))

    rewrite_parquet(history / COMPLETE / "cost-by-workload.parquet", as_float32)

    assert check_output(history) == [
        "2026-10/cost-by-workload.parquet: has columns cost_center string, workload string, "
        "period string, cost_usd float, expected cost_center string, workload string, "
        "period string, cost_usd double"
    ]


def test_nulls_in_parquet_are_reported(history: Path) -> None:
    def null_first_quantity(table: pa.Table) -> pa.Table:
        quantities = table.column("usage_quantity").to_pylist()
        quantities[0] = None
        return table.set_column(5, "usage_quantity", pa.array(quantities, pa.float64()))

    rewrite_parquet(history / COMPLETE / "cost-by-usage-type.parquet", null_first_quantity)

    assert check_output(history) == [
        "2026-10/cost-by-usage-type.parquet: column usage_quantity has 1 null(s)"
    ]


def test_a_missing_parquet_file_is_reported(history: Path) -> None:
    (history / "2026-09" / "cost-by-workload.parquet").unlink()

    assert check_output(history) == ["2026-09/cost-by-workload.parquet: is missing"]


def test_a_workload_row_missing_for_one_period_is_reported(history: Path) -> None:
    path = history / COMPLETE / "cost-by-workload.parquet"
    first = pq.read_table(path).slice(0, 1).to_pylist()[0]
    # Remove the first row: its (cost center, workload) pair then lacks one of the periods.
    rewrite_parquet(path, lambda table: table.slice(1))

    problems = check_output(history)

    assert (
        f"2026-10/cost-by-workload.parquet: has no row for ({first['cost_center']}, "
        f"{first['workload']}) in {first['period']}"
    ) in problems


def test_unsorted_usage_rows_are_reported(history: Path) -> None:
    rewrite_parquet(
        history / COMPLETE / "cost-by-usage-type.parquet",
        lambda table: table.take(list(reversed(range(table.num_rows)))),
    )

    assert check_output(history) == [
        "2026-10/cost-by-usage-type.parquet: rows are not sorted by period, workload, usage_type"
    ]


def test_an_unknown_category_is_reported(history: Path) -> None:
    def relabel(table: pa.Table) -> pa.Table:
        categories = [
            "Networking" if c == "Other" else c for c in table.column("category").to_pylist()
        ]
        return table.set_column(2, "category", pa.array(categories, pa.string()))

    rewrite_parquet(history / COMPLETE / "cost-by-usage-type.parquet", relabel)

    assert check_output(history) == [
        "2026-10/cost-by-usage-type.parquet: has category 'Networking', expected one of "
        "Compute, Other, Storage, Support"
    ]


# where the files are


def test_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    assert check_output(tmp_path / "nothing") == [f"{tmp_path / 'nothing'} is not a folder"]


def test_an_empty_folder_has_no_index(tmp_path: Path) -> None:
    assert check_output(tmp_path) == ["index.json: is missing"]


def test_the_demo_history_conforms_in_s3(
    demo_history: Path, s3: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    for path in sorted(demo_history.rglob("*")):
        if path.is_file():
            key = f"copy/{path.relative_to(demo_history).as_posix()}"
            s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    assert check_output(f"s3://{BUCKET}/copy") == []
    assert check_output(f"s3://{BUCKET}/elsewhere") == ["index.json: is missing"]


# the command


def test_check_command_passes_the_demo_history(history: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--from", str(history)])

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{history}: conforms to the data contract\n"


def test_check_command_lists_problems_and_exits_1(history: Path) -> None:
    (history / "index.json").unlink()
    (history / "2026-09" / "cost-by-usage-type.parquet").unlink()

    result = CliRunner().invoke(main, ["check", "--from", str(history)])

    assert result.exit_code == 1
    assert result.stdout == (
        f"{history}: 2 contract problem(s)\n"
        "  index.json: is missing\n"
        "  2026-09/cost-by-usage-type.parquet: is missing\n"
    )


def test_check_command_on_a_missing_bucket(
    s3: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)

    result = CliRunner().invoke(main, ["check", "--from", "s3://no-such-bucket"])

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the S3 bucket no-such-bucket does not exist (cannot list s3://no-such-bucket/): "
        "create it or correct the name\n"
    )


def test_check_command_refuses_a_bad_bucket_name() -> None:
    result = CliRunner().invoke(main, ["check", "--from", "s3://Cost_Data"])

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --from 'Cost_Data' is not valid: accepted is an S3 bucket name: 3-63 lowercase "
        "letters, digits, dots, hyphens"
    )


# --- Schema 2 fields ----------------------------------------------------------------------------


def test_schema_2_without_untaggable_cost_is_reported(history: Path) -> None:
    edit_summary(history, COMPLETE, lambda s: s["tagging_coverage"].pop("untaggable_cost_usd"))

    assert f"{COMPLETE}/summary.json: tagging_coverage.untaggable_cost_usd is missing" in (
        check_output(history)
    )


def test_storage_classes_that_do_not_add_up_to_the_volume_are_reported(history: Path) -> None:
    def drop_first_class(summary: dict) -> None:
        summary["storage_classes"] = summary["storage_classes"][1:]

    edit_summary(history, COMPLETE, drop_first_class)

    [problem] = check_output(history)
    assert problem.startswith(f"{COMPLETE}/summary.json: storage_classes add up to ")
    assert "but storage_metrics.total_volume_bytes is" in problem


def test_a_month_to_date_summary_without_data_through_is_reported(history: Path) -> None:
    edit_summary(history, MTD, lambda s: s.pop("data_through"))

    assert check_output(history) == [f"{MTD}/summary.json: data_through is missing"]


def test_a_schema_1_summary_is_held_to_schema_1(history: Path) -> None:
    def downgrade(summary: dict) -> None:
        summary["schema_version"] = 1
        summary.pop("storage_classes")
        coverage = summary["tagging_coverage"]
        coverage["untagged_cost_usd"] = round(
            coverage["untagged_cost_usd"] + coverage.pop("untaggable_cost_usd"), 2
        )

    edit_summary(history, COMPLETE, downgrade)

    assert check_output(history) == []
