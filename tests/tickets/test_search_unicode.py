"""Inbox search with characters whose case mapping or normalisation is odd (issue 16, item 6):
the inbox page and `GET /api/tickets?q=` never fail, on SQLite and PostgreSQL, and a ticket
whose subject holds the text as typed is found."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from tests.api.conftest import ApiClient
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

# Typed text: each is in a subject below, so the search must find it.
ODD = [
    "²",  # a digit to str.isdigit(), not to int()
    "#²",
    "#³¹",
    "٣",  # an Arabic-Indic digit: int() takes it
    "#١٢",
    "ß",  # upper case: SS
    "İ",  # lower case: i + combining dot
    "ﬁ",  # a ligature: upper case FI
    "e\u0301",  # e + combining acute (NFC: é)
    "Å",  # the Ångström sign (NFC: Å)
    "👍🏽",  # an emoji with a skin tone modifier
    "🏳️‍🌈",  # a ZWJ sequence
    "\u200b",  # zero width space
    "ǅ",  # title case
    "%_\\",  # LIKE's wildcards and escape
]
# Sent raw in the query string: lone surrogates (as CESU/UTF-8 bytes), overlong and invalid
# UTF-8, huge and negative ticket numbers, a NUL.
RAW = [
    "%ED%A0%80",
    "%ED%B0%80x",
    "%C0%80",
    "%FF%FE",
    "%23%ED%A0%80",
    "99999999999999999999999999",
    "%2399999999999999999999",
    "%23-1",
    "%23",
    "%00",
    "%23%00",
]


@pytest.fixture
def subjects(team: Team) -> dict[str, int]:
    return {text: TicketFactory(subject=f"about {text} here", team=team).pk for text in ODD}


def _api(user: User) -> ApiClient:
    _token, raw = api_token_create(user=user, name="tests")
    return ApiClient(raw)


@pytest.mark.parametrize("text", ODD)
def test_page_search_finds_odd_text(
    client: Client, supervisor: User, subjects: dict[str, int], text: str
) -> None:
    client.force_login(supervisor)
    response = client.get("/", {"q": text})
    assert response.status_code == 200
    if not text.startswith("#"):
        assert f"about {text} here" in response.content.decode()


@pytest.mark.parametrize("text", ODD)
def test_api_search_finds_odd_text(supervisor: User, subjects: dict[str, int], text: str) -> None:
    response = _api(supervisor).get("/api/tickets", q=text)
    assert response.status_code == 200, response.content
    ids = {item["id"] for item in response.json()["items"]}
    if not text.startswith("#"):
        assert subjects[text] in ids


@pytest.mark.parametrize("raw", RAW)
def test_raw_query_strings_never_fail(
    client: Client, supervisor: User, subjects: dict[str, int], raw: str
) -> None:
    client.force_login(supervisor)
    assert client.get(f"/?q={raw}").status_code == 200
    api = _api(supervisor)
    response: Any = api.client.get(f"/api/tickets?q={raw}", headers=api.headers)
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert response.json()["field"] == "q"
