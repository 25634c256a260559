"""Reads of tickets. Every read that returns a ticket to a person authorises it here."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from afterdesk.accounts.models import Role, Team, User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError
from afterdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from afterdesk.tickets.queue import NEVER, queue_order, running_due, sla_due_before_q
from afterdesk.tickets.search import SearchResults, search_results, search_tickets

INBOX_PAGE_SIZE = 50


def ticket_visible_q(user: User) -> Q:
    """Admins and supervisors see every ticket; others see their teams' and their own."""
    if user.sees_all_tickets:
        return Q()
    return Q(team__in=user.teams.all()) | Q(assignee=user)


def tickets_for_user(*, user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_visible_q(user))


def ticket_get_for_user(*, user: User, ticket_id: int) -> Ticket:
    """The ticket if it exists and the user may see it; otherwise NotFound (a ticket of
    another team is not revealed to exist). With its assignee and team, what an action's
    answer shows (the ticket page reads `ticket_detail`)."""
    ticket = (
        tickets_for_user(user=user).select_related("assignee", "team").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


@dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    assignee: str | None = None  # a username, "me" or "none"
    team: str | None = None  # a team name
    channel: str | None = None
    platform: str | None = None
    language: str | None = None
    category: str | None = None
    priority: str | None = None
    tag: str | None = None
    text: str | None = None
    # The work queue's views (tickets.queue, docs/ui.md "The inbox as a work queue").
    store: int | None = None
    my_teams: bool = False  # only the teams the user is in
    due_before: datetime | None = None  # an SLA deadline at or before this instant
    sort: str = "updated"  # one of tickets.queue.SORTS


def _statuses(filters: InboxFilters) -> list[str]:
    return sorted({s for s in (filters.status or "").split(",") if s})


def _inbox_filtered(*, user: User, filters: InboxFilters) -> QuerySet[Ticket]:
    """Tickets the user may see, with every filter but the status."""
    queryset = tickets_for_user(user=user)
    if not user.sees_all_tickets:
        # Where the view's own condition already keeps only tickets the user may see, the
        # visibility test (team in theirs OR assigned to them) is left out: the database then
        # reads the view from its index instead of testing the OR on every ticket of the team
        # (docs/benchmarks.md, "Inbox and ticket pages"). Unassigned: only the teams' part of
        # the OR can hold.
        if filters.assignee == "me" or filters.my_teams:
            queryset = Ticket.objects.all()  # assignee = them, or team in theirs, below
        elif filters.assignee == "none":
            queryset = Ticket.objects.filter(team__in=user.teams.all())
    if filters.assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee:
        queryset = queryset.filter(assignee__username=filters.assignee)
    if filters.team:
        queryset = queryset.filter(team__name=filters.team)
    for field in ("channel", "platform", "language", "category", "priority"):
        value = getattr(filters, field)
        if value:
            queryset = queryset.filter(**{field: value})
    if filters.tag:
        queryset = queryset.filter(tags__name=filters.tag.lower())
    if filters.store:
        queryset = queryset.filter(store_id=filters.store)
    if filters.my_teams:
        queryset = queryset.filter(team__in=user.teams.all())
    if filters.due_before:
        queryset = queryset.filter(sla_due_before_q(filters.due_before))
    # The SLA row (written by the sla app, above this one) comes along by its relation's name.
    queryset = queryset.select_related("assignee", "team", "store", "customer", "sla")
    if filters.text:
        # Best match first (tickets.search), not newest update.
        return search_tickets(queryset, filters.text)
    return queue_order(queryset, filters.sort)


def inbox_queryset(*, user: User, filters: InboxFilters) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered, newest update first."""
    queryset = _inbox_filtered(user=user, filters=filters)
    statuses = _statuses(filters)
    return queryset.filter(status__in=statuses) if statuses else queryset


class StatusMergedTickets:
    """The inbox with several statuses, as a sliceable sequence with `count()` (what
    `Paginator` and the API's `paginate` take).

    `status IN (…)` with the newest first makes a database (SQLite at least) collect every
    ticket of those statuses and sort them; one query per status walks the status index in
    order and stops after the page. A slice takes the first `stop` keys (updated_at, id) of
    each status, merges them in order, then loads only that page's tickets.
    """

    def __init__(self, queryset: QuerySet[Ticket], statuses: list[str]) -> None:
        self.queryset = queryset  # filtered and ordered, no status condition
        self.statuses = statuses

    def count(self, limit: int | None = None) -> int:
        """How many tickets; with `limit`, at most that many (counted no further)."""
        matching = self.queryset.filter(status__in=self.statuses)
        if limit is not None:
            return matching.order_by()[:limit].count()
        return matching.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Ticket]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("StatusMergedTickets takes a slice without a step")
        start, stop = index.start or 0, index.stop
        if stop is None:
            raise TypeError("StatusMergedTickets needs the end of the slice")
        heads = [
            list(self.queryset.filter(status=status).values_list("updated_at", "pk")[:stop])
            for status in self.statuses
        ]
        keys = itertools.islice(heapq.merge(*heads, reverse=True), start, stop)
        page = [pk for _updated_at, pk in keys]
        loaded = {ticket.pk: ticket for ticket in self.queryset.filter(pk__in=page)}
        return [loaded[pk] for pk in page]


class DueOrderedTickets:
    """The inbox sorted by SLA deadline (`queue_order(…, "due")`: the earliest running deadline
    first, then the tickets without one, newest update first), as a sliceable sequence with
    `count()`, read in two parts: the tickets with a running deadline, then the others. The
    same tickets in the same order as the one query, which sorted every ticket of the view by
    a deadline computed for each (seconds at 1M tickets).

    The running part is first probed without an order (the view's running tickets, at most
    one more than the page needs): when the view has no more than that (a view of pending
    tickets, whose clocks are paused, has none), they are ordered alone; otherwise the SLA
    row's index `sla_running_due` is walked in order, which stops after the page. Walking it
    for a view with few running tickets would read the whole index to find them. The rest is
    newest first, the inbox's own order, which its index walks from the live tickets on."""

    def __init__(self, queryset: QuerySet[Ticket], *, only_running: bool = False) -> None:
        """`only_running`: the filters keep only tickets with a running deadline (an SLA
        deadline before some instant: "breaching soon"), so there is no rest, and the capped
        count walks the deadline index too: counting the view's tickets any other way reads
        every unsolved ticket the agent may see (the OR of their teams and their own)."""
        due = running_due()
        self.only_running = only_running
        self.queryset = queryset  # filtered, not ordered
        running = Q(sla__paused=False) & Q(sla_due__lt=NEVER)
        self.running = (
            queryset.alias(sla_due=due).filter(running).order_by("sla_due", "-updated_at", "-id")
        )
        self.rest = (
            queryset.alias(sla_due=due)
            .exclude(pk__in=queryset.alias(sla_due=due).filter(running).values("pk"))
            .order_by("-updated_at", "-id")
        )

    def count(self, limit: int | None = None) -> int:
        if limit is not None:
            if self.only_running:
                return self.running.order_by()[:limit].count()
            return self.queryset.order_by()[:limit].count()
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Ticket]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("DueOrderedTickets takes a slice without a step")
        start, stop = index.start or 0, index.stop
        if stop is None:
            raise TypeError("DueOrderedTickets needs the end of the slice")
        probe = list(self.running.order_by().values_list("pk", flat=True)[: stop + 1])
        if len(probe) > stop:  # more running tickets than this page reaches: walk in order
            return list(self.running[start:stop])
        # Every running ticket of the view is known: order those, then the rest follows.
        first: list[Ticket] = []
        if start < len(probe):
            first = list(self.running.filter(pk__in=probe)[start:stop])
        if len(first) == stop - start or self.only_running:
            return first
        ended = len(probe)
        return first + list(self.rest[max(start - ended, 0) : stop - ended])


def inbox_tickets(
    *, user: User, filters: InboxFilters
) -> QuerySet[Ticket] | StatusMergedTickets | DueOrderedTickets | SearchResults:
    """The inbox as the page and the API read it: tickets with their tags, newest update
    first, one page at a time."""
    statuses = _statuses(filters)
    if filters.text:
        # A search ranks its tickets (tickets.search): no merge by update order.
        plain = replace(filters, text=None)
        tickets = inbox_queryset(user=user, filters=plain).prefetch_related("tags")
        return search_results(tickets, filters.text)
    if len(statuses) > 1 and filters.sort == "updated":
        queryset = _inbox_filtered(user=user, filters=filters).prefetch_related("tags")
        return StatusMergedTickets(queryset, statuses)
    if filters.sort == "due":
        unordered = inbox_queryset(user=user, filters=filters).order_by()
        return DueOrderedTickets(
            unordered.prefetch_related("tags"), only_running=filters.due_before is not None
        )
    return inbox_queryset(user=user, filters=filters).prefetch_related("tags")


def ticket_detail(*, user: User, ticket_id: int) -> Ticket:
    """A ticket with its messages (attachments, authors) and events, for the ticket page/API;
    authorised as `ticket_get_for_user` in the same query. A fixed number of queries, whatever
    the number of messages, events, tags and orders (tests/tickets/test_query_counts.py)."""
    ticket = (
        tickets_for_user(user=user)
        .filter(pk=ticket_id)
        .select_related("assignee", "team", "store", "customer__store", "calendar")
        .prefetch_related(*_detail_prefetches())
        .first()
    )
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


def _detail_prefetches() -> tuple[str | Prefetch[Any], ...]:
    return (
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author").prefetch_related("attachments"),
        ),
        Prefetch(
            "events", queryset=TicketEvent.objects.select_related("agent").order_by("at", "id")
        ),
        "tags",
        "customer__identities",
        # Each order's store and its platform side (payment and fulfilment status, admin link:
        # a one-to-one row of the stores app) are joined into the orders' query.
        Prefetch("orders", queryset=Order.objects.select_related("store", "platform_link")),
        "orders__lines",
        "orders__shipments__events",
    )


