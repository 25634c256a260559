"""The search's phrases and, on PostgreSQL, its three ways to a word's newest matches
(afterdesk/tickets/search_pg.py, docs/ui.md "Search"): the newest rows, a longer walk, the
index (of words, of pairs of words); each lists the same tickets."""

from __future__ import annotations

import pytest
from django.db import connection

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import search, search_pg
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.selectors import InboxFilters, inbox_tickets
from tests.tickets.test_search import found, opened

pytestmark = pytest.mark.django_db


def test_only_the_last_word_is_a_prefix(supervisor: User, team: Team) -> None:
    opened("Refund please", "I want my money back", team)
    assert found(supervisor, "refund ple") == ["Refund please"]
    assert found(supervisor, "refun please") == []  # a whole word before the last
    assert found(supervisor, "mone back") == []
    assert found(supervisor, "money bac") == ["Refund please"]


def test_a_phrase_of_frequent_words_finds_only_the_phrase(supervisor: User, team: Team) -> None:
    """Both words in every message, side by side in one: the pairs of words find that one;
    the words in the other order, or apart, are no phrase."""
    for i in range(6):
        opened(f"Damage {i}", "The parcel arrived damaged, the box was crushed.", team)
    opened("Side by side", "My parcel damaged in transit", team)
    assert found(supervisor, "parcel damaged") == ["Side by side"]
    assert found(supervisor, "parcel dam") == ["Side by side"]
    assert found(supervisor, "damaged parcel") == []
    assert found(supervisor, "parcel damaged in transit") == ["Side by side"]
    assert found(supervisor, "parcel arrived damaged the box") == [
        f"Damage {i}" for i in range(5, -1, -1)
    ]
    assert found(supervisor, "box crushed") == []


# (RECENT_ROWS, WALK_MARGIN, INDEX_MATCH_COST): which way each setting takes, for the tickets
# below (MAX_MATCHES 5; nine of thirty messages match, the three newest among them).
PATHS = {
    "the newest rows": (100, 3, 8),  # all thirty read, nine matches: done
    "a longer walk": (3, 3, 10**9),  # three read, all matching: 15 more rows, five found
    "a walk too short, then the index": (3, 1, 10**9),  # 5 rows, four found: the index
    "the index": (1, 3, 0),  # walking never pays
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ways to a match")
@pytest.mark.parametrize("path", list(PATHS))
def test_every_way_lists_the_newest_matches(
    supervisor: User, team: Team, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    recent, margin, cost = PATHS[path]
    monkeypatch.setattr(search, "MAX_MATCHES", 5)
    monkeypatch.setattr(search_pg, "RECENT_ROWS", recent)
    monkeypatch.setattr(search_pg, "WALK_MARGIN", margin)
    monkeypatch.setattr(search_pg, "INDEX_MATCH_COST", cost)
    tickets = []
    for i in range(30):
        matching = i >= 27 or i % 5 == 0
        body = "the parcel arrived damaged" if matching else "where is my order"
        tickets.append(opened(f"T{i}", body, team))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_message")  # the table's size, for the walk's cost
    for query in ("parcel arrived", "arrived"):
        listed = inbox_tickets(user=supervisor, filters=InboxFilters(text=query))
        assert listed.capped
        assert [t.subject for t in listed[:50]] == ["T29", "T28", "T27", "T25", "T20"]
    assert Ticket.objects.count() == 30
    assert found(supervisor, "parcel damaged") == []


def test_a_text_with_too_many_pairs_is_still_found(supervisor: User, team: Team) -> None:
    """A text whose pairs of words would not fit a tsvector (over 500 kB of them) is indexed
    by the one lexeme every phrase query accepts, then checked as a phrase."""
    words = " ".join(f"w{i:05d}{'x' * 24}" for i in range(12_000))
    opened("Long", f"{words} parcel damaged {words}", team)
    opened("Short", "a parcel, damaged", team)
    assert found(supervisor, "parcel damaged") == ["Short", "Long"]
    assert found(supervisor, "damaged parcel") == []
