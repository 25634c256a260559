"""Issue 20: every main page in Chinese shows no English the catalogue translates.

With a small demo loaded, the admin opens each main page (the list of the accessibility test)
with the Chinese interface; every visible text of the page (text between tags, and the
title, placeholder, aria-label, alt and data-confirm attributes) that is an English msgid of
the compiled catalogue is a string the page failed to translate (evaluated before the
language was chosen, or never marked). The demo's own data (buyers' words, names) is never a
msgid, so it is not mistaken for one. The base page also carries the JavaScript's messages in
Chinese (data attributes read by app.js), and the weekly review's PDF is written in Chinese.
"""

from __future__ import annotations

import base64
import gettext
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from tests.core.test_accessibility_browser import load_demo, main_pages
from tests.factories import T0

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
# Words that are the same in both languages (codes, brand and format names).
# "English": the language switch names each language in itself.
SAME_IN_BOTH = {
    "English",
    "Afterdesk",
    "CSV",
    "XLSX",
    "JSON",
    "PDF",
    "SKU",
    "RMA",
    "SLA",
    "KPI",
    "API",
}


# The demo's own data that happens to equal a msgid: a carrier's tracking event text and a
# routing rule's name.
DEMO_DATA = {"Label created", "Japanese"}


def english_msgids() -> set[str]:
    """The catalogue's English strings that have a different Chinese translation."""
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    found = set()
    for key, value in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid and value and value != msgid and re.search(r"[A-Za-z]{2}", msgid):
            found.add(msgid)
    return found - SAME_IN_BOTH - DEMO_DATA


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(html: str, msgids: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return sorted({text for text in parser.texts if text in msgids or text.rstrip(":") in msgids})


def test_every_main_page_in_chinese_has_no_untranslated_catalogue_string() -> None:
    ids = load_demo()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(User.objects.get(username="admin"))
    msgids = english_msgids()
    assert len(msgids) > 1000  # the catalogue was read
    problems: dict[str, list[str]] = {}
    for name, path in main_pages(ids):
        if not path.startswith("/"):
            continue  # the drill-down: reached from the scorecard in the browser test
        answer = client.get(path)
        assert answer.status_code == 200, (name, answer.status_code)
        html = answer.content.decode()
        assert '<html lang="zh-hans"' in html, name
        found = untranslated(html, msgids)
        if found:
            problems[name] = found
    translation.deactivate()
    assert problems == {}, problems


def pdf_text_bytes(pdf: bytes) -> bytes:
    """Every stream of the PDF decoded (ASCII85 and Flate, as reportlab writes them) and the
    rest as it is: text drawn in the CJK font is there as UCS-2 (big-endian) bytes, escaped
    as PDF strings."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\s*endstream", pdf, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2])
        try:
            parts.append(zlib.decompress(data))
        except zlib.error:
            parts.append(data)
    raw = b"\n".join(parts)
    # PDF literal-string escapes: \ddd octal, \( \) \\ .
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: (
            bytes([int(m.group(1), 8) % 256]) if m.group(1)[:1] in b"01234567" else m.group(1)
        ),
        raw,
    )


def test_the_weekly_review_pdf_is_written_in_chinese(supervisor: User) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(supervisor)
    answer = client.get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert answer.status_code == 200
    text = pdf_text_bytes(answer.content)
    for chinese in ("周报", "排行榜"):
        assert chinese.encode("utf-16-be") in text, chinese
    # The document's own title (the viewer's title bar) too.
    assert b"Afterdesk weekly review" not in answer.content
    english = Client()
    english.force_login(supervisor)
    text = pdf_text_bytes(english.get("/reports/weekly.pdf", {"week": "2026-10-05"}).content)
    assert "周报".encode("utf-16-be") not in text


def test_a_service_error_is_shown_in_chinese_and_the_api_keeps_its_status(
    agent: User, team: Team
) -> None:
    ticket = services.ticket_create(subject="Late", channel="email", body="Hi", at=T0)
    ticket.team = team
    ticket.save(update_fields=["team"])
    services.ticket_set_status(ticket=ticket, by=agent, status="closed")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(agent)
    answer = client.post(
        reverse("tickets:reply", args=[ticket.pk]), {"body": "More"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 409
    assert "工单已关闭；已关闭的工单不能再回复" in answer.content.decode()
    english = Client()
    english.force_login(agent)
    again = english.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "More"})
    assert again.status_code == 409
    assert b"a closed ticket takes no more replies" in again.content


def test_the_javascript_messages_come_translated_from_the_page(agent: User) -> None:
    """app.js shows no text of its own: the live region's messages are the body's data
    attributes, written by the template in the reader's language (no JavaScript catalogue
    to load)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(agent)
    html = client.get("/").content.decode()
    failed = re.search(r'data-request-failed="([^"]*)"', html)
    unsent = re.search(r'data-request-unsent="([^"]*)"', html)
    assert failed is not None
    assert unsent is not None
    with translation.override("zh-hans"):
        assert failed.group(1) == translation.gettext("The request failed.")
        assert unsent.group(1) == translation.gettext(
            "The server could not be reached. Nothing was sent; try again."
        )
    assert re.search(r"[\u4e00-\u9fff]", failed.group(1))
    assert re.search(r"[\u4e00-\u9fff]", unsent.group(1))
    script = (Path(settings.BASE_DIR) / "static" / "afterdesk" / "app.js").read_text()
    assert "dataset.requestFailed" in script
    assert "dataset.requestUnsent" in script
    # Every confirm question of the pages is a data-confirm attribute (translated there).
    assert "window.confirm(question)" in script