BUYER_OTHER_ORDERS = 5


def buyer_other_orders(ticket: Ticket) -> list[Order]:
    """The buyer's latest orders the ticket is not linked to (a buyer who writes about "my
    order" without its number), with their store and platform side; one query. For a ticket
    from `ticket_detail` (its orders prefetched)."""
    if ticket.customer_id is None:
        return []
    linked = [order.pk for order in ticket.orders.all()]
    return list(
        Order.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk__in=linked)
        .select_related("store", "platform_link")
        .order_by("-placed_at", "-id")[:BUYER_OTHER_ORDERS]
    )


def ticket_detail_of_new(*, ticket: Ticket) -> Ticket:
    """The detail `ticket_detail` gives, of a ticket its caller has just opened
    (`services.ticket_open`): the messages, events and tags its writer left on it are not
    read back; what it did not (a customer's identities, the orders' lines and shipments) is.
    Not authorised again: whoever opens a ticket may see it (`ticket_team_for_new`)."""
    prefetch_related_objects([ticket], *_detail_prefetches())
    return ticket


# The inbox counts its tickets up to this many, then says "1,000+ tickets": counting every
# ticket of a view costs a scan of all of them (150–500 ms for a team's or a tag's tickets at
# 1M tickets; docs/benchmarks.md, "Inbox and ticket pages"), counting a thousand does not.
INBOX_COUNT_CAP = 1000


