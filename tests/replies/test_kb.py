"""The knowledge base: full-text search (every word, in six languages, on SQLite's FTS5 and
PostgreSQL's tsvector alike) and suggestions by the ticket's issue type."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import PermissionDenied, ValidationError
from afterdesk.replies import selectors, services
from afterdesk.replies.models import Article
from tests.replies.helpers import ticket_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(supervisor: User) -> dict[str, Article]:
    specs = {
        "lost": (
            "Lost parcel: trace, then reship or refund",
            "en",
            ["not_received"],
            "Open a trace with the carrier after 7 days without a scan. Reship or refund.",
        ),
        "refund": (
            "Refunds to the original payment method",
            "en",
            ["refund_request"],
            "Refund within 3 business days after the return is scanned.",
        ),
        "size": (
            "Size exchange",
            "en",
            ["size_issue", "return_request"],
            "Offer the next size; send the exchange label.",
        ),
        "es": (
            "Devoluciones: etiqueta prepagada",
            "es",
            ["return_request"],
            "Enviar la etiqueta de devolución prepagada al comprador.",
        ),
        "zh": (
            "丢件处理流程",
            "zh",
            ["not_received"],
            "超过七天没有物流更新时，向承运商发起查件，然后补发或退款。",
        ),
        "ja": (
            "返品の受付手順",
            "ja",
            ["return_request"],
            "返品ラベルを送付し、到着後に返金します。",
        ),
    }
    return {
        key: services.article_save(
            by=supervisor, title=title, language=lang, issue_types=types, body=body
        )
        for key, (title, lang, types, body) in specs.items()
    }


def titles(found: list[Article]) -> set[str]:
    return {a.title for a in found}


def search(user: User, query: str, **kwargs: str) -> set[str]:
    return titles(selectors.articles_search(user=user, query=query, **kwargs))


def test_every_word_must_match(agent: User, articles: dict[str, Article]) -> None:
    assert search(agent, "refund") == {articles["lost"].title, articles["refund"].title}
    assert search(agent, "refund carrier") == {articles["lost"].title}
    assert search(agent, "REFUND Carrier") == {articles["lost"].title}  # any case
    assert search(agent, "refund nothing-like-this") == set()


def test_prefixes_and_other_languages(agent: User, articles: dict[str, Article]) -> None:
    assert search(agent, "exchang") == {articles["size"].title}
    assert search(agent, "devolución") == {articles["es"].title}
    assert search(agent, "etiqueta prepagada") == {articles["es"].title}


def test_chinese_and_japanese_words_inside_sentences(
    agent: User, articles: dict[str, Article]
) -> None:
    assert search(agent, "查件") == {articles["zh"].title}  # two characters, mid-sentence
    assert search(agent, "承运商") == {articles["zh"].title}
    assert search(agent, "返品") == {articles["ja"].title}
    assert search(agent, "返金します") == {articles["ja"].title}


def test_query_syntax_is_text(agent: User, articles: dict[str, Article]) -> None:
    for query in ['"', "refund OR size", "NEAR(a b)", "a:*", "'; drop", "(", "*", "!&|"]:
        selectors.articles_search(user=agent, query=query)  # no error, whatever it finds
    assert search(agent, "refund OR size") == set()  # OR is a word here


def test_search_within_an_issue_type(agent: User, articles: dict[str, Article]) -> None:
    assert search(agent, "size", issue_type="return_request") == {articles["size"].title}
    assert search(agent, "", issue_type="return_request") == {
        articles["size"].title,
        articles["es"].title,
        articles["ja"].title,
    }


def test_edits_and_deletes_reach_the_index(
    supervisor: User, agent: User, articles: dict[str, Article]
) -> None:
    services.article_save(
        by=supervisor,
        title="Size exchange",
        body="Swap for a bigger size",
        article=articles["size"],
    )
    assert search(agent, "bigger") == {"Size exchange"}
    assert search(agent, "label") == set()
    services.article_delete(by=supervisor, article=articles["lost"])
    assert search(agent, "carrier") == set()


def test_suggestions_follow_the_issue_type_in_the_tickets_language_first(
    team: Team, agent: User, articles: dict[str, Article]
) -> None:
    ticket = ticket_for(team, language="zh")  # category not_received
    found = selectors.articles_suggested(user=agent, ticket=ticket)
    assert [a.title for a in found] == [articles["zh"].title, articles["lost"].title]
    ticket.category = ""
    assert selectors.articles_suggested(user=agent, ticket=ticket) == []


def test_only_managers_write_articles(agent: User, supervisor: User) -> None:
    with pytest.raises(PermissionDenied):
        services.article_save(by=agent, title="x", body="y")
    with pytest.raises(ValidationError, match="unknown issue type"):
        services.article_save(by=supervisor, title="x", body="y", issue_types=["nope"])
