# ruff: noqa: E501 - one account per line reads better than wrapped ones
"""Accounts as a dimension (INCLUDE_ACCOUNTS): Cost Explorer's LINKED_ACCOUNT grouping with
names from DimensionValueAttributes, the export's account columns, and summary `accounts`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from dapanoskop.collector import CollectionConfig, collect
from dapanoskop.costexplorer import CostExplorer
from dapanoskop.localce import LocalCostExplorer
from dapanoskop.localce.cur_export import write_cur_export
from dapanoskop.model import AccountLine, Status, Window, WindowData
from dapanoskop.periods import complete_month_spec
from dapanoskop.processing.accounts import accounts_json
from dapanoskop.store import LocalStore
from tests.dataexport.support import collect_from, item

TODAY = date(2026, 11, 20)
OCTOBER = complete_month_spec(date(2026, 10, 1))
OCT, SEP = Window(date(2026, 10, 1), date(2026, 11, 1)), Window(date(2026, 9, 1), date(2026, 10, 1))
OCT_2025 = Window(date(2025, 10, 1), date(2025, 11, 1))
NAMES = {"111111111111": "research", "222222222222": "platform"}
ITEMS = [
    item(date(2026, 10, 3), "10", account="111111111111"),
    item(date(2026, 10, 4), "2.5", account="111111111111"),
    item(date(2026, 10, 5), "40", account="222222222222"),
    item(date(2026, 9, 5), "7", account="333333333333"),  # no name known
    item(date(2025, 10, 5), "1", account="222222222222"),
]


def _accounts(data: WindowData) -> list[tuple[str, str, Decimal]]:
    return sorted((a.account_id, a.name, a.cost) for a in data.accounts or ())


def test_cost_explorer_linked_accounts_with_their_names() -> None:
    fake = LocalCostExplorer(ITEMS, TODAY, account_names=NAMES)
    config = CollectionConfig("UnblendedCost", "App", None, 13, include_accounts=True)
    without = CollectionConfig("UnblendedCost", "App", None, 13)
    data = collect(CostExplorer(fake.client()), [OCTOBER], config, TODAY)
    assert _accounts(data[OCT]) == [
        ("111111111111", "research", Decimal("12.5")),
        ("222222222222", "platform", Decimal(40)),
    ]
    assert _accounts(data[SEP]) == [("333333333333", "", Decimal(7))]
    requests = fake.request_count()
    fake.requests.clear()
    assert collect(CostExplorer(fake.client()), [OCTOBER], without, TODAY)[OCT].accounts is None
    # Sep+Oct in one request, Oct 2025 in another: two more requests for a complete month.
    assert requests - fake.request_count() == 2
    linked = [p for op, p in fake.requests if op == "GetCostAndUsage"]
    assert all(p["GroupBy"] != [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}] for p in linked)


def test_export_accounts_equal_cost_explorers(tmp_path: Path) -> None:
    write_cur_export(ITEMS, LocalStore(tmp_path), "my-export", TODAY, account_names=NAMES)
    fake = LocalCostExplorer(ITEMS, TODAY, account_names=NAMES)
    config = CollectionConfig("UnblendedCost", "App", None, 13, include_accounts=True)
    from_ce = collect(CostExplorer(fake.client()), [OCTOBER], config, TODAY)
    from_export = collect_from(tmp_path, [OCTOBER], cost_category=None, include_accounts=True).data
    for window in (OCT, SEP, OCT_2025):
        assert _accounts(from_export[window]) == _accounts(from_ce[window])


def test_summary_accounts_ordered_like_cost_centers_with_every_period() -> None:
    def window(w: Window, *lines: AccountLine, status: Status = Status.FINAL) -> WindowData:
        return WindowData(w, status, accounts=lines)

    three = [
        window(OCT, AccountLine("2", "b", Decimal("5.004")), AccountLine("1", "a", Decimal(5))),
        window(SEP, AccountLine("3", "", Decimal(9)), AccountLine("1", "old name", Decimal(1))),
        window(OCT_2025, AccountLine("2", "b", Decimal(4)), status=Status.UNAVAILABLE),
    ]
    # 5.004 and 5 both publish as 5.00: ties go by name; yoy is unavailable, so 0.
    assert accounts_json(three) == [
        {"id": "1", "name": "a", "current_cost_usd": 5.0, "prev_month_cost_usd": 1.0, "yoy_cost_usd": 0.0},
        {"id": "2", "name": "b", "current_cost_usd": 5.0, "prev_month_cost_usd": 0.0, "yoy_cost_usd": 0.0},
        {"id": "3", "name": "", "current_cost_usd": 0.0, "prev_month_cost_usd": 9.0, "yoy_cost_usd": 0.0},
    ]  # fmt: skip
    assert accounts_json([WindowData(OCT, Status.FINAL)] * 3) is None


def test_summary_has_accounts_only_when_asked(tmp_path: Path) -> None:
    from dapanoskop.pipeline import run_backfill
    from dapanoskop.settings import LocalDestination, Settings

    fake = LocalCostExplorer(ITEMS, TODAY, account_names=NAMES)
    for include, folder in ((True, tmp_path / "with"), (False, tmp_path / "without")):
        settings = Settings(destination=LocalDestination(folder), include_accounts=include)
        run_backfill(
            settings, fake.client(), LocalStore(folder), datetime(2026, 11, 20, 6, tzinfo=UTC), 1
        )
    import json

    with_accounts = json.loads((tmp_path / "with" / "2026-10" / "summary.json").read_text())
    without = json.loads((tmp_path / "without" / "2026-10" / "summary.json").read_text())
    assert [a["name"] for a in with_accounts["accounts"]] == ["platform", "research", ""]
    assert "accounts" not in without


def test_report_shows_the_account_table_of_a_summary_with_accounts(tmp_path: Path) -> None:
    """The demo on the export source lists its twelve accounts, by name with the id beside."""
    import json

    from click.testing import CliRunner

    from dapanoskop.cli import main
    from dapanoskop.report.derive import account_rows
    from dapanoskop.report.records import parse_summary

    result = CliRunner().invoke(
        main,
        ["demo", "--output", str(tmp_path), "--months", "1", "--source", "data-export",
         "--today", "2026-11-26"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = (tmp_path / "2026-10" / "summary.json").read_bytes()
    rows = account_rows(parse_summary(raw, "2026-10"))
    accounts = json.loads(raw)["accounts"]
    assert rows is not None
    assert [(r.name, r.id, float(r.current)) for r in rows] == [
        (a["name"], a["id"], a["current_cost_usd"]) for a in accounts
    ]
    assert len(rows) == 12
    page = (tmp_path / "report.html").read_text()
    top = rows[0]
    assert f'{top.name} <small class="ut">{top.id}</small>' in page
    assert page.count('aria-label="Linked accounts"') == 2  # the month to date and October
