"""The report in a real browser: Debian's Chromium, headless, driven by Playwright.

Opened from file:// like a user would open an attachment. Every test records network
requests, console errors, page errors and dialogs (an `alert` from injected markup would be
a dialog). Chromium is required: without it these tests fail, they do not skip.
Artifacts for CI: lambda/.artifacts/report.png (screenshot), report.pdf (print) and
report.html.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from report_history_fixture import HOSTILE, HOSTILE_CENTER

from dapanoskop.demo import run_demo
from dapanoskop.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the report's browser tests need Debian's "
            "chromium package (apt-get install -y chromium)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Recording:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_report(browser: Browser, path: Path, *, javascript: bool = True) -> tuple[Page, Recording]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    seen = Recording()
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console",
        lambda message: seen.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, seen


def assert_self_contained(path: Path, seen: Recording) -> None:
    assert seen.requests == [path.as_uri()], "the page made requests besides its own file"
    assert seen.errors == []
    assert seen.dialogs == []


def _usd(value: float) -> str:
    return ("\u2212" if value < 0 else "") + f"${abs(value):,.2f}"


def _summary(root: Path, period: str) -> dict:
    return json.loads((root / period / "summary.json").read_text(encoding="utf-8"))


def visible_section(page: Page):
    sections = page.locator("section.period:visible")
    assert sections.count() == 1
    return sections.first


def test_report_in_chromium(browser: Browser, history_dir: Path, tmp_path: Path) -> None:
    report = write_report(history_dir, tmp_path / "report.html")
    page, seen = open_report(browser, report)

    # the latest complete month is shown, with summary.json's numbers
    october = _summary(history_dir, "2026-10")
    section = visible_section(page)
    assert section.get_attribute("id") == "p-2026-10"
    assert section.locator("[data-k=total]").inner_text() == _usd(
        october["totals"]["current_cost_usd"]
    )
    mom = october["totals"]["current_cost_usd"] - october["totals"]["prev_month_cost_usd"]
    assert section.locator("[data-k=mom-amount]").inner_text() == "+" + _usd(mom)
    assert page.locator("nav a[aria-current]").inner_text() == "Oct 2026"

    # switch period from the navigation
    page.locator('nav a[data-period="2026-03"]').click()
    march = _summary(history_dir, "2026-03")
    section = visible_section(page)
    assert section.get_attribute("id") == "p-2026-03"
    assert section.locator("[data-k=total]").inner_text() == _usd(
        march["totals"]["current_cost_usd"]
    )
    assert section.locator("[data-k=storage-cost]").inner_text() == _usd(
        march["storage_metrics"]["total_cost_usd"]
    )
    assert page.title().startswith("AWS cost report Mar 2026")

    # switch period by clicking the month-to-date bar of the trend chart
    page.locator('svg.trend a[data-period="2026-11"]').click()
    november = _summary(history_dir, "2026-11")
    section = visible_section(page)
    assert section.get_attribute("id") == "p-2026-11"
    assert section.locator(".banner").is_visible()
    assert section.locator("[data-k=forecast]").inner_text() == _usd(
        november["totals"]["forecast_total_usd"]
    )

    # back to October: expand the first cost center, sort the table by name
    page.locator('nav a[data-period="2026-10"]').click()
    section = visible_section(page)
    first_center = october["cost_centers"][0]
    section.locator("table.cc tr.c button.tg").first.click()
    workloads = section.locator("table.cc > tbody").first.locator("tr.w:visible th")
    assert workloads.all_inner_texts() == [w["name"] for w in first_center["workloads"]]
    section.locator('thead button[data-sort="text"]').click()
    names = section.locator("table.cc tr.c th").all_inner_texts()
    centers = sorted((c["name"] for c in october["cost_centers"]), key=str.lower)
    assert [_center_name(n) for n in names] == centers

    assert_self_contained(report, seen)
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)  # no hover highlight in the screenshot
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("nav.periods").is_hidden()
    # printed, every workload row of the shown period is there (collapsed on screen)
    assert section.locator("tr.w:visible").count() == sum(
        len(c["workloads"]) for c in october["cost_centers"]
    )
    page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", print_background=True)
    shutil.copy(report, ARTIFACTS / "report.html")


def _center_name(header_text: str) -> str:
    """A cost-center row header reads `Name 3` (name, then its number of workloads)."""
    name, _, count = header_text.strip().rpartition(" ")
    return name if count.isdigit() else header_text.strip()


def test_hostile_names_show_as_text(browser: Browser, hostile_dir: Path, tmp_path: Path) -> None:
    report = write_report(hostile_dir, tmp_path / "hostile.html")
    page, seen = open_report(browser, report)
    section = visible_section(page)
    section.locator("[data-expand-all]").click()
    assert section.get_by_text(HOSTILE, exact=True).first.is_visible()
    assert section.get_by_text(HOSTILE_CENTER, exact=True).first.is_visible()
    assert section.get_by_text("TimedStorage-<b onmouseover=alert(3)>x</b>").is_visible()
    assert page.locator("img").count() == 0
    assert page.locator("b[onmouseover]").count() == 0
    assert page.locator("script").count() == 1
    # hovering and clicking around fires nothing
    section.get_by_text(HOSTILE, exact=True).first.hover()
    page.locator("svg.trend a").last.click()
    assert_self_contained(report, seen)


def test_without_javascript_every_period_is_shown(
    browser: Browser, history_dir: Path, tmp_path: Path
) -> None:
    report = write_report(history_dir, tmp_path / "report.html")
    page, seen = open_report(browser, report, javascript=False)
    assert page.locator("section.period:visible").count() == 15
    assert page.locator("#p-2026-03 [data-k=total]").is_visible()
    assert_self_contained(report, seen)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real demo's output: the whole pipeline on the simulated organization."""
    output = tmp_path_factory.mktemp("demo")
    run_demo(output, date(2026, 11, 26), 13, write_html=write_report)
    return output


def test_demo_report_in_chromium(browser: Browser, demo_dir: Path) -> None:
    report = demo_dir / "report.html"
    assert report.stat().st_size < 1_000_000
    page, seen = open_report(browser, report)

    october = _summary(demo_dir, "2026-10")
    section = visible_section(page)
    assert section.get_attribute("id") == "p-2026-10"
    assert section.locator("[data-k=total]").inner_text() == _usd(
        october["totals"]["current_cost_usd"]
    )
    assert section.locator("[data-k=storage-cost]").inner_text() == _usd(
        october["storage_metrics"]["total_cost_usd"]
    )

    page.locator('nav a[data-period="2026-11"]').click()
    november = _summary(demo_dir, "2026-11")
    section = visible_section(page)
    assert section.get_attribute("id") == "p-2026-11"
    assert section.locator("[data-k=total]").inner_text() == _usd(
        november["totals"]["current_cost_usd"]
    )
    assert section.locator("[data-k=forecast]").inner_text() == _usd(
        november["totals"]["forecast_total_usd"]
    )

    page.locator('nav a[data-period="2025-12"]').click()
    december = _summary(demo_dir, "2025-12")
    assert visible_section(page).locator("[data-k=total]").inner_text() == _usd(
        december["totals"]["current_cost_usd"]
    )

    assert_self_contained(report, seen)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator('nav a[data-period="2026-10"]').click()
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)
    page.screenshot(path=str(ARTIFACTS / "demo-report.png"), full_page=True)
