"""The inbox as a work queue (docs/ui.md, "The inbox as a work queue"): the named views, the
orders, and the facts each listed row shows (SLA countdown, how long the buyer has waited, the
triage's risk).

The SLA deadlines live in the sla app's `TicketSla` row, one per ticket, which that app (above
this one in the layers) writes; the desk reads it through the relation's name (`sla__…`,
`ticket.sla`) without importing the sla app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from afterdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

UNSOLVED = ",".join([Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD])
# The statuses in which the next move is the desk's: "next ticket" picks among these.
NEEDS_US = (Status.NEW.value, Status.OPEN.value)
# "Breaching soon": an SLA deadline within this time, or already passed.
BREACHING_WITHIN = timedelta(hours=2)
# A buyer waiting longer than this for an answer: the row is flagged stale.
STALE_AFTER = timedelta(hours=24)
SLA_DUE_FIELDS = ("first_reply_due", "next_reply_due", "periodic_update_due", "resolution_due")
# Stands for "no deadline" so that one comparison works on SQLite and PostgreSQL alike
# (SQLite's MIN() is NULL as soon as one argument is, PostgreSQL's LEAST skips NULLs).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class QueueView:
    label: Any  # a lazy translation
    filters: dict[str, Any]  # InboxFilters fields; the explicit filters of the URL win


VIEWS: dict[str, QueueView] = {
    "mine": QueueView(_("Mine, unsolved"), {"assignee": "me", "status": UNSOLVED}),
    "unassigned": QueueView(_("Unassigned"), {"assignee": "none", "status": UNSOLVED}),
    "team": QueueView(_("My teams"), {"my_teams": True, "status": UNSOLVED}),
    "breaching": QueueView(_("Breaching soon"), {"status": UNSOLVED, "sort": "due"}),
    "waiting": QueueView(_("Waiting on buyer"), {"status": Status.PENDING.value}),
    "all": QueueView(_("All tickets"), {}),
}

SORTS: dict[str, Any] = {
    "updated": _("Last update"),
    "due": _("SLA deadline"),
    "waiting": _("Waiting longest"),
}


def default_view(*, sees_all_tickets: bool) -> str:
    """Agents start on their own unsolved tickets; supervisors and admins on every ticket."""
    return "all" if sees_all_tickets else "mine"


def view_filters(view: str, *, now: datetime) -> dict[str, Any]:
    filters = dict(VIEWS[view].filters)
    if view == "breaching":
        filters["due_before"] = now + BREACHING_WITHIN
    return filters


def running_due(prefix: str = "sla__") -> Least:
    """The earliest of the SLA row's deadlines, NEVER for none; `prefix` "" on the SLA row
    itself. The SLA row's index `sla_running_due` is on exactly this expression (with
    `prefix=""`), over the rows that are not paused."""
    return Least(*[Coalesce(F(f"{prefix}{name}"), Value(NEVER)) for name in SLA_DUE_FIELDS])


def queue_sla_due() -> Case:
    """The ticket's earliest running SLA deadline, NEVER without one (no SLA row, no running
    clock, or paused clocks)."""
    dues = [Coalesce(F(f"sla__{name}"), Value(NEVER)) for name in SLA_DUE_FIELDS]
    return Case(
        When(sla__paused=True, then=Value(NEVER)),
        default=Least(*dues),
        output_field=DateTimeField(),
    )


def sla_due_before_q(instant: datetime) -> Q:
    """Tickets whose earliest running SLA deadline is at or before `instant`: the same tickets
    as `queue_sla_due() <= instant`, written as conditions on the SLA row's columns, which the
    database answers from its rows without computing the earliest deadline of every ticket
    (a paused row or a missing one has no running deadline)."""
    due = Q()
    for name in SLA_DUE_FIELDS:
        due |= Q(**{f"sla__{name}__lte": instant})
    return Q(sla__paused=False) & due


def queue_order(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """The list in the chosen order: by SLA deadline (ties and the tickets without one newest
    update first), by the buyer's last message (ties to the ticket that has waited longer),
    or newest update first."""
    if sort == "due":
        # Without a running deadline (NEVER): newest update first, the inbox's own order.
        return queryset.alias(sla_due=queue_sla_due()).order_by("sla_due", "-updated_at", "-id")
    if sort == "waiting":
        # The buyer's last message (kept on the ticket by the ticket services), oldest first;
        # tickets without one come last. The index `inbox_buyer_waiting` is in this order.
        return queryset.order_by(F("buyer_message_at").asc(nulls_last=True), "updated_at", "id")
    return queryset.order_by("-updated_at", "-id")


def sla_due_of(ticket: Ticket) -> datetime | None:
    """The earliest running deadline from the ticket's SLA row (selected with it)."""
    sla = getattr(ticket, "sla", None)  # no row: RelatedObjectDoesNotExist, an AttributeError
    if sla is None or sla.paused:
        return None
    dues = [due for name in SLA_DUE_FIELDS if (due := getattr(sla, name)) is not None]
    return min(dues) if dues else None


def queue_rows_annotate(tickets: Sequence[Ticket], *, now: datetime) -> None:
    """Set `queue_due`, `queue_waiting_since`, `queue_stale` and `queue_risk` on the listed
    tickets: two queries whatever the number of rows (the page's 50 at most)."""
    ids = [ticket.pk for ticket in tickets]
    last: dict[tuple[int, str], datetime] = {}
    if ids:
        rows = (
            Message.objects.filter(
                ticket_id__in=ids, kind__in=[MessageKind.INBOUND, MessageKind.REPLY]
            )
            .values("ticket_id", "kind")
            .annotate(last=Max("created_at"))
            .order_by()
        )
        last = {(row["ticket_id"], row["kind"]): row["last"] for row in rows}
    risks: dict[int, float | None] = {}
    if ids:
        triage = TicketEvent.objects.filter(ticket_id__in=ids, kind="triage").order_by(
            "ticket_id", "at", "id"
        )
        risks = dict(triage.values_list("ticket_id", "score"))  # the latest one wins
    for ticket in tickets:
        inbound = last.get((ticket.pk, MessageKind.INBOUND))
        reply = last.get((ticket.pk, MessageKind.REPLY))
        waiting = ticket.status in NEEDS_US and inbound and (reply is None or reply < inbound)
        ticket.queue_waiting_since = inbound if waiting else None  # type: ignore[attr-defined]
        ticket.queue_stale = bool(waiting and inbound and now - inbound > STALE_AFTER)  # type: ignore[attr-defined]
        ticket.queue_due = sla_due_of(ticket)  # type: ignore[attr-defined]
        risk = risks.get(ticket.pk)
        ticket.queue_risk = int(risk) if risk else 0  # type: ignore[attr-defined]
