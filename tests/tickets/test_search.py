"""The inbox's full-text search (afterdesk/tickets/search.py, docs/ui.md "Search"), on SQLite
and PostgreSQL: words of subjects, messages and buyers' names (accents and case folded,
Chinese and Japanese without spaces, Arabic), whole values (ticket, order and tracking
numbers, emails), the query languages' characters taken as text, the index kept current by
every write, ranking, visibility, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Customer, CustomerIdentity
from afterdesk.core.fulltext import fold, query_fold
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.search import search_index_rebuild
from afterdesk.tickets.selectors import InboxFilters, inbox_tickets
from tests.factories import (
    T0,
    CustomerFactory,
    OrderFactory,
    ShipmentFactory,
    StoreFactory,
)
from tests.history.helpers import AGENT, CALENDAR, TICKET, event, write_history

pytestmark = pytest.mark.django_db


def found(user: User, text: str) -> list[str]:
    """Subjects of the tickets `text` finds for `user`, in the inbox's order."""
    return [t.subject for t in inbox_tickets(user=user, filters=InboxFilters(text=text))[:50]]


def opened(subject: str, body: str, team: Team, **kwargs: Any) -> Ticket:
    ticket = services.ticket_create(subject=subject, channel="email", body=body, at=T0, **kwargs)
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    return ticket


@pytest.fixture
def desk(team: Team) -> dict[str, Ticket]:
    store = StoreFactory()
    jose = CustomerFactory(store=store, name="José Müller-Lüdenscheidt")
    CustomerIdentity.objects.create(customer=jose, kind="email", value="Jose.M@Buyer.example")
    amazon = OrderFactory(store=store, customer=jose, number="123-1234567-1234567")
    shop = OrderFactory(store=store, number="#1001")
    ShipmentFactory(order=shop, tracking_number="LP00612345678CN")
    return {
        "jose": opened("Wrong size", "The shoes are too small", team, customer=jose, store=store),
        "amazon": opened("Order question", "Hello", team, orders=[amazon]),
        "shop": opened("Where is it", "Nothing yet", team, orders=[shop]),
        "zh": opened("物流问题", "我的订单还没有到，请帮我查一下物流信息。", team),
        "ja": opened("配送について", "注文した荷物がまだ届きません。", team),
        "ar": opened("طلب متأخر", "أين طلبي؟ لم يصل بعد", team),
        "refund": opened("Refund please", "I want my money back & a label", team),
        "mentions": opened("Question", "about 123-1234567-1234567 and #1001 again", team),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("José", ["Wrong size"]),
        ("jose", ["Wrong size"]),  # accents folded
        ("MULLER", ["Wrong size"]),
        ("lüdenscheidt", ["Wrong size"]),
        ("jose.m@buyer.example", ["Wrong size"]),  # an email, whole, any case
        ("123-1234567-1234567", ["Order question", "Question"]),  # the order's first
        ("#1001", ["Where is it"]),  # `#` and digits: a number only
        ("1001", ["Where is it", "Question"]),
        ("lp00612345678cn", ["Where is it"]),
        ("LP0061234", []),  # a part of a tracking number is not one
        ("订单", ["物流问题"]),
        ("物流信息", ["物流问题"]),  # the subject's 物流 alone would not do
        ("物流", ["物流问题"]),
        ("订到", []),  # characters that are not next to each other
        ("订", ["物流问题"]),  # one character: a bigram's start
        ("息", ["物流问题"]),  # ... or the run's last
        ("到", ["物流问题"]),
        ("查一下物流", ["物流问题"]),  # a phrase of bigrams
        ("物流信", ["物流问题"]),
        ("流问", ["物流问题"]),  # across the subject's run
        ("问到", []),
        ("まだ届", ["配送について"]),  # kana and kanji in one run
        ("荷物を", []),
        ("届きません", ["配送について"]),
        ("荷物", ["配送について"]),
        ("طلبي", ["طلب متأخر"]),
        ("متأخر", ["طلب متأخر"]),
        ("refund pl", ["Refund please"]),  # the last word a prefix
        ("REFUND", ["Refund please"]),
        ("money back", ["Refund please"]),
        ("back money", []),  # a phrase, in order
        ("shoes small", []),
    ],
)
def test_search_finds(
    supervisor: User, desk: dict[str, Ticket], query: str, expected: list[str]
) -> None:
    assert found(supervisor, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "refund OR nothing",  # no operators: a phrase of three words
        'refund" OR "x',
        "refund & nothing",
        "refund | nothing",
        "!refund",
        "refund:*",
        "(refund)",
        "NEAR(refund please)",
        "refund*",
        "-refund",
        "^refund",
        "col:refund",
        "''refund''",
        "a\\b",
        "\\",
        "%",
        "_",
    ],
)
def test_query_syntax_is_text(supervisor: User, desk: dict[str, Ticket], query: str) -> None:
    result = found(supervisor, query)
    # Punctuation around a word is no operator: the word is searched, nothing else.
    assert result in ([], ["Refund please"]), result
    if "nothing" in query or "x" in query.split('"'):
        assert result == []


