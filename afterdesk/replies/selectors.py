"""Reads of the replies app, each behind the access rule (`access`): the lists of the pages
and the API (a fixed number of queries, whatever their length), the macro picker's search,
the knowledge base's search and its suggestions for a ticket."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound
from afterdesk.replies import access
from afterdesk.replies.models import Article, ArticleTopic, Macro, ReplyTemplate, ReturnAddress
from afterdesk.replies.search import articles_matching
from afterdesk.tickets.models import Ticket

LIST_LIMIT = 200
PICKER_LIMIT = 30
SUGGESTIONS_LIMIT = 5


def templates_list(*, user: User, query: str = "") -> list[ReplyTemplate]:
    rows = ReplyTemplate.objects.prefetch_related("variants")
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(key__icontains=query))
    return list(rows[:LIST_LIMIT])


def template_get(*, user: User, template_id: int) -> ReplyTemplate:
    template = ReplyTemplate.objects.prefetch_related("variants").filter(pk=template_id).first()
    if template is None:
        raise NotFound("no such template")
    return template


def _macros(user: User) -> QuerySet[Macro]:
    return (
        Macro.objects.filter(access.macros_visible(user))
        .select_related("template", "assign_agent", "assign_team", "owner")
        .prefetch_related("template__variants")
    )


def macros_list(*, user: User, query: str = "", limit: int = LIST_LIMIT) -> list[Macro]:
    """The shared macros and the user's own; `query` searches names and template names. The
    most used first in the picker's order (`limit` < LIST_LIMIT), by name otherwise."""
    rows = _macros(user)
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(template__name__icontains=query))
    if limit < LIST_LIMIT:
        rows = rows.order_by("-usage_count", "name", "id")
    return list(rows[:limit])


def macro_get(*, user: User, macro_id: int) -> Macro:
    """A macro `user` may see; someone else's personal macro is a 404."""
    macro = _macros(user).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound("no such macro")
    return macro


def _articles() -> QuerySet[Article]:
    return Article.objects.prefetch_related(
        Prefetch("topics", queryset=ArticleTopic.objects.order_by("issue_type"))
    )


def articles_search(
    *, user: User, query: str = "", issue_type: str = "", limit: int = LIST_LIMIT
) -> list[Article]:
    """Every word of `query` in the title, tags or text (docs/replies.md, "Knowledge base"),
    optionally only the articles for one issue type."""
    rows = _articles()
    if issue_type:
        rows = rows.filter(topics__issue_type=issue_type)
    return articles_matching(rows, query)[:limit]


def article_get(*, user: User, article_id: int) -> Article:
    article = _articles().filter(pk=article_id).first()
    if article is None:
        raise NotFound("no such article")
    return article


def articles_suggested(*, user: User, ticket: Ticket) -> list[Article]:
    """The articles for the ticket's issue type (its category, set by triage), those in the
    ticket's language first."""
    if not ticket.category:
        return []
    rows = list(_articles().filter(topics__issue_type=ticket.category))
    language = ticket.language.lower().split("-")[0]
    rows.sort(key=lambda a: (a.language.lower().split("-")[0] != language, a.title, a.pk))
    return rows[:SUGGESTIONS_LIMIT]


def return_addresses_list(*, user: User) -> list[ReturnAddress]:
    access.shared_manage_require(user)
    return list(ReturnAddress.objects.select_related("store").order_by("store__name", "id"))
