"""The rendered page: self-contained, escaped, every period present, small."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from report_history_fixture import HOSTILE, HOSTILE_CENTER, HOSTILE_USAGE_TYPE, build_history

from dapanoskop.demo import run_demo
from dapanoskop.report import charts, fmt
from dapanoskop.report.derive import Trend, TrendPoint
from dapanoskop.report.records import ReportError
from dapanoskop.report.render import render_report
from dapanoskop.report.source import load_history, open_source

ONE_MB = 1_000_000


def render(root: Path, period: str | None = None) -> str:
    return render_report(load_history(open_source(root)), period)


@pytest.fixture(scope="module")
def page(history_dir: Path) -> str:
    return render(history_dir)


def _section(page: str, period: str) -> str:
    match = re.search(rf'<section class="period" id="p-{period}".*?\n</section>', page, re.S)
    assert match, f"no section for {period}"
    return match.group(0)


def _value(section: str, key: str) -> str:
    match = re.search(rf'data-k="{key}">(.*?)</', section, re.S)
    assert match, f"no {key} in section"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_fourteen_months_make_a_page_well_under_one_megabyte(page: str) -> None:
    assert len(page.encode("utf-8")) < ONE_MB / 2


def test_a_much_larger_organization_still_fits_in_one_megabyte(tmp_path: Path) -> None:
    # 14 fixture workloads + 100 more, 15 periods: measured 662 kB (about 4 kB per workload).
    size = len(render(build_history(tmp_path, extra_workloads=100)).encode("utf-8"))
    assert size < ONE_MB


def test_content_security_policy_forbids_every_external_request(page: str) -> None:
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    policy = html.unescape(policy)  # Jinja writes ' as &#39; inside the attribute
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1
    assert len(styles) == 2  # the page's style and the no-script fallback

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    # only this page's own inline script and styles may run, named by their hashes
    assert directives["script-src"] == digest(scripts[0])
    assert directives["style-src"].split() == [digest(s) for s in styles]


def test_page_references_nothing_outside_itself(page: str) -> None:
    assert re.findall(r"https?://|//[a-z]", page, re.I) == []
    assert " src=" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs
    assert all(h.startswith("#p-") or h == "data:," for h in hrefs)


def test_every_period_has_a_section_and_only_the_default_is_shown(
    page: str, history_dir: Path
) -> None:
    periods = json.loads((history_dir / "index.json").read_text())["periods"]
    tags = re.findall(r'<section class="period" id="p-([0-9-]+)"([^>]*)>', page)
    shown = [period for period, attributes in tags if " hidden" not in attributes]
    hidden = [period for period, attributes in tags if " hidden" in attributes]
    assert shown == ["2026-10"]  # the latest complete month; 2026-11 is month-to-date
    assert sorted(hidden + shown, reverse=True) == periods
    assert 'data-default="p-2026-10"' in page


def test_a_chosen_period_is_shown_first(history_dir: Path) -> None:
    page = render(history_dir, "2026-03")
    assert 'data-default="p-2026-03"' in page
    assert re.search(r'id="p-2026-03" data-period="2026-03" aria', page)


def test_a_period_not_in_the_index_is_an_error(history_dir: Path) -> None:
    with pytest.raises(ReportError, match=r"period 2024-01 is not in index.json \(listed: 2026-11"):
        render(history_dir, "2024-01")


def _usd(value: float) -> str:
    """The page's money format, written independently: `$12,345.67`, minus sign U+2212."""
    return ("\u2212" if value < 0 else "") + f"${abs(value):,.2f}"


def test_headline_shows_the_summary_totals(page: str, history_dir: Path) -> None:
    for period in ("2026-10", "2026-03"):
        summary = json.loads((history_dir / period / "summary.json").read_text())
        totals = summary["totals"]
        section = _section(page, period)
        assert _value(section, "total") == _usd(totals["current_cost_usd"])
        change = totals["current_cost_usd"] - totals["prev_month_cost_usd"]
        assert _value(section, "mom-amount") == ("+" if change > 0 else "") + _usd(change)
        pct = change / totals["prev_month_cost_usd"] * 100
        assert _value(section, "mom") == ("\u25b2 +" if pct > 0 else "\u25bc \u2212") + (
            f"{abs(pct):.1f}%"
        )
        assert (
            _value(section, "tagged-pct") == f"{summary['tagging_coverage']['tagged_percentage']}%"
        )
        assert _value(section, "storage-cost") == _usd(summary["storage_metrics"]["total_cost_usd"])


def test_month_to_date_banner_and_forecast(page: str, history_dir: Path) -> None:
    totals = json.loads((history_dir / "2026-11" / "summary.json").read_text())["totals"]
    section = _section(page, "2026-11")
    assert "November 2026 is still in progress" in section
    # collected on 26 November: the window is 1-25 November, compared with 1-25 October
    assert "Figures cover 1\u201325 November" in section
    assert "1\u201325 October" in section
    assert _value(section, "forecast") == _usd(totals["forecast_total_usd"])
    assert _usd(totals["mtd_prior_partial_cost_usd"]) in section
    # schema 2 names the last day included
    assert _value(section, "data-through") == "data through 25 November"


def test_schema_2_fields_are_shown_with_what_they_mean(page: str, history_dir: Path) -> None:
    summary = json.loads((history_dir / "2026-10" / "summary.json").read_text())
    section = _section(page, "2026-10")
    tagging = summary["tagging_coverage"]
    assert _value(section, "untaggable") == _usd(tagging["untaggable_cost_usd"])
    assert "Tagged share of usage" in section
    # the Storage category and the storage cost side by side only with the label
    assert "so it differs from the storage cost below" in _value(section, "category-note")
    # one row per storage class of the summary, in its order, scoped by service
    names = re.findall(r'<table class="classes">.*?</table>', section, re.S)[0]
    shown = re.findall(r'<tr><th scope="row">([^<]+?)(?: <span| <small)', names)
    assert shown == [c["storage_class"] for c in summary["storage_classes"]]


