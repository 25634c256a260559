"""The weekly review as a PDF (reportlab platypus), with the same tables and charts as the page.

Text is set in DejaVu Sans, the TrueType font matplotlib ships, embedded as a subset: the
standard PDF fonts cover Latin-1 only, and agent names and ticket subjects are not. DejaVu has
no Chinese, Japanese or Korean glyphs: runs of those scripts are set in the Adobe CJK fonts
every PDF reader provides (reportlab's `UnicodeCIDFont`: referenced, not embedded).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
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

from afterdesk.reports import present
from afterdesk.reports.review import WeeklyReview

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
LINE = colors.HexColor("#dfe3e8")
MUTED = colors.HexColor("#6b7785")


CJK_FONTS = {"ja": "HeiseiKakuGo-W5", "ko": "HYGothic-Medium", "zh": "STSong-Light"}
# CJK punctuation, kana, Han (with extension A and compatibility), Hangul, full-width forms
_CJK_RUN = re.compile(
    "[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff"
    "\u3130-\u318f\uac00-\ud7af\uff00-\uffef]+"
)
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


@cache
def _fonts() -> tuple[str, str]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    for name in CJK_FONTS.values():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return FONT, BOLD


def _cjk_font(run: str) -> str:
    if _KANA.search(run):
        return CJK_FONTS["ja"]
    if _HANGUL.search(run):
        return CJK_FONTS["ko"]
    return CJK_FONTS["zh"]


def markup(text: str) -> str:
    """Paragraph markup for plain text: escaped, with CJK runs in a CJK font."""
    parts, last = [], 0
    for match in _CJK_RUN.finditer(text):
        parts.append(escape(text[last : match.start()]))
        run = match.group()
        parts.append(f'<font name="{_cjk_font(run)}">{escape(run)}</font>')
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "h3": ParagraphStyle(
            "h3", fontName=bold, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=3
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", fontName=regular, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", fontName=regular, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9, textColor=MUTED),
    }


def _table(table: present.DisplayTable, styles: dict[str, ParagraphStyle]) -> Table | Paragraph:
    if not table.rows:
        return Paragraph(markup(_("Nothing to show for this period.")), styles["muted"])

    def cell(text: str, numeric: bool, style: str | None = None) -> Paragraph:
        return Paragraph(markup(text), styles[style or ("num" if numeric else "cell")])

    data: list[list[Any]] = [[cell(h, n, "head") for h, n in table.header_cells]]
    data += [[cell(text, n) for text, n in cells] for _link, cells in table.linked_rows]
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
        title=_("Afterdesk weekly review %(date)s") % {"date": f"{review.start:%Y-%m-%d}"},
        author="Afterdesk",
        invariant=True,
    )
    story: list[Any] = [Paragraph(markup(_("Weekly review")), styles["title"])]
    for key, value in present.summary(review):
        story.append(Paragraph(f"<b>{markup(key)}:</b> {markup(value)}", styles["body"]))
    generated = _("Generated %(time)s UTC") % {"time": f"{datetime.now(UTC):%Y-%m-%d %H:%M}"}
    story.append(Paragraph(markup(generated), styles["muted"]))

    def section(title: str, *flowables: Any) -> None:
        story.append(KeepTogether([Paragraph(markup(title), styles["h2"]), flowables[0]]))
        story.extend(flowables[1:])

    section(
        _("Team trends (last 8 weeks)"),
        _chart(charts["team_trends"]),
        Spacer(1, 3 * mm),
        _table(present.team_table(review), styles),
    )
    # One leaderboard per template: ranks (and the most improved) compare agents of one
    # template only.
    if not review.groups:
        section(_("Leaderboard"), Paragraph(markup(present.no_group_message()), styles["muted"]))
    for index, group in enumerate(review.groups):
        section(
            _("Leaderboard · %(group)s") % {"group": present.group_title(review, group)},
            _chart(charts[present.leaderboard_key(index)]),
            Spacer(1, 3 * mm),
            _table(present.leaderboard_table(group), styles),
        )
        improved = _("Most improved · %(template)s") % {"template": group.name}
        story.append(
            KeepTogether(
                [
                    Paragraph(markup(improved), styles["h3"]),
                    _table(present.improvers_table(group), styles),
                ]
            )
        )
    if review.template is None and review.own_template is None:
        section(
            _("Agents without a template"),
            Paragraph(markup(present.unranked_message()), styles["muted"]),
            _table(present.without_template_table(review), styles),
        )
    section(_("Worst first-reply SLA breaches"), _table(present.breaches_table(review), styles))
    section(
        _("Problem types by SKU"),
        _chart(charts["by_sku"]),
        _table(present.distribution_table(review.by_sku, _("SKU")), styles),
    )
    section(
        _("Problem types by market"),
        _chart(charts["by_market"]),
        _table(present.distribution_table(review.by_market, _("Market")), styles),
    )
    doc.build(story)
    return out.getvalue()
