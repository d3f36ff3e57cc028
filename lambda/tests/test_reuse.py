"""Pay once for a final month: published lines instead of Cost Explorer, byte for byte.

A complete month published with final data keeps its Cost Explorer lines
(`cost-explorer-lines.parquet`, exact decimal strings) and its summary records the
configuration and the file's digest. Later runs that need the month as a comparison read it
from there. Each test compares with a run that fetched everything: the Parquet files must be
byte-identical and the summary identical except `collection` (which says how the data was
obtained: fewer requests, the months reused).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dapanoskop import pipeline
from dapanoskop.contract_check import check_output
from dapanoskop.formats import parse_window_lines, window_lines_parquet_bytes
from dapanoskop.localce import LineItem, LocalCostExplorer
from dapanoskop.model import (
    ChargeLine,
    Grouping,
    ServiceLine,
    Status,
    UsageLine,
    Window,
    WindowData,
)
from dapanoskop.settings import LocalDestination, Settings
from dapanoskop.store import LocalStore
from tests import e2e_account
from tests.three_dollar_account import ledger

NOV_26 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
LINES = "cost-explorer-lines.parquet"
ENV = {"COST_CATEGORY_NAME": e2e_account.COST_CATEGORY, "INCLUDE_EFS": "true"}


def _settings(out: Path, **env: str) -> Settings:
    return Settings.build(LocalDestination(out), {**ENV, **env})


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _without_collection(files: dict[str, bytes]) -> dict[str, Any]:
    """Every file as bytes, summaries as JSON without `collection`; lines files left out
    (a run that fetched everything writes the same lines, compared separately)."""
    found: dict[str, Any] = {}
    for name, body in files.items():
        if name.endswith("summary.json"):
            summary = json.loads(body)
            summary.pop("collection")
            found[name] = summary
        elif not name.endswith(LINES) and name != "index.json":
            found[name] = body
    return found


class Account:
    """A local Cost Explorer over fixed line items; counts what each run asks."""

    def __init__(self, items: list[LineItem], today: date, page_size: int = 500) -> None:
        self.fake = LocalCostExplorer(items, today, page_size=page_size)

    def daily(self, out: Path, now: datetime = NOV_26, **env: str) -> pipeline.RunResult:
        return pipeline.run_daily(_settings(out, **env), self.fake.client(), LocalStore(out), now)

    def backfill(
        self, out: Path, months: int, now: datetime = NOV_26, force: bool = False, **env: str
    ) -> pipeline.RunResult:
        return pipeline.run_backfill(
            _settings(out, **env), self.fake.client(), LocalStore(out), now, months, force=force
        )


def _items() -> list[LineItem]:
    # The hand-worked account (October 2026, September 2026, October 2025 and its noise
    # months) on top of a small steady account with cost on every day Cost Explorer keeps.
    return [*e2e_account.line_items(), *ledger()]


def _hand_worked() -> Account:
    return Account(_items(), NOV_26.date(), page_size=3)


def _summary(out: Path, period: str) -> dict[str, Any]:
    return json.loads((out / period / "summary.json").read_text())


# --- the lines file ------------------------------------------------------------------------------

OCTOBER = Window(date(2026, 10, 1), date(2026, 11, 1))


def test_lines_file_gives_back_every_grouping_exactly_including_empty_ones() -> None:
    data = WindowData(
        OCTOBER,
        Status.FINAL,
        usage=(
            UsageLine("", "USE2-BoxUsage:m5.large", Decimal("-0.00"), Decimal("1E-10"), "Hrs"),
            UsageLine("web", "TimedStorage-ByteHrs", Decimal("12.3400"), Decimal("0"), "GB-Mo"),
        ),
        cost_centers=(),
        services=(ServiceLine("Amazon S3", "Requests", Decimal("1E+3"), Decimal("5"), ""),),
        charges=(ChargeLine("Tax", "Tax", Decimal("0.0000000001")),),
    )

    back = parse_window_lines(window_lines_parquet_bytes(data), "2026-10-01", "2026-11-01")

    assert back == {
        Grouping.WORKLOAD_USAGE_TYPE: data.usage,
        Grouping.WORKLOAD_COST_CENTER: (),
        Grouping.SERVICE_USAGE_TYPE: data.services,
        Grouping.RECORD_TYPE_USAGE_TYPE: data.charges,
    }
    # exact: the same values down to the last digit (decimals, not doubles: 1E-10 as a
    # double would read back as 1.0000000000000000364E-10)
    usage = list(back[Grouping.WORKLOAD_USAGE_TYPE])
    assert [line.cost for line in usage] == [Decimal(0), Decimal("12.34")]
    assert usage[0].quantity == Decimal("1E-10")
    assert back[Grouping.SERVICE_USAGE_TYPE][0].cost == Decimal(1000)
    assert back[Grouping.RECORD_TYPE_USAGE_TYPE][0].cost == Decimal("1E-10")


def test_lines_file_written_with_decimal_strings_reads_back_the_same() -> None:
    """Files published before the amounts were stored as decimals hold decimal strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = b'{"start": "2026-10-01", "end": "2026-11-01", "groupings": ["workload_usage_type"]}'
    table = pa.table(
        {
            "grouping": ["workload_usage_type"],
            "key_1": ["web"],
            "key_2": ["TimedStorage-ByteHrs"],
            "cost": ["0.0000001234"],
            "quantity": ["1E+3"],
            "unit": ["GB-Mo"],
        }
    ).replace_schema_metadata({b"dapanoskop.window_lines": meta})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)

    back = parse_window_lines(sink.getvalue().to_pybytes(), "2026-10-01", "2026-11-01")

    assert back == {
        Grouping.WORKLOAD_USAGE_TYPE: (
            UsageLine("web", "TimedStorage-ByteHrs", Decimal("1.234E-7"), Decimal(1000), "GB-Mo"),
        )
    }