def test_a_whole_value_ranks_first_then_the_subject_then_recency(
    supervisor: User, team: Team
) -> None:
    order = OrderFactory(number="A-778")
    opened("Parcel missing", "about order A-778", team)
    newer = opened("Hello", "parcel missing for a-778", team)
    Ticket.objects.filter(pk=newer.pk).update(updated_at=T0 + timedelta(days=2))
    exact = opened("Hi", "see attached", team, orders=[order])
    Ticket.objects.filter(pk=exact.pk).update(updated_at=T0 - timedelta(days=9))
    assert found(supervisor, "A-778") == ["Hi", "Hello", "Parcel missing"]
    assert found(supervisor, "parcel missing") == ["Parcel missing", "Hello"]


def test_results_follow_the_inbox_visibility(
    agent: User, team: Team, other_team: Team, supervisor: User
) -> None:
    opened("Mine", "a broken kettle", team)
    opened("Theirs", "a broken kettle too", other_team)
    assert found(agent, "kettle") == ["Mine"]
    assert sorted(found(supervisor, "kettle")) == ["Mine", "Theirs"]


def test_the_index_follows_replies_notes_renames_and_deletes(
    supervisor: User, agent: User, team: Team
) -> None:
    buyer = CustomerFactory(name="Old Name")
    ticket = opened("First words", "original text", team, customer=buyer)
    assert found(supervisor, "zebra") == []
    services.message_reply(ticket=ticket, by=agent, body="Your zebra lamp ships today")
    assert found(supervisor, "zebra lamp") == ["First words"]
    services.note_add(ticket=ticket, by=agent, body="warehouse said ocelot")
    assert found(supervisor, "ocelot") == ["First words"]
    Ticket.objects.filter(pk=ticket.pk).update(subject="Renamed subject")
    assert found(supervisor, "renamed") == ["Renamed subject"]
    assert found(supervisor, "first words") == []
    Customer.objects.filter(pk=buyer.pk).update(name="Ünal Yılmaz")
    assert found(supervisor, "unal") == ["Renamed subject"]
    assert found(supervisor, "old name") == []
    ticket.delete()
    assert found(supervisor, "zebra") == []


def test_imported_tickets_are_indexed(tmp_path: Path, supervisor: User) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        CALENDAR,
        AGENT,
        {**TICKET, "subject": "Importierte Anfrage"},
        event("message", "2026-10-01T08:00:00Z", kind="inbound", body="Mein Paket ist beschädigt"),
    )
    report = history_import(path)
    assert report.errors == []
    assert found(supervisor, "beschadigt") == ["Importierte Anfrage"]
    assert found(supervisor, "importierte") == ["Importierte Anfrage"]
    assert found(supervisor, "T-1") == ["Importierte Anfrage"]  # the history id, whole


