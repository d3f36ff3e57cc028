"""History -> one self-contained HTML page.

Every period is rendered on the server side into its own <section>; a few lines of inline
script show one section at a time. That keeps the page useful without JavaScript (all
periods are then shown one after another), keeps all escaping in one place (Jinja's
autoescape: no data is ever turned into markup by JavaScript), and stays below 1 MB for
14 months plus the month to date. Measured (15 periods): the test fixture with 14 workloads
258 kB, the demo organization (20 workloads, 6 cost centers) 405 kB; each further workload
adds about 4 kB, so about 200 workloads fit (tests/report/test_report_render.py).

The Content-Security-Policy allows nothing from anywhere (`default-src 'none'`) except this
page's own inline script and style, named by their SHA-256 hashes: even if some text were
wrongly left unescaped, an injected script would not run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from dapanoskop.model import Status
from dapanoskop.report import charts, derive, fmt
from dapanoskop.report.derive import (
    CategoryShare,
    Change,
    CostRow,
    Headline,
    Mover,
    StorageChanges,
    StorageClassVolume,
)
from dapanoskop.report.records import ReportError, Summary
from dapanoskop.report.source import History

# Without JavaScript every period and every workload row is shown.
NOSCRIPT_STYLE = ".period[hidden],tr.w[hidden]{display:revert}"


@dataclass(frozen=True)
class PeriodView:
    """Everything one period's section shows."""

    summary: Summary
    headline: Headline
    average_3m: Decimal | None
    rows: tuple[CostRow, ...]
    ups: list[Mover]
    downs: list[Mover]
    categories: list[CategoryShare]
    storage: StorageChanges
    storage_classes: list[StorageClassVolume] | None  # None: a schema 1 summary
    tagging_change: Change
    mtd_days: str  # "1-25 November" for a month-to-date period, else ""
    prior_days: str  # "1-25 October": the like-for-like window, else ""
    data_through: str  # "25 November": the last day a month-to-date summary includes
    accounts: tuple[derive.AccountRow, ...] | None = None  # None: the summary lists none


def period_view(history: History, period: str, average_3m: Decimal | None) -> PeriodView:
    summary = history.summaries[period]
    rows = derive.cost_rows(summary)
    ups, downs = derive.movers(rows)
    labels = summary.labels
    prev_available = summary.status_of("prev_month") is not Status.UNAVAILABLE
    previous_label = labels["prev_month"] if prev_available else None
    # The usage-type file's previous month is the whole month, not the like-for-like window:
    # a month-to-date split is shown without a change rather than with a misleading one.
    category_baseline = None if summary.is_mtd else previous_label
    previous = history.summaries.get(derive.previous_month(period))
    return PeriodView(
        summary=summary,
        headline=derive.headline(summary),
        average_3m=average_3m,
        rows=rows,
        ups=ups,
        downs=downs,
        categories=derive.category_split(
            history.usage[period], labels["current"], category_baseline
        ),
        storage=derive.storage_changes(summary),
        storage_classes=derive.storage_class_volumes(summary),
        tagging_change=derive.tagging_change(summary, previous),
        mtd_days=_mtd_days(summary),
        prior_days=_prior_days(summary),
        data_through=_data_through(summary),
        accounts=derive.account_rows(summary),
    )


def _data_through(summary: Summary) -> str:
    last = summary.data_through
    if last is None:
        return ""
    return f"{last.day} {fmt.month_name(f'{last.year:04d}-{last.month:02d}').split(' ')[0]}"


def _mtd_days(summary: Summary) -> str:
    if not summary.is_mtd:
        return ""
    return _day_range(1, derive.elapsed_days(summary), summary.period)


def _prior_days(summary: Summary) -> str:
    window = summary.mtd_window
    if window is None:
        return ""
    last = window.end_exclusive - timedelta(days=1)
    return _day_range(window.start.day, last.day, f"{last.year:04d}-{last.month:02d}")


def _day_range(first: int, last: int, period: str) -> str:
    month = fmt.month_name(period).split(" ")[0]
    return f"{month} {first}" if first == last else f"{first}\u2013{last} {month}"


def render_report(history: History, period: str | None = None) -> str:
    """The whole page, showing `period` first (default: the latest complete month)."""
    selected = period or history.default_period
    if selected not in history.summaries:
        listed = ", ".join(history.periods)
        raise ReportError(f"period {selected} is not in index.json (listed: {listed})")
    trend = derive.trend(history.summaries.values())
    averages = {point.period: point.average for point in trend.points}
    views = [period_view(history, p, averages.get(p)) for p in history.periods]
    newest = history.summaries[history.periods[0]]
    script = _static("report.js")
    style = _static("report.css")
    csp = (
        "default-src 'none'; "
        f"script-src '{_sha256(script)}'; "
        f"style-src '{_sha256(style)}' '{_sha256(NOSCRIPT_STYLE)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        csp=csp,
        style=Markup(style),
        noscript_style=Markup(NOSCRIPT_STYLE),
        script=Markup(script),
        selected=selected,
        views=views,
        newest=newest,
        trend_svg=charts.trend_chart(trend),
        tagging_svg=charts.tagging_chart(derive.tagging_trend(history.summaries.values())),
    )


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _static(name: str) -> str:
    return (resources.files("dapanoskop.report") / "templates" / name).read_text("utf-8")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dapanoskop.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        usd=fmt.usd,
        signed_usd=fmt.signed_usd,
        percent=fmt.percent,
        signed_percent=fmt.signed_percent,
        signed_points=fmt.signed_points,
        arrow=fmt.arrow,
        size=fmt.size,
        month=fmt.month_name,
        month_short=fmt.month_short,
        timestamp=fmt.timestamp,
        sortv=fmt.sort_key,
        bar=charts.share_bar,
    )
    return env