def test_an_amount_with_more_digits_than_kept_is_refused_not_rounded() -> None:
    too_fine = Decimal("1E-39")  # 39 places; the columns keep 38
    with pytest.raises(ValueError, match="at most 38 digits"):
        WindowData(
            OCTOBER, Status.FINAL, usage=(UsageLine("web", "Requests", too_fine, Decimal(1), ""),)
        )


def test_lines_file_leaves_out_groupings_that_were_not_asked_and_refuses_another_window() -> None:
    body = window_lines_parquet_bytes(WindowData(OCTOBER, Status.FINAL, usage=()))

    assert parse_window_lines(body, "2026-10-01", "2026-11-01") == {
        Grouping.WORKLOAD_USAGE_TYPE: ()
    }
    with pytest.raises(ValueError, match=r"not 2026-09-01\.\.2026-10-01"):
        parse_window_lines(body, "2026-09-01", "2026-10-01")
    with pytest.raises(ValueError, match="not a window lines file"):
        parse_window_lines(b"PAR1 nonsense", "2026-10-01", "2026-11-01")


# --- the hand-worked account ----------------------------------------------------------------------


def test_daily_run_reuses_published_final_months_and_writes_the_same_bytes(tmp_path: Path) -> None:
    account = _hand_worked()
    reusing, fetching = tmp_path / "reusing", tmp_path / "fetching"
    account.backfill(reusing, 13)
    shutil.copytree(reusing, fetching)
    # Without their lines files the published months cannot be rebuilt: fetched.
    for lines in fetching.rglob(LINES):
        lines.unlink()

    before = len(account.fake.requests)
    fetched_all = account.daily(fetching)
    fetched_requests = len(account.fake.requests) - before
    before = len(account.fake.requests)
    reused = account.daily(reusing)
    reused_requests = len(account.fake.requests) - before

    # 26 November: October is final and published, so only November to date is written. Its
    # comparisons October (M-1) and November 2025 (M-12) come from their published lines;
    # November to date and the like-for-like window [1 Oct, 25 Oct) are still asked for.
    assert reused.succeeded == fetched_all.succeeded == ["2026-11"]
    november = _summary(reusing, "2026-11")["collection"]
    assert november["reused_months"] == ["2025-11", "2026-10"]
    assert _summary(fetching, "2026-11")["collection"]["reused_months"] == []
    assert reused_requests == reused.ce_requests < fetched_requests == fetched_all.ce_requests
    assert _without_collection(_files(reusing)) == _without_collection(_files(fetching))
    # and the files are still the contract's files
    assert check_output(reusing) == []


def test_daily_run_while_last_month_is_estimated_reuses_the_older_months(tmp_path: Path) -> None:
    account = Account(_items(), date(2026, 11, 2), page_size=3)
    now = datetime(2026, 11, 2, 6, tzinfo=UTC)
    reusing, fetching = tmp_path / "reusing", tmp_path / "fetching"
    account.backfill(reusing, 13, now=now)  # October is still estimated: written, not kept
    shutil.copytree(reusing, fetching)
    for lines in fetching.rglob(LINES):
        lines.unlink()

    fetched_all = account.daily(fetching, now=now)
    reused = account.daily(reusing, now=now)

    assert reused.succeeded == fetched_all.succeeded == ["2026-10"]
    # On 2 November there is no month to date yet (1 settle day): October alone is written.
    # October is still estimated, so it is fetched; September (M-1) and October 2025 (M-12)
    # are final and published.
    assert _summary(reusing, "2026-10")["collection"]["reused_months"] == ["2025-10", "2026-09"]
    assert reused.ce_requests < fetched_all.ce_requests
    assert not (reusing / "2026-10" / LINES).exists()  # estimated: nothing kept for reuse
    assert (reusing / "2026-09" / LINES).exists()
    assert _without_collection(_files(reusing)) == _without_collection(_files(fetching))