# Outside a test's transaction: PostgreSQL reindexes no table with pending trigger events.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rebuild_brings_the_index_back(supervisor: User, team: Team) -> None:
    opened("Broken kettle", "it leaks", team)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tickets_message_fts (tickets_message_fts) VALUES ('delete-all')"
            )
        assert found(supervisor, "leaks") == []
    assert "unaccent" in search_index_rebuild() or connection.vendor == "sqlite"
    assert found(supervisor, "leaks") == ["Broken kettle"]
    call_command("search", "rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert found(supervisor, "leaks") == ["Broken kettle"]


@pytest.mark.parametrize("query", ["kettle", "123-1234567-1234567", "#1001", "👍", "订单"])
def test_the_search_costs_a_fixed_number_of_queries(
    supervisor: User, team: Team, django_assert_num_queries: Any, query: str
) -> None:
    order = OrderFactory(number="#1001")
    for i in range(12):
        opened(f"Kettle {i} 订单", "a kettle 👍 123-1234567-1234567", team, orders=[order])
    # The first look (the ticket ids the text names whole; on PostgreSQL also whether its
    # parser finds a word), then the count and the page with their tags.
    expected = 4
    with django_assert_num_queries(expected):
        tickets = inbox_tickets(user=supervisor, filters=InboxFilters(text=query))
        assert tickets.count() == 12
        page = list(tickets[:50])
        assert len(page) == 12
        assert all(t.tags.all() is not None for t in page)


def test_the_api_and_the_page_search_alike(
    client: Any, supervisor: User, desk: dict[str, Ticket]
) -> None:
    from afterdesk.accounts.services import api_token_create

    _token, raw = api_token_create(user=supervisor, name="tests")
    response = client.get("/api/tickets", {"q": "订单"}, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [desk["zh"].pk]
    client.force_login(supervisor)
    page = client.get("/", {"q": "jose"}).content.decode()
    assert "Wrong size" in page
    assert "Refund please" not in page


def test_mixed_text_and_frequent_words(supervisor: User, team: Team) -> None:
    """Latin, digits and Chinese in one message; a word in every ticket lists them all
    below the cap, newest first, and says nothing is left out."""
    opened("订单 A-12 refund", "Order 订单123 我要退款 refund please 🙂", team)
    opened("Other", "我要退货 refund later", team)
    assert found(supervisor, "订单123") == ["订单 A-12 refund"]
    assert found(supervisor, "我要退款 refund") == ["订单 A-12 refund"]
    assert found(supervisor, "退款") == ["订单 A-12 refund"]
    assert found(supervisor, "退") == ["Other", "订单 A-12 refund"]  # newest first
    assert found(supervisor, "要退货 refund lat") == ["Other"]
    tickets = inbox_tickets(user=supervisor, filters=InboxFilters(text="refund"))
    assert tickets.count() == 2
    assert not tickets.capped


def test_a_frequent_word_lists_the_newest_matches_up_to_the_cap(
    supervisor: User, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from afterdesk.tickets import search

    monkeypatch.setattr(search, "MAX_MATCHES", 5)
    made = [opened(f"Parcel {i}", "where is my parcel", team) for i in range(8)]
    rare = opened("Rare", "an old parcel, and a warranty card", team)
    Ticket.objects.filter(pk=rare.pk).update(updated_at=T0 - timedelta(days=30))
    tickets = inbox_tickets(user=supervisor, filters=InboxFilters(text="parcel"))
    assert tickets.capped
    assert tickets.count() == 5
    # Subject matches first (the five newest of eight), the rest dropped.
    assert [t.subject for t in tickets[:50]] == [f"Parcel {i}" for i in range(7, 2, -1)]
    assert made[0].pk not in {t.pk for t in tickets[:50]}
    assert found(supervisor, "warranty") == ["Rare"]


def test_fold() -> None:
    assert fold("José ÅNGSTRÖM ﬁne Straße") == "jose angstrom fine strasse"
    assert fold("我的订单") == " 我的 的订 订单 单 "
    assert fold("a退款b 退") == "a 退款 款 b  退 "
    assert query_fold("退款") == " 退款 "
    assert query_fold("我要退款 re") == " 我要 要退 退款 款  re"
    assert query_fold("退") == " 退 "
    assert fold("ガ") == " ガ "  # a voicing mark is kept
    assert fold("ｶﾞ") == " ガ "  # half-width kana
    assert fold(None) is None
