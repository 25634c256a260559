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
import json
import re
import zlib
from collections.abc import Collection
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
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


# The second scan (issue 20): English that no msgid covers (a string never marked, a code shown
# as it is stored). Words that stay as they are in Chinese: platform, product and protocol
# names, keys of the keyboard, a formula's function.
NAMES = {
    *SAME_IN_BOTH,
    "Webhook",
    "Enter",
    "Ctrl",
    "Shift",
    "Esc",
    "Shopify",
    "WooCommerce",
    "Wish",
    "eBay",
    "Amazon",
    "AliExpress",
    "Facebook",
    "Instagram",
    "Meta",
    "Messenger",
    "WhatsApp",
    "PayPal",
    "Cainiao",
    "clamp",
    "Authorization",
    "Bearer",
    # The platforms' own words for their settings, kept beside the translation
    # ("Shopify Admin API 访问令牌", "eBay App ID", "消费者密钥（key）").
    "Admin",
    "App",
    "Cert",
    "WordPress",
    "https",
    "key",
}
# Texts that stay English on a Chinese page: a heading of the English docs cited by name, a
# tag shown as an example ("例如 vip"), the fields of a template variable as a template writes
# them ("每行有 title、quantity 和 sku") and the example product of another.
LEFT_AS_WRITTEN = {"Scorecard templates", "vip", "title", "quantity", "Linen shirt"}
# A word on its own: letters only, not part of a code (snake_case, a path, a SKU, an address,
# CSV columns, a tag added with "+").
WORD = re.compile(r"(?<![\w./@#,+-])[A-Za-z]{3,}(?![\w./@,-])")
# The texts between two Chinese characters or Chinese punctuation marks.
NOT_LATIN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


class VisibleProse(VisibleText):
    """The visible texts, without those in <code>, <kbd>, <samp> and <pre> (formats, commands
    and keys, written as typed) or <textarea> (what the user typed), and without an option
    named by its own value (a code or a time zone, listed as it is)."""

    LITERAL = ("code", "kbd", "samp", "pre", "textarea")

    def __init__(self) -> None:
        super().__init__()
        self._literal = 0
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.LITERAL:
            self._literal += 1
        self._option_value = dict(attrs).get("value") if tag == "option" else None
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.LITERAL and self._literal:
            self._literal -= 1
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._option_value is not None and data.strip() == self._option_value:
            return
        if not self._literal:
            super().handle_data(data)


def _words(text: str) -> list[str]:
    if "://" in text:  # an address
        return []
    return [w for w in WORD.findall(text) if w not in NAMES and not w.isupper()]


def database_text(excluding: Collection[type[models.Model]] = ()) -> str:
    """Every text the database holds (the demo's names, subjects, messages, codes), one per
    line: English found in it is data the page shows, not the interface's. `excluding`: models
    whose text is not data the page may show as it is."""
    values: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                values.append(str(key))
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    for model in apps.get_models():
        if model in excluding:
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if names:
            for row in model._default_manager.values_list(*names):
                collect(list(row))
    return "\n".join(values)


def english_left(html: str, data: str) -> list[str]:
    """The visible English words of a Chinese page that are neither the database's text nor a
    name: each text is cut at its Chinese characters, and a piece with a word of its own is
    English unless it (without the codes and figures at its ends) is found in the data."""
    parser = VisibleProse()
    parser.feed(html)
    left = set()
    for text in parser.texts:
        for piece in NOT_LATIN.split(text):
            tokens = piece.split()
            while tokens and not _words(tokens[0]):
                tokens.pop(0)
            while tokens and not _words(tokens[-1]):
                tokens.pop()
            core = " ".join(tokens).strip(" .,:;·()[]-–—+\"'“”‘’")
            if core and core not in data and core not in LEFT_AS_WRITTEN:
                left.add(core)
    return sorted(left)


def test_every_main_page_in_chinese_has_no_untranslated_catalogue_string() -> None:
    ids = load_demo()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(User.objects.get(username="admin"))
    msgids = english_msgids()
    assert len(msgids) > 1000  # the catalogue was read
    data = database_text()
    problems: dict[str, list[str]] = {}
    english: dict[str, list[str]] = {}
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
        left = english_left(html, data)
        if left:
            english[name] = left
    translation.deactivate()
    assert problems == {}, problems
    assert english == {}, "\n".join(f"{k}: {v}" for k, v in english.items())


def test_the_english_scan_tells_the_interfaces_words_from_data_and_codes() -> None:
    """The second scan on a page of its own: what it reports and what it leaves."""
    html = (
        "<p>条件：every ticket</p><td>offline</td><p>Lena Schmidt 的绩效</p>"
        "<td>first_reply_time_business · 越低越好</td><p>列：sku,supplier</p>"
        "<p><code>POST /api/x</code> https://shop.example · Shopify · INTL</p>"
        "<p>关于“Tone and empathy”的评语</p><p>+refund</p>"
    )
    data = "Lena Schmidt\nTone and empathy\nrefund"
    assert english_left(html, data) == ["every ticket", "offline"]


# The settings forms sent with bad or missing input: (name, path, data). Their 4xx answer is
# the form again with its errors, which are read like the pages.
BAD_FORMS: list[tuple[str, str, dict[str, Any]]] = [
    ("store", "/stores/new/", {"platform": "shopify", "name": "X", "base_url": "http://x"}),
    ("store-empty", "/stores/new/", {}),
    ("sla-policy", "/sla/policies/new/", {}),
    ("calendar", "/calendars/new/", {"key": "a b", "name": "", "tz": "Mars/Base"}),
    ("automation-rule", "/automations/rules/new/", {}),
    ("routing-rule", "/routing/rules/new/", {}),
    (
        "scorecard-template",
        "/performance/templates/new/",
        {"definition": json.dumps({"id": "t", "name": "T", "categories": [{"name": "x"}]})},
    ),
    ("scorecard-template-not-json", "/performance/templates/new/", {"definition": "{"}),
    ("bonus-rule", "/bonuses/rules/new/", {"definition": json.dumps({"tiers": [], "x": 1})}),
    ("macro", "/replies/macros/new/", {}),
    ("reply-template", "/replies/templates/new/", {}),
    ("article", "/replies/articles/new/", {}),
    ("mailbox", "/channels/mailboxes/new/", {}),
    ("calibration", "/qa/calibrations/new/", {}),
]


def test_the_settings_forms_errors_in_chinese_have_no_english(admin_user: User) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(admin_user)
    msgids = english_msgids()
    data = database_text()
    problems: dict[str, list[str]] = {}
    for name, path, posted in BAD_FORMS:
        answer = client.post(path, posted)
        assert 400 <= answer.status_code < 500, (name, answer.status_code)
        html = answer.content.decode()
        assert '<html lang="zh-hans"' in html, name
        found = untranslated(html, msgids) + english_left(html, data)
        if found:
            problems[name] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


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
