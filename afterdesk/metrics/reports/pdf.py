"""The weekly review as a PDF (reportlab platypus), with the same tables and charts as the page.

Text is set in DejaVu Sans, the TrueType font matplotlib ships, embedded as a subset: the
standard PDF fonts cover Latin-1 only, and agent names and ticket subjects are not.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from afterdesk.metrics.reports import present
from afterdesk.metrics.reports.review import WeeklyReview

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
LINE = colors.HexColor("#dfe3e8")
MUTED = colors.HexColor("#6b7785")


@cache
def _fonts() -> tuple[str, str]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    return FONT, BOLD


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", fontName=regular, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", fontName=regular, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9, textColor=MUTED),
    }


def _table(table: present.DisplayTable, styles: dict[str, ParagraphStyle]) -> Table | Paragraph:
    if not table.rows:
        return Paragraph("Nothing to show for this period.", styles["muted"])

    def cell(text: str, numeric: bool, style: str | None = None) -> Paragraph:
        return Paragraph(escape(text), styles[style or ("num" if numeric else "cell")])

    data: list[list[Any]] = [[cell(h, n, "head") for h, n in table.header_cells]]
    data += [[cell(text, n) for text, n in cells] for _, cells in table.linked_rows]
    result = Table(data, repeatRows=1, hAlign="LEFT")
    result.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return result


def _chart(png: bytes, *, max_width: float = 0.8 * WIDTH, max_height: float = 120 * mm) -> Image:
    """A chart scaled to fit the box (never enlarged), so a section's title, chart and the
    start of its table share a page."""
    image = Image(io.BytesIO(png))
    scale = min(1.0, max_width / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth = image.imageWidth * scale
    image.drawHeight = image.imageHeight * scale
    image.hAlign = "LEFT"
    return image


def review_pdf(review: WeeklyReview, charts: dict[str, bytes]) -> bytes:
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Afterdesk weekly review {review.start:%Y-%m-%d}",
        author="Afterdesk",
        invariant=True,
    )
    story: list[Any] = [Paragraph("Weekly review", styles["title"])]
    for key, value in present.summary(review):
        story.append(Paragraph(f"<b>{escape(key)}:</b> {escape(value)}", styles["body"]))
    story.append(Paragraph(f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", styles["muted"]))

    def section(title: str, *flowables: Any) -> None:
        story.append(KeepTogether([Paragraph(escape(title), styles["h2"]), flowables[0]]))
        story.extend(flowables[1:])

    section(
        "Team trends (last 8 weeks)",
        _chart(charts["team_trends"]),
        Spacer(1, 3 * mm),
        _table(present.team_table(review), styles),
    )
    section(
        "Leaderboard",
        _chart(charts["leaderboard"]),
        Spacer(1, 3 * mm),
        _table(present.leaderboard_table(review), styles),
    )
    section("Most improved", _table(present.improvers_table(review), styles))
    section("Worst first-reply SLA breaches", _table(present.breaches_table(review), styles))
    section(
        "Problem types by SKU",
        _chart(charts["by_sku"]),
        _table(present.distribution_table(review.by_sku, "SKU"), styles),
    )
    section(
        "Problem types by market",
        _chart(charts["by_market"]),
        _table(present.distribution_table(review.by_market, "Market"), styles),
    )
    doc.build(story)
    return out.getvalue()
