"""Proof of equivalence: the same ledger, read through the local Cost Explorer and as a CUR 2.0
export, gives the same files (see `equivalence.py` for the differences allowed and why)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dapanoskop.localce import LineItem
from dapanoskop.localce.demo_catalog import ACCOUNT_NAMES
from dapanoskop.localce.demo_org import DEMO_COST_CATEGORY, DEMO_TAG_KEY, demo_line_items
from dapanoskop.settings import LocalDestination, Settings
from tests import e2e_account
from tests.dataexport.equivalence import differences, run_both, write_export

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[LineItem], Path]:
    """The demo organization's items and their CUR 2.0 export, written once for the module."""
    items = demo_line_items(TODAY, months=16)
    folder = tmp_path_factory.mktemp("demo")
    return items, write_export(items, TODAY, folder, 16, ACCOUNT_NAMES)


@pytest.mark.parametrize("metric", ["UnblendedCost", "AmortizedCost", "NetAmortizedCost"])
def test_demo_organization_gives_the_same_files(
    tmp_path: Path, metric: str, demo_ledger: tuple[list[LineItem], Path]
) -> None:
    today = TODAY
    items, export_root = demo_ledger
    base = Settings(
        destination=LocalDestination(tmp_path),
        cost_category_name=DEMO_COST_CATEGORY,
        include_efs=True,
        include_ebs=True,
        workload_tag_key=DEMO_TAG_KEY,
        cost_metric=metric,
        history_months=16,
        include_accounts=True,
    )
    ce, export, _ = run_both(
        items,
        today,
        datetime(2026, 11, 26, 6, tzinfo=UTC),
        base,
        tmp_path,
        backfill_months=3,
        retention_months=16,
        export_root=export_root,
        account_names=ACCOUNT_NAMES,
    )
    written = sorted(p.relative_to(ce).as_posix() for p in ce.rglob("summary.json"))
    assert written == [f"{m}/summary.json" for m in ("2026-08", "2026-09", "2026-10", "2026-11")]
    assert differences(ce, export) == []


@pytest.mark.parametrize("with_category", [True, False])
def test_hand_worked_account_gives_the_same_files(tmp_path: Path, with_category: bool) -> None:
    """The end-to-end account: unavailable year-ago months, months without cost, tax, credit."""
    today = date(2026, 11, 20)
    base = Settings(
        destination=LocalDestination(tmp_path),
        cost_category_name=e2e_account.COST_CATEGORY if with_category else None,
        include_efs=True,
        workload_tag_key=e2e_account.TAG_KEY,
        include_accounts=with_category,
    )
    ce, export, _ = run_both(
        e2e_account.line_items(),
        today,
        datetime(2026, 11, 20, 6, tzinfo=UTC),
        base,
        tmp_path,
        backfill_months=13,
        retention_months=13,
    )
    assert (ce / "2026-10" / "summary.json").exists()
    assert differences(ce, export) == []
