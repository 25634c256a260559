"""Ticket actions (create, reply, note, assign, status, escalate, ratings...): each one
transaction that writes its TicketEvents as one `ticket_change` (docs/architecture.md, "The
event log"): the ticket and its log read once, the events written together, the log's
consumers (the metric facts) told once at the end."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import nh3
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from afterdesk.accounts.models import Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.tickets.consumers import reply_checking, reply_written, tickets_opened
from afterdesk.tickets.events import (
    RETURN_OUTCOMES,
)
from afterdesk.tickets.models import (
    MESSAGE_BODY_MAX_CHARS,
    SOLVED_STATUSES,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from afterdesk.tickets.services.attachments import (
    AttachmentIn,
    attachments_save,
    attachments_validate,
)
from afterdesk.tickets.services.changes import (
    TicketChange,
    forget_related,
    remember_related,
    rows_insert,
    ticket_change,
)
from afterdesk.tickets.services.notices import (
    escalation_notify,
    escalation_target_check,
    note_mentions_notify,
)
from afterdesk.tickets.services.triage import triage_apply, triage_fields
from afterdesk.tickets.transitions import status_transition_check


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    channel: str,
    body: str = "",
    body_html: str = "",
    by: User | None = None,
    customer: Customer | None = None,
    store: Store | None = None,
    platform: str = "",
    market: str = "",
    language: str = "",
    category: str = "",
    priority: str = Priority.NORMAL,
    calendar: Calendar | None = None,
    order_value: Decimal | None = None,
    currency: str = "",
    orders: Sequence[Order] = (),
    tags: Sequence[str] = (),
    external_id: str | None = None,
    external_message_id: str = "",
    at: datetime | None = None,
    triage: dict[str, Any] | None = None,
) -> Ticket:
    """Open a ticket; with a body, its first message is the customer's inbound message.
    `triage`: the automatic triage of that message (`ticket_triage_record`'s arguments),
    written as its `triage` event in the same change (no statement more than the message's)."""
    triage_checked = triage_fields(**triage, by=None) if triage is not None else None
    ticket = _ticket_insert(
        subject=subject,
        channel=channel,
        customer=customer,
        store=store,
        platform=platform,
        market=market,
        language=language,
        category=category,
        priority=priority,
        calendar=calendar,
        order_value=order_value,
        currency=currency,
        external_id=external_id,
        at=at,
    )
    with ticket_change(ticket, new=True) as change:
        _ticket_fill(
            change,
            external_id=external_id,
            orders=orders,
            tags=tags,
            body=body,
            body_html=body_html,
            external_message_id=external_message_id,
        )
        if triage_checked is not None:
            triage_apply(change, fields=triage_checked, by=None, at=ticket.created_at)
        # Inside the change: the routing decision joins it, so the log's consumers (facts,
        # SLA) are told once for the message, the triage and the assignment.
        risk = triage_checked["risk"] if triage_checked is not None else 0
        tickets_opened.notify(tickets=[change.ticket], risks={ticket.pk: risk})
    return ticket


def _ticket_insert(
    *,
    subject: str,
    channel: str,
    customer: Customer | None,
    store: Store | None,
    platform: str,
    market: str,
    language: str,
    category: str,
    priority: str,
    calendar: Calendar | None,
    order_value: Decimal | None,
    currency: str,
    external_id: str | None,
    at: datetime | None,
) -> Ticket:
    ticket = ticket_new(**locals())
    rows_insert([ticket])
    return ticket


def ticket_new(
    *,
    subject: str,
    channel: str,
    customer: Customer | None,
    store: Store | None,
    platform: str,
    market: str,
    language: str,
    category: str,
    priority: str,
    calendar: Calendar | None,
    order_value: Decimal | None,
    currency: str,
    external_id: str | None,
    at: datetime | None,
) -> Ticket:
    """A new ticket's object, checked, not yet stored (`_ticket_insert`, the batches)."""
    if priority not in Priority.values:
        raise ValidationError(f"unknown priority {priority!r}", field="priority")
    if not channel:
        raise ValidationError("channel is required", field="channel")
    at = at or timezone.now()
    ticket = Ticket(
        external_id=external_id or f"pending-{uuid.uuid4().hex}",
        subject=subject,
        channel=channel,
        platform=platform or (store.platform if store else ""),
        store=store,
        market=market or (store.market if store else ""),
        language=language,
        category=category,
        priority=priority,
        customer=customer,
        calendar=calendar,
        order_value=order_value,
        currency=currency,
        created_at=at,
        updated_at=at,
    )
    return ticket


def _ticket_fill(
    change: TicketChange,
    *,
    external_id: str | None,
    orders: Sequence[Order],
    tags: Sequence[str],
    body: str,
    body_html: str,
    external_message_id: str,
) -> None:
    """What a new ticket has besides its row: its number, orders, tags and first message."""
    ticket = change.ticket
    if external_id is None:
        # The number is the primary key; the history id of an app-made ticket derives from it.
        ticket.external_id = f"AD-{ticket.pk}"
        change.save_ticket("external_id")
    if orders:
        ticket.orders.add(*orders)
    else:
        remember_related(ticket, "orders", [])
    if tags:
        ticket_set_tags(ticket=ticket, tags=tags)
    else:
        remember_related(ticket, "tags", [])
    if body or body_html:
        change.record(
            kind="message",
            fields={"kind": MessageKind.INBOUND},
            at=ticket.created_at,
            body=body or nh3.clean(body_html, tags=set()),
            body_html=body_html,
            external_message_id=external_message_id,
        )


@transaction.atomic
def ticket_open(
    *,
    by: User,
    subject: str,
    channel: str,
    body: str = "",
    store: Store | None = None,
    customer: Customer | None = None,
    orders: Sequence[Order] = (),
    priority: str = Priority.NORMAL,
    category: str = "",
    language: str = "",
    tags: Sequence[str] = (),
    team: Team | None = None,
    assignee: User | None = None,
) -> Ticket:
    """A ticket opened by a person (API, phone call): created and, with a team or an
    assignee, assigned in the same transaction (so its log starts with both events, and the
    facts are computed once, for both)."""
    ticket = _ticket_insert(
        subject=subject,
        channel=channel,
        customer=customer,
        store=store,
        platform="",
        market="",
        language=language,
        category=category,
        priority=priority,
        calendar=None,
        order_value=None,
        currency="",
        external_id=None,
        at=None,
    )
    _assignable(assignee)
    with ticket_change(ticket, new=True) as change:
        _ticket_fill(
            change,
            external_id=None,
            orders=orders,
            tags=tags,
            body=body,
            body_html="",
            external_message_id="",
        )
        if team is not None or assignee is not None:
            _assign(change, agent=assignee, team=team, at=None)
    return ticket


def ticket_set_tags(*, ticket: Ticket, tags: Sequence[str]) -> None:
    clean = sorted({tag.strip().lower()[:50] for tag in tags if tag.strip()})
    chosen = [Tag.objects.get_or_create(name=name)[0] for name in clean]
    ticket.tags.set(chosen)
    remember_related(ticket, "tags", chosen)  # in Tag's order (by name)


@transaction.atomic
def message_ingest(
    *,
    ticket: Ticket,
    body: str,
    body_html: str = "",
    external_message_id: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    """A customer writes again. A solved or closed ticket is reopened by the customer."""
    with ticket_change(ticket) as change:
        return message_ingest_record(
            change, body=body, body_html=body_html, external_message_id=external_message_id, at=at
        )


def message_ingest_record(
    change: TicketChange,
    *,
    body: str,
    body_html: str = "",
    external_message_id: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    """`message_ingest`'s events, recorded into an open change of the ticket (also the
    batches' of `tickets.services.batch`)."""
    at = at or timezone.now()
    event = change.record(
        kind="message",
        fields={"kind": MessageKind.INBOUND},
        at=at,
        body=body,
        body_html=body_html,
        external_message_id=external_message_id,
    )
    if change.ticket.status in SOLVED_STATUSES or change.ticket.status == Status.PENDING:
        change.record(kind="status", fields={"status": Status.OPEN}, at=at)
    return event


@transaction.atomic
def message_reply(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    status: str | None = None,
    attachments: Sequence[UploadedFile | AttachmentIn] = (),
    at: datetime | None = None,
) -> TicketEvent:
    """A public reply by an agent; `status` optionally sets the status in the same click,
    written after the reply ("reply and solve", docs/history.md, "Event order")."""
    if not body.strip():
        raise ValidationError(_("the reply is empty"), field="body")
    _body_length_check(body)
    if status is not None:
        status_transition_check(current=ticket.status, target=status, reply=True)
    checked = attachments_validate(attachments)
    # The apps above may refuse the reply (a marketplace relay's rules) before it is stored.
    reply_checking.notify(ticket=ticket, body=body, attachments=checked)
    with ticket_change(ticket) as change:
        if change.ticket.status == Status.CLOSED:
            raise Conflict(_("the ticket is closed; a closed ticket takes no more replies"))
        at = at or timezone.now()
        event = change.record(
            kind="message",
            fields={"kind": MessageKind.REPLY, "agent": by.username},
            agent=by,
            at=at,
            body=body,
        )
        current = change.ticket.status
        target = status or (Status.OPEN if current == Status.NEW else None)
        if target and target != current:
            change.record(
                kind="status",
                fields={"status": target, "agent": by.username},
                agent=by,
                at=at,
            )
    _attachments_add(event, checked)
    reply_written.notify(ticket=change.ticket, event=event)
    return event


def _body_length_check(body: str) -> None:
    if len(body) > MESSAGE_BODY_MAX_CHARS:
        raise ValidationError(
            _("the text is %(length)s characters; the limit is %(limit)s")
            % {"length": len(body), "limit": MESSAGE_BODY_MAX_CHARS},
            field="body",
        )


def _attachments_add(event: TicketEvent, attachments: Sequence[AttachmentIn]) -> None:
    """Save the files with the message just written, which then shows them."""
    if attachments:
        attachments_save(message=event.message, files=attachments)
        forget_related(event.message, "attachments")


@transaction.atomic
def note_add(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    attachments: Sequence[UploadedFile | AttachmentIn] = (),
    at: datetime | None = None,
) -> TicketEvent:
    """An internal note: never shown to the buyer, never counted as a reply. The colleagues
    it @mentions who may see the ticket are notified (docs/notifications.md, "Mentions")."""
    if not body.strip():
        raise ValidationError(_("the note is empty"), field="body")
    _body_length_check(body)
    checked = attachments_validate(attachments)
    with ticket_change(ticket) as change:
        event = change.record(
            kind="message",
            fields={"kind": MessageKind.NOTE, "agent": by.username},
            agent=by,
            at=at,
            body=body,
        )
    _attachments_add(event, checked)
    note_mentions_notify(ticket=change.ticket, event=event, by=by, body=body)
    return event


def _assignable(agent: User | None) -> None:
    if agent is not None and (not agent.is_active or agent.role == Role.QA_REVIEWER):
        raise ValidationError(
            _("%(agent)s cannot be assigned tickets") % {"agent": agent.username}, field="agent"
        )


def _assign(
    change: TicketChange, *, agent: User | None, team: Team | None, at: datetime | None
) -> TicketEvent | None:
    ticket = change.ticket
    same_agent = ticket.assignee_id == (agent.pk if agent else None)
    if same_agent and (team is None or team.pk == ticket.team_id):
        return None
    fields: dict[str, Any] = {"agent": agent.username if agent else None}
    if team is not None:
        fields["team"] = team.name
    return change.record(kind="assign", fields=fields, agent=agent, at=at, team=team)


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    by: User,
    agent: User | None,
    team: Team | None = None,
    at: datetime | None = None,
) -> TicketEvent | None:
    """Give the ticket to an agent (None unassigns), optionally moving it to a team."""
    _assignable(agent)
    with ticket_change(ticket) as change:
        return _assign(change, agent=agent, team=team, at=at)


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, by: User | None, status: str, at: datetime | None = None
) -> TicketEvent | None:
    """Change the status; repeating the current status writes nothing (docs/metrics.md,
    "Per-ticket facts")."""
    with ticket_change(ticket) as change:
        status_transition_check(current=change.ticket.status, target=status)
        if status == change.ticket.status:
            return None
        fields: dict[str, Any] = {"status": status}
        if by is not None:
            fields["agent"] = by.username
        return change.record(kind="status", fields=fields, agent=by, at=at)


@transaction.atomic
def ticket_escalate(
    *,
    ticket: Ticket,
    by: User,
    to: str = "",
    reason: str = "",
    to_user: User | None = None,
    to_team: Team | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """An `escalate` event. Escalated to a person (`to_user`, who must be able to see the
    ticket) or a team (`to_team`), `to` is their username or name and they are notified
    (docs/notifications.md, "Escalations"); a free-text `to` notifies nobody."""
    if to_user is not None and to_team is not None:
        raise ValidationError(_("escalate to a person or to a team, not both"), field="to")
    if to_user is not None:
        escalation_target_check(ticket=ticket, person=to_user)
        to = to_user.username
    elif to_team is not None:
        to = to_team.name
    fields: dict[str, Any] = {"agent": by.username}
    if to:
        fields["to"] = to
    if reason:
        fields["reason"] = reason
    with ticket_change(ticket) as change:
        event = change.record(kind="escalate", fields=fields, agent=by, at=at)
    escalation_notify(
        ticket=change.ticket, event=event, by=by, reason=reason, person=to_user, team=to_team
    )
    return event


@transaction.atomic
def complaint_record(
    *, ticket: Ticket, against: User, body: str = "", at: datetime | None = None
) -> TicketEvent:
    fields: dict[str, Any] = {"agent": against.username}
    if body:
        fields["body"] = body
    with ticket_change(ticket, lock=False) as change:
        return change.record(kind="complaint", fields=fields, agent=against, at=at)


@transaction.atomic
def csat_record(
    *, ticket: Ticket, rating: int, comment: str = "", at: datetime | None = None
) -> TicketEvent:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(_("rating must be an integer from 1 to 5"), field="rating")
    fields: dict[str, Any] = {"rating": rating}
    if comment:
        fields["comment"] = comment
    with ticket_change(ticket) as change:
        return change.record(kind="csat", fields=fields, at=at)


@transaction.atomic
def return_record(
    *,
    ticket: Ticket,
    outcome: str,
    amount: Decimal | None = None,
    currency: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    if outcome not in RETURN_OUTCOMES:
        raise ValidationError(f"unknown return outcome {outcome!r}", field="outcome")
    fields: dict[str, Any] = {"outcome": outcome}
    if amount is not None:
        fields["amount"] = float(amount)
    if currency:
        fields["currency"] = currency
    with ticket_change(ticket, lock=False) as change:
        return change.record(kind="return", fields=fields, at=at)


@transaction.atomic
def qa_review_record(
    *,
    ticket: Ticket,
    agent: User,
    score: float,
    reviewer: User | None = None,
    rubric: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    if not 0 <= score <= 100:
        raise ValidationError(_("score must be between 0 and 100"), field="score")
    fields: dict[str, Any] = {"agent": agent.username, "score": score}
    if reviewer is not None:
        fields["reviewer"] = reviewer.username
    if rubric:
        fields["rubric"] = rubric
    with ticket_change(ticket, lock=False) as change:
        return change.record(kind="qa_review", fields=fields, agent=agent, at=at)
