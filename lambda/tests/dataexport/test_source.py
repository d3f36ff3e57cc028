"""The export source on small hand-made exports: tags, finality, unavailable months, manifests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dapanoskop.dataexport.location import ExportError
from dapanoskop.model import Status, UsageLine, Window
from dapanoskop.periods import complete_month_spec
from tests.dataexport.support import collect_from, item, rows_of, write_period

OCTOBER = complete_month_spec(date(2026, 10, 1))  # vs September 2026 and October 2025
OCT = Window(date(2026, 10, 1), date(2026, 11, 1))
SEP = Window(date(2026, 9, 1), date(2026, 10, 1))
OCT_2025 = Window(date(2025, 10, 1), date(2025, 11, 1))


def _usage(lines: tuple[UsageLine, ...] | None) -> dict[tuple[str, str], Decimal]:
    assert lines is not None
    return {(line.workload, line.usage_type): line.cost for line in lines}


def test_workload_tag_matches_user_app_in_any_case(tmp_path: Path) -> None:
    """AWS writes the tag App as `user_app` or `user_App`: both are the workload tag."""
    rows = rows_of(
        [
            item(date(2026, 10, 3), "1.25", tags={"App": "web"}),
            item(date(2026, 10, 4), "2.50", tags={"App": "web"}),
            item(date(2026, 10, 5), "4.00", tags={"App": "api"}),
            item(date(2026, 10, 6), "8.00", tags={"Owner": "x"}),
            item(date(2026, 10, 7), "16.00"),
        ]
    )
    rows[0]["resource_tags"] = {"user_App": "web"}
    rows[1]["resource_tags"] = {"user_app": "web"}
    rows[2]["resource_tags"] = {"user_APP": "api", "user_owner": "y"}
    write_period(tmp_path, "2026-10", rows)
    write_period(tmp_path, "2026-09", [])
    data = collect_from(tmp_path, [OCTOBER]).data
    assert _usage(data[OCT].usage) == {
        ("web", "TimedStorage-ByteHrs"): Decimal("3.75"),
        ("api", "TimedStorage-ByteHrs"): Decimal("4"),
        ("", "TimedStorage-ByteHrs"): Decimal("24"),
    }


def test_months_not_in_the_export_are_unavailable_and_blank_invoice_ids_estimated(
    tmp_path: Path,
) -> None:
    final_rows = rows_of([item(date(2026, 9, 30), "3")], final=True)
    open_rows = rows_of([item(date(2026, 10, 1), "5"), item(date(2026, 10, 31), "7")], final=True)
    open_rows[1]["bill_invoice_id"] = ""  # one line not final yet: the bill is not
    write_period(tmp_path, "2026-09", final_rows)
    write_period(tmp_path, "2026-10", open_rows)
    collected = collect_from(tmp_path, [OCTOBER])
    data = collected.data
    assert data[OCT].status is Status.ESTIMATED
    assert data[SEP].status is Status.FINAL
    assert data[OCT_2025].status is Status.UNAVAILABLE
    assert data[OCT_2025].usage is None
    assert sum(line.cost for line in data[OCT].usage or ()) == Decimal(12)
    assert collected.billing_periods_read == ["2026-09", "2026-10"]


def test_only_the_manifests_files_are_read(tmp_path: Path) -> None:
    """In "create new" delivery, older refreshes stay beside the newest: the manifest decides."""
    write_period(
        tmp_path, "2026-10", rows_of([item(date(2026, 10, 2), "1")]), files=("old.parquet",)
    )
    write_period(
        tmp_path,
        "2026-10",
        rows_of([item(date(2026, 10, 2), "1"), item(date(2026, 10, 3), "2")]),
        files=("new-1.parquet", "new-2.parquet"),
    )
    data = collect_from(tmp_path, [OCTOBER]).data
    assert sum(line.cost for line in data[OCT].usage or ()) == Decimal(3)


def test_without_a_manifest_every_file_of_the_period_is_read(tmp_path: Path) -> None:
    write_period(
        tmp_path,
        "2026-10",
        rows_of([item(date(2026, 10, 2), "1"), item(date(2026, 10, 3), "2")]),
        files=("a.parquet", "b.parquet"),
        manifest=False,
    )
    data = collect_from(tmp_path, [OCTOBER]).data
    assert sum(line.cost for line in data[OCT].usage or ()) == Decimal(3)
    assert data[SEP].status is Status.UNAVAILABLE


def test_cost_centers_and_the_only_cost_category_when_none_is_configured(tmp_path: Path) -> None:
    write_period(
        tmp_path,
        "2026-10",
        rows_of(
            [
                item(
                    date(2026, 10, 2),
                    "10",
                    tags={"App": "web"},
                    cost_categories={"Cost Center": "Research"},
                ),
                item(
                    date(2026, 10, 2),
                    "5",
                    tags={"App": "web"},
                    cost_categories={"Cost Center": "Platform"},
                ),
                item(date(2026, 10, 9), "1"),
            ]
        ),
    )
    collected = collect_from(tmp_path, [OCTOBER], cost_category=None)
    assert collected.cost_category_name == "Cost Center"
    lines = collected.data[OCT].cost_centers or ()
    assert {(line.workload, line.cost_center): line.cost for line in lines} == {
        ("web", "Research"): Decimal(10),
        ("web", "Platform"): Decimal(5),
        ("", ""): Decimal(1),
    }


def test_amortized_cost_of_a_reservation_month(tmp_path: Path) -> None:
    """The fee on day 1 is spread over the reserved hours: amortized = the effective cost."""
    no_fee = {"AmortizedCost": Decimal(0), "NetAmortizedCost": Decimal(0)}
    effective = {"AmortizedCost": Decimal("2.4"), "NetAmortizedCost": Decimal("2.4")}
    items = [
        item(date(2026, 10, 1), "876", usage_type="HeavyUsage:m6i.2xlarge", record_type="Fee",
             unit="N/A", amounts=no_fee),
        item(date(2026, 10, 2), "0", usage_type="BoxUsage:m6i.2xlarge",
             record_type="DiscountedUsage", unit="Hrs", quantity=Decimal(24), amounts=effective),
    ]  # fmt: skip
    write_period(tmp_path, "2026-10", rows_of(items))
    unblended = collect_from(tmp_path, [OCTOBER], metric="UnblendedCost").data[OCT]
    amortized = collect_from(tmp_path, [OCTOBER], metric="AmortizedCost").data[OCT]
    assert _usage(unblended.usage) == {
        ("", "HeavyUsage:m6i.2xlarge"): Decimal(876),
        ("", "BoxUsage:m6i.2xlarge"): Decimal(0),
    }
    assert _usage(amortized.usage) == {
        ("", "HeavyUsage:m6i.2xlarge"): Decimal(0),
        ("", "BoxUsage:m6i.2xlarge"): Decimal("2.4"),
    }


def test_mixed_units_in_a_group_are_reported_as_not_applicable(tmp_path: Path) -> None:
    write_period(
        tmp_path,
        "2026-10",
        rows_of(
            [item(date(2026, 10, 2), "1", unit="GB-Mo"), item(date(2026, 10, 3), "1", unit="GB")]
        ),
    )
    lines = collect_from(tmp_path, [OCTOBER]).data[OCT].usage or ()
    assert [(line.unit, line.quantity) for line in lines] == [("N/A", Decimal(20))]


def test_a_manifest_that_is_not_json_names_itself(tmp_path: Path) -> None:
    write_period(tmp_path, "2026-10", rows_of([item(date(2026, 10, 2), "1")]))
    manifest = tmp_path / "metadata" / "BILLING_PERIOD=2026-10" / "my-export-Manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(ExportError, match=r"my-export-Manifest\.json"):
        collect_from(tmp_path, [OCTOBER])


def test_a_data_file_that_is_not_parquet_fails_with_an_export_error(tmp_path: Path) -> None:
    write_period(tmp_path, "2026-10", rows_of([item(date(2026, 10, 2), "1")]))
    (tmp_path / "data" / "BILLING_PERIOD=2026-10" / "part-00001.snappy.parquet").write_bytes(
        b"junk"
    )
    with pytest.raises(ExportError, match="data files"):
        collect_from(tmp_path, [OCTOBER])


def test_a_manifest_without_a_file_list_leaves_the_period_folder_to_decide(
    tmp_path: Path,
) -> None:
    """We only know AWS's manifest from its description: one without `dataFiles` is not an
    error, the period's Parquet files are read instead."""
    write_period(tmp_path, "2026-10", rows_of([item(date(2026, 10, 2), "1")]))
    manifest = tmp_path / "metadata" / "BILLING_PERIOD=2026-10" / "my-export-Manifest.json"
    manifest.write_text('{"exportName": "my-export", "files": []}')
    data = collect_from(tmp_path, [OCTOBER]).data
    assert sum(line.cost for line in data[OCT].usage or ()) == Decimal(1)
