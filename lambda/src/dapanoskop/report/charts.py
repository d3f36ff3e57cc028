"""Inline SVG charts, drawn by our own code (no JavaScript charting library).

Why: an SVG string is a few kilobytes, needs no script to appear, makes no request, scales
and prints sharply, and its text is real text (searchable, read by screen readers). Every
piece of text goes through `Markup.format`, which escapes it, so a cost-center name cannot
inject markup into a chart.

Series are told apart by colour *and* texture (solid, diagonal lines, dots, ...), and the
stacked chart labels its series directly next to the bars, so it is readable in greyscale
and by people who do not see the colours. Geometry is float pixels; money stays Decimal
until it is positioned or printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from dapanoskop.report import fmt
from dapanoskop.report.derive import TaggingPoint, Trend, TrendPoint

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7f7f7f")
TEXTURES = ("solid", "diagonal", "dots", "horizontal", "crosshatch", "vertical", "solid")


@dataclass(frozen=True)
class Frame:
    """Chart size and the plot area inside it (in SVG user units)."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.height - self.bottom


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round axis steps (1, 2, 2.5, 5 x 10^n) from 0 to at least `maximum`."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    steps = math.ceil(maximum / step - 1e-9)
    return [step * n for n in range(steps + 1)]


def spread_labels(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Move label positions apart to at least `gap`, keeping them within [low, high].

    Labels are pushed down from the top, then back up from the bottom if they ran out of
    room, so their order is kept and none overlaps when there is space for all of them.
    """
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    previous = low - gap
    for i in order:
        placed[i] = max(wanted[i], previous + gap, low)
        previous = placed[i]
    following = high + gap
    for i in reversed(order):
        placed[i] = min(placed[i], following - gap)
        following = placed[i]
    return placed


def pattern_defs(prefix: str, count: int) -> Markup:
    """<defs> with one fill per series: colour plus texture."""
    parts = []
    for index in range(count):
        colour = PALETTE[index % len(PALETTE)]
        texture = TEXTURES[index % len(TEXTURES)]
        parts.append(_pattern(f"{prefix}{index}", colour, texture))
    return Markup("<defs>{}</defs>").format(Markup("").join(parts))


def _pattern(pattern_id: str, colour: str, texture: str) -> Markup:
    marks = {
        "solid": "",
        "diagonal": '<path d="M0 0V6" stroke="#fff" stroke-width="2" opacity=".6"/>',
        "dots": '<circle cx="3" cy="3" r="1.3" fill="#fff" opacity=".75"/>',
        "horizontal": '<path d="M0 3H6" stroke="#fff" stroke-width="1.6" opacity=".65"/>',
        "crosshatch": '<path d="M0 0V6M0 3H6" stroke="#fff" stroke-width="1.2" opacity=".6"/>',
        "vertical": '<path d="M3 0V6" stroke="#fff" stroke-width="1.6" opacity=".65"/>',
    }[texture]
    rotate = ' patternTransform="rotate(45)"' if texture in ("diagonal", "crosshatch") else ""
    return Markup(
        '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse"{}>'
        '<rect width="6" height="6" fill="{}"/>{}</pattern>'
    ).format(pattern_id, Markup(rotate), colour, Markup(marks))


def _x_labels(frame: Frame, periods: Sequence[str], band: float) -> list[Markup]:
    """Month under each bar; the year under January and under the first month."""
    labels = []
    for index, period in enumerate(periods):
        x = frame.left + band * (index + 0.5)
        month = fmt.month_short(period)
        labels.append(
            Markup('<text class="xl" x="{:.1f}" y="{:.1f}">{}</text>').format(
                x, frame.baseline + 15, month[:3]
            )
        )
        if index == 0 or period.endswith("-01"):
            labels.append(
                Markup('<text class="xl yr" x="{:.1f}" y="{:.1f}">{}</text>').format(
                    x, frame.baseline + 29, period[:4]
                )
            )
    return labels


def _y_axis(frame: Frame, ticks: Sequence[float], label: Callable[[float], str]) -> list[Markup]:
    top = ticks[-1]
    parts = []
    for tick in ticks:
        y = frame.baseline - frame.plot_height * tick / top
        parts.append(
            Markup(
                '<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>'
                '<text class="yl" x="{:.1f}" y="{:.1f}">{}</text>'
            ).format(
                frame.left, frame.width - frame.right, y, y, frame.left - 6, y + 4, label(tick)
            )
        )
    return parts


def trend_chart(trend: Trend, *, width: float = 960, height: float = 330) -> Markup:
    """Monthly cost stacked by cost center, 3-month average line, forecast for MTD.

    Each month is a link to that period's section (`#p-YYYY-MM`), so the chart doubles as
    the period switcher.
    """
    frame = Frame(width, height, left=58, right=190, top=24, bottom=38)
    points = trend.points
    peak = max(
        [float(p.total) for p in points]
        + [float(p.forecast) for p in points if p.forecast is not None]
        + [float(sum((v for v in p.by_series if v > 0), Decimal(0))) for p in points]
        + [0.0]
    )
    ticks = nice_ticks(peak)
    scale = frame.plot_height / ticks[-1]
    band = frame.plot_width / max(len(points), 1)
    bar = band * 0.62
    parts: list[Markup] = [pattern_defs("cc", len(trend.series))]
    parts += _y_axis(frame, ticks, fmt.usd_short)
    for index, point in enumerate(points):
        x = frame.left + band * index + (band - bar) / 2
        parts.append(_trend_bar(trend, point, x, bar, frame, scale))
    parts += _average_line(trend, frame, band, scale)
    parts += _x_labels(frame, [p.period for p in points], band)
    parts += _direct_labels(trend, frame, band, bar, scale)
    return _svg(width, height, "trend", "Monthly cost by cost center", parts)


def _trend_bar(
    trend: Trend, point: TrendPoint, x: float, bar: float, frame: Frame, scale: float
) -> Markup:
    y = frame.baseline
    rects = []
    for index, value in enumerate(point.by_series):
        if value <= 0:  # credits larger than charges cannot be stacked; the title lists them
            continue
        h = float(value) * scale
        y -= h
        rects.append(
            Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>').format(
                x, y, bar, h, f"url(#cc{index})"
            )
        )
    top = y
    extra = Markup("")
    if point.forecast is not None:
        forecast_top = frame.baseline - float(point.forecast) * scale
        extra = Markup(
            '<rect class="fc" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>'
            '<text class="bl" x="{:.1f}" y="{:.1f}">forecast</text>'
            '<text class="bl" x="{:.1f}" y="{:.1f}">{}</text>'
        ).format(
            x,
            forecast_top,
            bar,
            frame.baseline - forecast_top,
            x + bar / 2,
            forecast_top - 15,
            x + bar / 2,
            forecast_top - 4,
            fmt.usd_short(float(point.forecast)),
        )
    breakdown = "; ".join(
        f"{name} {fmt.usd(value)}"
        for name, value in zip(trend.series, point.by_series, strict=True)
    )
    title = f"{fmt.month_name(point.period)}: {fmt.usd(point.total)}"
    if point.is_mtd:
        title += " (month to date)"
    value_label = fmt.usd_short(float(point.total))
    return Markup(
        '<a href="#p-{}" class="bar{}" data-period="{}"><title>{} \u2014 {}</title>'
        '<rect class="hit" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>{}{}'
        '<text class="bl" x="{:.1f}" y="{:.1f}">{}</text></a>'
    ).format(
        point.period,
        " mtd" if point.is_mtd else "",
        point.period,
        title,
        breakdown,
        x - 3,
        frame.top,
        bar + 6,
        frame.baseline - frame.top,
        Markup("").join(rects),
        extra,
        x + bar / 2,
        top - 4,
        value_label,
    )


def _average_line(trend: Trend, frame: Frame, band: float, scale: float) -> list[Markup]:
    coords = [
        (frame.left + band * (index + 0.5), frame.baseline - float(point.average) * scale)
        for index, point in enumerate(trend.points)
        if point.average is not None
    ]
    if not coords:
        return []
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = Markup("").join(
        Markup('<circle class="avgd" cx="{:.1f}" cy="{:.1f}" r="2.5"/>').format(x, y)
        for x, y in coords
    )
    return [Markup('<polyline class="avg" points="{}"/>{}').format(path, dots)]


def _direct_labels(
    trend: Trend, frame: Frame, band: float, bar: float, scale: float
) -> list[Markup]:
    """Series names next to the last month, each beside its own segment.

    The key at the bottom right names the average line and the forecast outline.
    """
    if not trend.points:
        return []
    anchor = len(trend.points) - 1
    point = trend.points[anchor]
    wanted, y = [], frame.baseline
    for value in point.by_series:
        h = float(max(value, Decimal(0))) * scale
        wanted.append(y - h / 2)
        y -= h
    label_x = frame.width - frame.right + 14
    placed = spread_labels(wanted, 15, frame.top + 6, frame.baseline - 40)
    bar_right = frame.left + band * anchor + (band + bar) / 2
    parts = []
    for index, name in enumerate(trend.series):
        parts.append(
            Markup(
                '<path class="lead" d="M{:.1f} {:.1f}H{:.1f}L{:.1f} {:.1f}"/>'
                '<rect x="{:.1f}" y="{:.1f}" width="11" height="11" fill="url(#cc{})" '
                'stroke="#333" stroke-width=".5"/>'
                '<text class="dl" x="{:.1f}" y="{:.1f}">{}</text>'
            ).format(
                bar_right + 2,
                wanted[index],
                bar_right + 8,
                label_x - 2,
                placed[index],
                label_x,
                placed[index] - 5.5,
                index,
                label_x + 15,
                placed[index] + 4,
                _clip(name, 24),
            )
        )
    key_y = frame.baseline - 20
    parts.append(
        Markup(
            '<path class="avg" d="M{:.1f} {:.1f}h16"/>'
            '<text class="dl" x="{:.1f}" y="{:.1f}">3-month average</text>'
        ).format(label_x - 2, key_y, label_x + 18, key_y + 4)
    )
    if any(p.forecast is not None for p in trend.points):
        parts.append(
            Markup(
                '<rect class="fc" x="{:.1f}" y="{:.1f}" width="12" height="9"/>'
                '<text class="dl" x="{:.1f}" y="{:.1f}">forecast (month to date)</text>'
            ).format(label_x, key_y + 11, label_x + 18, key_y + 19)
        )
    return parts


def tagging_chart(
    points: Sequence[TaggingPoint], *, width: float = 960, height: float = 190
) -> Markup:
    """Tagged share of cost per month on a fixed 0-100 % scale, each point labelled."""
    frame = Frame(width, height, left=58, right=190, top=20, bottom=38)
    ticks = [0.0, 25.0, 50.0, 75.0, 100.0]
    band = frame.plot_width / max(len(points), 1)
    parts = _y_axis(frame, ticks, lambda t: f"{t:.0f}%")
    coords = []
    for index, point in enumerate(points):
        x = frame.left + band * (index + 0.5)
        y = frame.baseline - frame.plot_height * float(point.tagged_pct) / 100
        coords.append((x, y))
        parts.append(
            Markup(
                '<a href="#p-{}" class="pt" data-period="{}"><title>{}: {} tagged</title>'
                '<circle cx="{:.1f}" cy="{:.1f}" r="3.5"/>'
                '<text class="bl" x="{:.1f}" y="{:.1f}">{}</text></a>'
            ).format(
                point.period,
                point.period,
                fmt.month_name(point.period),
                fmt.percent(point.tagged_pct),
                x,
                y,
                x,
                y - 8,
                fmt.percent(point.tagged_pct),
            )
        )
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.insert(len(ticks), Markup('<polyline class="tag" points="{}"/>').format(path))
    parts += _x_labels(frame, [p.period for p in points], band)
    return _svg(width, height, "tagging", "Tagged share of cost per month", parts)


def share_bar(share_pct: Decimal | None) -> Markup:
    """A small horizontal bar for a table cell, 0-100 % of the cell width."""
    width = 0.0 if share_pct is None else min(max(float(share_pct), 0.0), 100.0)
    return Markup(
        '<svg class="hbar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        '<rect width="100" height="8" class="track"/><rect width="{:.1f}" height="8"/></svg>'
    ).format(width)


def _svg(width: float, height: float, css: str, title: str, parts: list[Markup]) -> Markup:
    return Markup(
        '<svg class="chart {}" viewBox="0 0 {:.0f} {:.0f}" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>"
    ).format(css, width, height, title, title, Markup("").join(parts))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