class InboxPage(Page):
    more = False  # a capped list: whether a ticket follows this page

    def has_next(self) -> bool:
        if getattr(self.paginator, "capped", False):
            return self.more
        return super().has_next()


class InboxPaginator(Paginator):
    """Pages of the inbox whose count stops at INBOX_COUNT_CAP + 1. Beyond that (`capped`) the
    pages go on as far as there are tickets, each read with one ticket more to know whether
    another page follows; the total number of pages is not known."""

    cap = INBOX_COUNT_CAP

    @cached_property
    def count(self) -> int:
        tickets = self.object_list
        if isinstance(tickets, QuerySet):
            return tickets.order_by()[: self.cap + 1].count()
        if isinstance(tickets, StatusMergedTickets | DueOrderedTickets):
            return tickets.count(limit=self.cap + 1)
        return int(cast(Any, tickets).count())  # a search: at most its best 1,000 already

    @property
    def capped(self) -> bool:
        return not isinstance(self.object_list, SearchResults) and self.count > self.cap

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(str(error)) from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number: Any) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        page = InboxPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def get_page(self, number: Any) -> Page:
        """Any number gives a page: not a number → the first; past the end of a capped list →
        the page holding its last counted ticket."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(self.num_pages)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return InboxPage(*args, **kwargs)


def inbox_page(*, user: User, filters: InboxFilters, page_number: str | int | None) -> Page[Ticket]:
    """One page of the inbox (50 tickets) with their tags; out-of-range numbers clamp (past
    the end of a capped list: to the page after the 1,000th ticket)."""
    tickets = inbox_tickets(user=user, filters=filters)
    # Paginator only counts and slices; StatusMergedTickets is not iterable as a whole.
    return InboxPaginator(tickets, INBOX_PAGE_SIZE).get_page(page_number)  # type: ignore[arg-type]


def assignable_agents() -> QuerySet[User]:
    """People a ticket can be given to (QA reviewers take no tickets)."""
    return User.objects.filter(is_active=True).exclude(role=Role.QA_REVIEWER).order_by("username")


def teams_all() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def attachment_get_for_user(*, user: User, token: str) -> Attachment:
    """The attachment if the user may see its ticket; otherwise NotFound."""
    attachment = (
        Attachment.objects.select_related("message").filter(token=token).first() if token else None
    )
    if attachment is None:
        raise NotFound("attachment not found")
    ticket_get_for_user(user=user, ticket_id=attachment.message.ticket_id)
    return attachment


def ticket_team_for_new(*, user: User, team: Team | None) -> Team | None:
    """The team a ticket opened by `user` lands in. Supervisors and admins open tickets for
    any team (or none); others only for their own teams, so that they can see what they opened,
    and with no team given the ticket goes to their first team."""
    if user.sees_all_tickets:
        return team
    own = list(user.teams.order_by("name"))
    if team is None:
        if not own:
            raise ValidationError("choose a team for the ticket", field="team")
        return own[0]
    if team not in own:
        raise PermissionDenied("you can open tickets only for your own teams", field="team")
    return team
