"""Lesson bodies: Markdown (CommonMark and tables, raw HTML off) rendered to HTML and then
cleaned by nh3's allow-list, so a lesson can never carry a script, a style or an event
handler, whoever wrote it (docs/training.md, "Courses and lessons")."""

from __future__ import annotations

import re

import nh3
from django.urls import reverse
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
IMAGE_REF = re.compile(r"\]\(image:(\d{1,12})\)")
TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("em", "strong", "a", "ul", "ol", "li", "img"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(text: str) -> str:
    """Safe HTML for a lesson. `![alt](image:3)` shows the uploaded `LessonImage` 3."""

    def image(match: re.Match[str]) -> str:
        return "](" + reverse("training:image", args=[int(match.group(1))]) + ")"

    html = _MD.render(IMAGE_REF.sub(image, text))
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