def test_a_backfill_that_finds_older_months_published_reuses_them(tmp_path: Path) -> None:
    stepwise, at_once = tmp_path / "stepwise", tmp_path / "at-once"
    # Two months ago, a backfill wrote August 2026 back to August 2025 (all final then).
    september = datetime(2026, 9, 26, 6, tzinfo=UTC)
    Account(_items(), september.date(), page_size=3).backfill(stepwise, 13, now=september)
    account = _hand_worked()

    second = account.backfill(stepwise, 13)
    account.backfill(at_once, 13)

    # Only October and September 2026 are missing. September's previous month (August 2026)
    # and October's year-ago month are published final: read, not fetched. (September 2025
    # has no cost, so it was never published: fetched.)
    assert second.succeeded == ["2026-10", "2026-09"]
    assert _summary(stepwise, "2026-10")["collection"]["reused_months"] == ["2025-10", "2026-08"]
    written = {
        name: body
        for name, body in _files(stepwise).items()
        if name.startswith(("2026-10/", "2026-09/"))
    }
    assert _without_collection(written) == _without_collection(
        {name: body for name, body in _files(at_once).items() if name in written}
    )
    for name in (f"2026-10/{LINES}", f"2026-09/{LINES}"):
        assert written[name] == _files(at_once)[name]


@pytest.mark.parametrize(
    "change",
    [
        {"COST_METRIC": "AmortizedCost"},
        {"WORKLOAD_TAG_KEY": "Project"},
        {"COST_CATEGORY_NAME": "Other Category"},
        {"INCLUDE_EFS": "false"},
        {"INCLUDE_EBS": "true"},
    ],
)
def test_a_changed_configuration_is_fetched_again(tmp_path: Path, change: dict[str, str]) -> None:
    account = _hand_worked()
    out = tmp_path / "out"
    account.backfill(out, 13)

    account.daily(out, **change)

    assert _summary(out, "2026-11")["collection"]["reused_months"] == []


def test_a_forced_backfill_fetches_everything(tmp_path: Path) -> None:
    account = _hand_worked()
    out = tmp_path / "out"
    first = account.backfill(out, 13)

    again = account.backfill(out, 13, force=True)

    assert again.ce_requests == first.ce_requests
    assert all(
        _summary(out, period)["collection"]["reused_months"] == [] for period in again.succeeded
    )


def test_lines_that_are_not_the_ones_the_summary_names_are_fetched_again(tmp_path: Path) -> None:
    account = _hand_worked()
    out = tmp_path / "out"
    account.backfill(out, 13)
    # A run that failed after writing September's lines but before its summary would leave
    # these: another month's lines under September.
    shutil.copy(out / "2026-08" / LINES, out / "2026-09" / LINES)
    # October's lines are a valid file, but not the one its summary names: also refused.
    (out / "2026-10" / LINES).write_bytes((out / "2026-10" / LINES).read_bytes() + b"\0")

    account.backfill(out, 2, force=False)  # nothing to write: both exist
    result = account.daily(out)

    assert result.succeeded == ["2026-11"]
    assert _summary(out, "2026-11")["collection"]["reused_months"] == ["2025-11"]


# --- any account ---------------------------------------------------------------------------------

SERVICES = (
    ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon Elastic File System", "TimedStorage-ByteHrs", "GB-Mo"),
    ("Amazon Elastic Compute Cloud - Compute", "BoxUsage:m5.large", "Hrs"),
    ("Tax", "Tax", "N/A"),
)
DAYS = [
    date(2026, 10, 3),
    date(2026, 9, 30),
    date(2026, 8, 1),
    date(2025, 10, 9),
    date(2026, 11, 5),
]


@st.composite
def line_items(draw: st.DrawFn) -> LineItem:
    service, usage_type, unit = draw(st.sampled_from(SERVICES))
    workload = draw(st.sampled_from([None, "web", "batch", "Untagged"]))
    center = draw(st.sampled_from([None, "", "Research"]))
    return LineItem(
        day=draw(st.sampled_from(DAYS)),
        account="111122223333",
        service=service,
        usage_type=usage_type,
        unit=unit,
        amount=draw(st.decimals(min_value=-50, max_value=500, places=8, allow_nan=False)),
        quantity=draw(st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)),
        record_type="Tax" if service == "Tax" else "Usage",
        tags={} if workload is None else {"App": workload},
        cost_categories={} if center is None else {e2e_account.COST_CATEGORY: center},
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=st.lists(line_items(), min_size=1, max_size=25), page_size=st.integers(1, 6))
def test_any_account_reusing_writes_what_fetching_writes(
    tmp_path_factory: pytest.TempPathFactory, items: list[LineItem], page_size: int
) -> None:
    account = Account(items, NOV_26.date(), page_size)
    reusing, fetching = tmp_path_factory.mktemp("reusing"), tmp_path_factory.mktemp("fetching")
    account.backfill(reusing, 13)
    shutil.copytree(reusing, fetching, dirs_exist_ok=True)
    for lines in fetching.rglob(LINES):
        lines.unlink()
    account.daily(fetching)
    account.daily(reusing)

    assert _without_collection(_files(reusing)) == _without_collection(_files(fetching))

    stepwise, at_once = tmp_path_factory.mktemp("stepwise"), tmp_path_factory.mktemp("at-once")
    account.backfill(stepwise, 2)
    account.backfill(stepwise, 13)
    account.backfill(at_once, 13)

    assert _without_collection(_files(stepwise)) == _without_collection(_files(at_once))