def test_estimated_and_unavailable_are_labelled(page: str) -> None:
    october = _section(page, "2026-10")
    assert '<span class="badge estimated">estimated</span>' in october
    # the oldest month has no previous month and no year-ago month in the history
    oldest = _section(page, "2025-09")
    assert oldest.count('<span class="na">unavailable</span>') >= 2
    assert "no data for August 2025" in oldest
    assert "No comparison: August 2025 is unavailable." in oldest


def test_hostile_names_are_text_everywhere(hostile_dir: Path) -> None:
    page = render(hostile_dir)
    for hostile in (HOSTILE, HOSTILE_CENTER, "<b onmouseover=alert(3)>"):
        assert hostile not in page
    assert "<img" not in page
    assert "<b " not in page
    assert page.count("<script>") == 1  # the page's own
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # table rows, movers
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; Co" in page  # table
    assert "&lt;script&gt;alert(2)&lt;/scrip\u2026" in page  # clipped chart label
    # storage class, shown without the usage type's region prefix
    assert "TimedStorage-&lt;b onmouseover=alert(3)&gt;x&lt;/b&gt;" in page
    assert HOSTILE_USAGE_TYPE.removeprefix("USE1-") not in page


# ---------------------------------------------------------------- formats and chart geometry


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1234.565", "$1,234.57"),  # half-up, not banker's rounding
        ("-1234.565", "\u2212$1,234.57"),
        ("0.004", "$0.00"),
        ("1000000", "$1,000,000.00"),
    ],
)
def test_usd(value: str, text: str) -> None:
    assert fmt.usd(Decimal(value)) == text


def test_changes_and_sizes() -> None:
    assert fmt.signed_usd(Decimal("12.3")) == "+$12.30"
    assert fmt.signed_usd(Decimal("-0.001")) == "$0.00"
    assert fmt.signed_percent(Decimal("28.02904")) == "+28.0%"
    assert fmt.signed_percent(Decimal("-0.05")) == "\u22120.1%"
    assert fmt.signed_points(Decimal("-1.5")) == "\u22121.5 pp"
    assert fmt.size(Decimal(3 * 2**39)) == "1.5 TiB"  # 1.5 x 2^40
    assert fmt.size(512) == "512 B"
    assert fmt.usd_short(17834.95) == "$17.8k"
    assert fmt.usd_short(1_250_000) == "$1.25M"


def test_nice_ticks() -> None:
    # 17834 / 4 = 4458.5 -> step 5000
    assert charts.nice_ticks(17834) == [0, 5000, 10000, 15000, 20000]
    # 182968 / 4 = 45742 -> step 50000
    assert charts.nice_ticks(182968) == [0, 50000, 100000, 150000, 200000]


def test_spread_labels_keeps_order_and_distance() -> None:
    assert charts.spread_labels([10, 12, 50], gap=15, low=0, high=100) == [10, 25, 50]
    # out of room at the bottom: pushed back up
    assert charts.spread_labels([95, 96], gap=15, low=0, high=100) == [85, 100]


def test_trend_chart_escapes_series_names() -> None:
    trend = Trend(
        series=("<script>x</script>",),
        points=(TrendPoint("2026-10", False, Decimal(5), (Decimal(5),), None, None),),
    )
    svg = str(charts.trend_chart(trend))
    assert "<script>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The demo organization, whose Shared Services cost center is split onto the others."""
    folder = tmp_path_factory.mktemp("demo")
    run_demo(folder, date(2026, 11, 26), months=1)
    summary = json.loads((folder / "2026-10" / "summary.json").read_text())
    return render(folder, "2026-10"), summary


def test_split_charge_source_is_badged_and_shown_as_allocated(demo_page) -> None:
    page, summary = demo_page
    section = _section(page, "2026-10")
    shared = next(c for c in summary["cost_centers"] if c["name"] == "Shared Services")
    row = re.search(r'<tr class="c"><th scope="row">.{0,200}Shared Services.*?</tr>', section)
    assert row, "no Shared Services row"
    assert '<span class="badge split"' in row.group(0)
    assert ">Split Charge</span>" in row.group(0)
    assert f"Allocated {_usd(shared['split_charge_out_usd'])} to other cost centers" in row.group(0)
    retail = next(c for c in summary["cost_centers"] if c["name"] == "Retail")
    retail_row = re.search(r'<tr class="c"><th scope="row">.{0,200}>Retail<.*?</tr>', section)
    assert retail_row
    assert f"incl. {_usd(retail['split_charge_in_usd'])} split charges" in retail_row.group(0)
    assert "badge split" not in retail_row.group(0)
    assert section.count(">Split Charge</span>") == 1


def test_storage_lens_total_is_shown_when_the_summary_has_it(
    history_dir: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(history_dir, tmp_path / "history"))
    path = folder / "2026-10" / "summary.json"
    summary = json.loads(path.read_text())
    summary["storage_lens"] = {
        "total_bytes": 5 * 2**40,
        "object_count": 1234567,
        "storage_lens_date": "2026-10-29",
        "config_id": "org-lens",
    }
    summary["storage_metrics"]["storage_lens_total_bytes"] = 5 * 2**40
    path.write_text(json.dumps(summary))

    page = render(folder, "2026-10")
    assert _value(_section(page, "2026-10"), "storage-lens") == fmt.size(5 * 2**40)
    assert "1,234,567 objects on 2026-10-29" in _section(page, "2026-10")
    assert 'data-k="storage-lens"' not in _section(page, "2026-09")
