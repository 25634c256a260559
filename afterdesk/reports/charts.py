"""Server-drawn charts of the weekly review as PNG bytes (matplotlib, Agg, no pyplot state).

PNG rather than SVG: matplotlib's SVG carries `style` attributes, which the
Content-Security-Policy forbids; a PNG goes into the page as a `data:` image and into the PDF
as is. Only `matplotlib.figure.Figure` is used, so rendering is thread-safe.

Text is set in DejaVu Sans (shipped with matplotlib); glyphs it lacks (Chinese, Japanese,
Korean agent ids, SKUs or markets) come from the first CJK font installed on the server
(`chart_fonts`; e.g. Debian's `fonts-noto-cjk`), else they show as missing.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction
from functools import cache

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from matplotlib import font_manager, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from afterdesk.metrics.kpis import KpiValue
from afterdesk.metrics.scorecards import report
from afterdesk.reports.present import leaderboard_key
from afterdesk.reports.review import (
    Distribution,
    LeaderboardGroup,
    TeamTrend,
    WeeklyReview,
)

DPI = 144
COLOURS = [
    "#2457c5", "#d98a1c", "#1f7a4d", "#b4321f", "#6b4fbb",
    "#0f8b8d", "#8a99ab", "#c2185b", "#6d8f1e", "#5d4037",
]  # fmt: skip
MAX_BARS = 12


# CJK families, preferred first: Noto/Source Han (Linux), then macOS and Windows fonts.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
)


@cache
def chart_fonts() -> tuple[str, ...]:
    """DejaVu Sans, then the CJK families found on this machine (looked for once: matplotlib's
    font cache does not see fonts installed after it was built)."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not known & set(CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            if "cjk" in path.lower() or "wqy" in path.lower():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                    continue
        known = {font.name for font in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(family for family in CJK_FAMILIES if family in known))


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return out.getvalue()


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="both", color="#e5e8ec", linewidth=0.6)
    ax.set_axisbelow(True)


def _empty(ax: Axes) -> None:
    ax.text(
        0.5,
        0.5,
        _("No data in this period"),
        ha="center",
        va="center",
        color="#6b7785",
        transform=ax.transAxes,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _number(value: Fraction | None, scale: int = 1) -> float:
    return math.nan if value is None else float(value * scale)


def _kpi(value: KpiValue, scale: int = 1) -> float:
    return _number(value.value, scale)


def team_trends_chart(review: WeeklyReview) -> bytes:
    """Four small multiples, one line per team over the trend weeks."""
    figure = Figure(figsize=(10, 5.6))
    axes = figure.subplots(2, 2)
    labels = [date_format(start, "d M") for start, _end in review.weeks]
    # The mean total only in the what-if view: under own templates it would mix templates.
    first: tuple[str, str | None, int] = (
        (_("Total score (mean of scored agents)"), None, 1)
        if review.what_if
        else (_("First reply, business hours (minutes)"), "first_reply_time_business", 1)
    )
    panels: list[tuple[str, str | None, int]] = [
        first,
        (_("Handled tickets"), "handled_volume", 1),
        (_("First replies within target (%)"), "sla_first_reply_rate", 100),
        (_("CSAT 4–5 (%)"), "csat_rate", 100),
    ]
    for ax, (title, kpi, scale) in zip(axes.flat, panels, strict=True):
        _style(ax, title)
        if not review.team_trends:
            _empty(ax)
            continue
        for index, trend in enumerate(review.team_trends):
            ax.plot(
                labels,
                _series(trend, kpi, scale),
                marker="o",
                markersize=3,
                linewidth=1.5,
                color=COLOURS[index % len(COLOURS)],
                label=trend.team,
            )
        ax.tick_params(axis="x", labelrotation=45)
    if review.team_trends:
        handles, names = axes.flat[0].get_legend_handles_labels()
        figure.legend(handles, names, loc="outside lower center", ncols=min(6, len(names)))
    figure.set_layout_engine("constrained")
    return _png(figure)


def _series(trend: TeamTrend, kpi: str | None, scale: int) -> list[float]:
    if kpi is None:
        return [_number(week.total) for week in trend.weeks]
    return [_kpi(week.kpis[kpi], scale) for week in trend.weeks]


def leaderboard_chart(group: LeaderboardGroup) -> bytes:
    """Total score per scored agent of one template (best first), the previous period's total
    as a dot."""
    rows = [r for r in group.rows if r.row.total is not None][:MAX_BARS]
    figure = Figure(figsize=(10, 0.9 + 0.32 * max(len(rows), 3)))
    ax = figure.subplots()
    _style(ax, _("Total score, %(template)s") % {"template": group.name})
    if not rows:
        _empty(ax)
        return _png(figure)
    names = [r.row.agent for r in rows][::-1]
    totals = [float(report(r.row.total) or 0) for r in rows][::-1]
    ax.barh(names, totals, color=COLOURS[0], height=0.6, label=_("this period"))
    # Only the agents with a previous total: matplotlib cannot place an all-NaN series on
    # a category axis.
    before = [(float(r.previous_total), r.row.agent) for r in rows if r.previous_total is not None]
    if before:
        ax.scatter(
            [total for total, _agent in before],
            [agent for _total, agent in before],
            color=COLOURS[1],
            zorder=3,
            s=18,
            label=_("previous period"),
        )
    for y, total in enumerate(totals):
        ax.text(total + 1, y, f"{total:.2f}", va="center", fontsize=7)
    ax.set_xlim(0, 108)
    ax.legend(fontsize=8, loc="lower right")
    return _png(figure)


def distribution_chart(distribution: Distribution, title: str) -> bytes:
    """Stacked horizontal bars: one bar per row (SKU or market), one colour per category."""
    folded = distribution.folded(MAX_BARS)
    figure = Figure(figsize=(10, 1.2 + 0.34 * max(len(folded.rows), 3)))
    ax = figure.subplots()
    _style(ax, title)
    if not folded.rows:
        _empty(ax)
        return _png(figure)
    rows = folded.rows[::-1]
    left = [0] * len(rows)
    for index, column in enumerate(folded.columns):
        counts = [folded.count(r, column) for r in rows]
        colour = COLOURS[index % len(COLOURS)]
        ax.barh(rows, counts, left=left, color=colour, height=0.6, label=column)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel(_("tickets"), fontsize=8)
    return _png(figure)


def review_charts(review: WeeklyReview) -> dict[str, bytes]:
    # Text properties take their family from rcParams when a figure is drawn.
    rcParams["font.family"] = list(chart_fonts())
    return {
        "team_trends": team_trends_chart(review),
        **{leaderboard_key(i): leaderboard_chart(g) for i, g in enumerate(review.groups)},
        "by_sku": distribution_chart(review.by_sku, _("Problem types by SKU")),
        "by_market": distribution_chart(review.by_market, _("Problem types by market")),
    }
