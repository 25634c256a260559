"""Every change to a ticket goes through here and writes its TicketEvent in the same
transaction (DESIGN.md "The spine: one event log")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import nh3
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from afterdesk.accounts.models import Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.core.errors import Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationError
from afterdesk.metrics.services import facts_refresh
from afterdesk.tickets.events import (
    RETURN_OUTCOMES,
    canonical_fields,
    event_columns,
    event_fingerprint,
)
from afterdesk.tickets.models import (
    SOLVED_STATUSES,
    Attachment,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)


@dataclass(frozen=True)
class TicketState:
    """What the event log says a ticket's status, assignee and team are."""

    status: str
    assignee_username: str | None
    team_name: str | None
    updated_at: datetime


def replay_state(
    *, created_at: datetime, events: Iterable[tuple[str, datetime, dict[str, Any]]]
) -> TicketState:
    """Fold a ticket's events (in event order) into its current state."""
    status = Status.NEW.value
    assignee: str | None = None
    team: str | None = None
    updated_at = created_at
    for kind, at, fields in events:
        updated_at = max(updated_at, at)
        if kind == "status":
            status = fields["status"]
        elif kind == "assign":
            assignee = fields.get("agent")
            if fields.get("team"):
                team = fields["team"]
    return TicketState(status, assignee, team, updated_at)


def sanitize_html(html: str) -> str:
    """Inbound HTML through nh3's allow-list; only `cid:` images (RELIABILITY.md)."""
    if not html:
        return ""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


# ---------------------------------------------------------------------------- event log


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    fields: dict[str, Any],
    at: datetime | None = None,
    agent: User | None = None,
    body: str | None = None,
    body_html: str = "",
    external_message_id: str = "",
) -> TicketEvent:
    """Append one event (and its Message for `message` events) and update the ticket's state.

    Must run inside the caller's transaction. An event equal to a stored one is that event
    (METRICS.md §1), so recording it twice returns the stored one.
    """
    at = at or timezone.now()
    line_fields = dict(fields)
    if body is not None:
        line_fields["body"] = body
    fingerprint = event_fingerprint(kind, at, line_fields)
    existing = TicketEvent.objects.filter(ticket=ticket, fingerprint=fingerprint).first()
    if existing is not None:
        return existing
    stored_fields = canonical_fields(kind, fields)
    if kind == "message":
        # A message's body lives in its Message row; a complaint's body is one of its fields.
        stored_fields.pop("body", None)
    subtype, score = event_columns(kind, stored_fields)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=at,
        agent=agent,
        subtype=subtype,
        score=score,
        fields=stored_fields,
        fingerprint=fingerprint,
    )
    if kind == "message":
        Message.objects.create(
            ticket=ticket,
            event=event,
            kind=stored_fields["kind"],
            author=agent,
            body_text=body or "",
            body_html=sanitize_html(body_html),
            external_message_id=external_message_id,
            created_at=at,
        )
    _apply_to_ticket(ticket=ticket, event=event, agent=agent)
    # Facts are part of the change (METRICS.md §3): recomputed in the same transaction.
    facts_refresh(ticket_ids=[ticket.pk])
    return event


def _apply_to_ticket(*, ticket: Ticket, event: TicketEvent, agent: User | None) -> None:
    latest = TicketEvent.objects.filter(ticket=ticket).order_by("-at", "-id").first()
    if latest is not None and latest.pk != event.pk:
        # An event dated before the newest one (a late import): replay the whole log.
        _refresh_state(ticket_ids=[ticket.pk])
        ticket.refresh_from_db()
        return
    update = ["updated_at"]
    ticket.updated_at = max(ticket.updated_at, event.at)
    if event.kind == "status":
        ticket.status = event.fields["status"]
        update.append("status")
    elif event.kind == "assign":
        ticket.assignee = agent
        update.append("assignee")
        if event.fields.get("team"):
            ticket.team = team_for_name(event.fields["team"])
            update.append("team")
    ticket.save(update_fields=update)


def team_for_name(name: str) -> Team:
    team, _ = Team.objects.get_or_create(name=name)
    return team


def ticket_refresh_state(*, ticket_ids: Sequence[int]) -> None:
    """Recompute status/assignee/team/updated_at and the metric facts from the log (after
    imports)."""
    _refresh_state(ticket_ids=ticket_ids)
    facts_refresh(ticket_ids=ticket_ids)


def _refresh_state(*, ticket_ids: Sequence[int]) -> None:
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ticket_ids)}
    events: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {pk: [] for pk in tickets}
    for ticket_id, kind, at, fields in (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=("status", "assign"))
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "kind", "at", "fields")
    ):
        events[ticket_id].append((kind, at, fields))
    last_at = dict(
        TicketEvent.objects.filter(ticket_id__in=ticket_ids)
        .order_by()
        .values("ticket_id")
        .annotate(last=Max("at"))
        .values_list("ticket_id", "last")
    )
    usernames: set[str] = set()
    team_names: set[str] = set()
    states: dict[int, TicketState] = {}
    for pk, ticket in tickets.items():
        state = replay_state(created_at=ticket.created_at, events=events[pk])
        if last_at.get(pk) and last_at[pk] > state.updated_at:
            state = TicketState(state.status, state.assignee_username, state.team_name, last_at[pk])
        states[pk] = state
        if state.assignee_username:
            usernames.add(state.assignee_username)
        if state.team_name:
            team_names.add(state.team_name)
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    teams = {name: team_for_name(name).pk for name in team_names}
    for pk, state in states.items():
        ticket = tickets[pk]
        ticket.status = state.status
        ticket.assignee_id = users.get(state.assignee_username or "")
        if state.team_name:
            ticket.team_id = teams[state.team_name]
        ticket.updated_at = state.updated_at
    _tickets_save_state(tickets.values())


def _tickets_save_state(tickets: Iterable[Ticket]) -> None:
    """One plain UPDATE per ticket through executemany: bulk_update's CASE expressions cost
    milliseconds per row to build, which dominated large history imports."""
    quote = connection.ops.quote_name
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"UPDATE {quote(Ticket._meta.db_table)} SET {quote('status')} = %s, "  # noqa: S608
        f"{quote('assignee_id')} = %s, {quote('team_id')} = %s, {quote('updated_at')} = %s "
        f"WHERE {quote('id')} = %s"
    )
    rows = [
        (
            ticket.status,
            ticket.assignee_id,
            ticket.team_id,
            connection.ops.adapt_datetimefield_value(ticket.updated_at),
            ticket.pk,
        )
        for ticket in tickets
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


# ---------------------------------------------------------------------------- attachments


def attachments_validate(files: Sequence[UploadedFile]) -> None:
    """Refuse oversized or disallowed files before anything is written."""
    for upload in files:
        if upload.size is not None and upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise PayloadTooLarge(
                f"attachment {upload.name!r} is {upload.size} bytes; the limit is "
                f"{settings.ATTACHMENT_MAX_BYTES} bytes",
                field="attachments",
            )
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
            raise UnsupportedMediaType(
                f"attachment {upload.name!r} has a content type that is not allowed: "
                f"{content_type or 'unknown'}",
                field="attachments",
            )


def _attachments_save(*, message: Message, files: Sequence[UploadedFile]) -> None:
    saved: list[Attachment] = []
    try:
        for upload in files:
            attachment = Attachment(
                message=message,
                filename=(upload.name or "attachment")[:255],
                content_type=(upload.content_type or "").split(";")[0].strip().lower(),
                size=upload.size or 0,
            )
            attachment.file.save(attachment.token, upload, save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        # The transaction rolls the rows back; the files it wrote must go too.
        for attachment in saved:
            attachment.file.delete(save=False)
        raise


# ---------------------------------------------------------------------------- ticket actions


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
) -> Ticket:
    """Open a ticket; with a body, its first message is the customer's inbound message."""
    if priority not in Priority.values:
        raise ValidationError(f"unknown priority {priority!r}", field="priority")
    if not channel:
        raise ValidationError("channel is required", field="channel")
    at = at or timezone.now()
    ticket = Ticket.objects.create(
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
    if external_id is None:
        # The number is the primary key; the history id of an app-made ticket derives from it.
        ticket.external_id = f"AD-{ticket.pk}"
        ticket.save(update_fields=["external_id"])
    if orders:
        ticket.orders.set(orders)
    if tags:
        ticket_set_tags(ticket=ticket, tags=tags)
    if body or body_html:
        event_record(
            ticket=ticket,
            kind="message",
            fields={"kind": MessageKind.INBOUND},
            at=at,
            body=body or nh3.clean(body_html, tags=set()),
            body_html=body_html,
            external_message_id=external_message_id,
        )
    return ticket


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
    assignee, assigned in the same transaction (so its log starts with both events)."""
    ticket = ticket_create(
        subject=subject,
        channel=channel,
        body=body,
        by=by,
        store=store,
        customer=customer,
        orders=orders,
        priority=priority,
        category=category,
        language=language,
        tags=tags,
    )
    if team is not None or assignee is not None:
        ticket_assign(ticket=ticket, by=by, agent=assignee, team=team)
    return ticket


def ticket_set_tags(*, ticket: Ticket, tags: Sequence[str]) -> None:
    clean = sorted({tag.strip().lower()[:50] for tag in tags if tag.strip()})
    ticket.tags.set([Tag.objects.get_or_create(name=name)[0] for name in clean])


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
    ticket = _lock(ticket)
    at = at or timezone.now()
    event = event_record(
        ticket=ticket,
        kind="message",
        fields={"kind": MessageKind.INBOUND},
        at=at,
        body=body,
        body_html=body_html,
        external_message_id=external_message_id,
    )
    if ticket.status in SOLVED_STATUSES or ticket.status == Status.PENDING:
        event_record(ticket=ticket, kind="status", fields={"status": Status.OPEN}, at=at)
    return event


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent actions serialise."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def message_reply(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    status: str | None = None,
    attachments: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> TicketEvent:
    """A public reply by an agent; `status` optionally sets the status in the same click,
    written after the reply ("reply and solve", METRICS.md §1)."""
    if not body.strip():
        raise ValidationError("the reply is empty", field="body")
    if status is not None and status not in Status.values:
        raise ValidationError(f"unknown status {status!r}", field="status")
    attachments_validate(attachments)
    ticket = _lock(ticket)
    if ticket.status == Status.CLOSED:
        raise Conflict("the ticket is closed; a closed ticket takes no more replies")
    at = at or timezone.now()
    event = event_record(
        ticket=ticket,
        kind="message",
        fields={"kind": MessageKind.REPLY, "agent": by.username},
        agent=by,
        at=at,
        body=body,
    )
    if attachments:
        _attachments_save(message=event.message, files=attachments)
    target = status or (Status.OPEN if ticket.status == Status.NEW else None)
    if target and target != ticket.status:
        event_record(
            ticket=ticket,
            kind="status",
            fields={"status": target, "agent": by.username},
            agent=by,
            at=at,
        )
    return event


@transaction.atomic
def note_add(
    *,
    ticket: Ticket,
    by: User,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> TicketEvent:
    """An internal note: never shown to the buyer, never counted as a reply."""
    if not body.strip():
        raise ValidationError("the note is empty", field="body")
    attachments_validate(attachments)
    ticket = _lock(ticket)
    event = event_record(
        ticket=ticket,
        kind="message",
        fields={"kind": MessageKind.NOTE, "agent": by.username},
        agent=by,
        at=at,
        body=body,
    )
    if attachments:
        _attachments_save(message=event.message, files=attachments)
    return event


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
    if agent is not None and (not agent.is_active or agent.role == Role.QA_REVIEWER):
        raise ValidationError(f"{agent.username} cannot be assigned tickets", field="agent")
    ticket = _lock(ticket)
    same_agent = ticket.assignee_id == (agent.pk if agent else None)
    if same_agent and (team is None or team.pk == ticket.team_id):
        return None
    fields: dict[str, Any] = {"agent": agent.username if agent else None}
    if team is not None:
        fields["team"] = team.name
    return event_record(ticket=ticket, kind="assign", fields=fields, agent=agent, at=at)


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, by: User | None, status: str, at: datetime | None = None
) -> TicketEvent | None:
    """Change the status; repeating the current status writes nothing (METRICS.md §3)."""
    if status not in Status.values:
        raise ValidationError(f"unknown status {status!r}", field="status")
    ticket = _lock(ticket)
    if status == ticket.status:
        return None
    if status == Status.NEW:
        raise ValidationError("a ticket cannot go back to new", field="status")
    fields: dict[str, Any] = {"status": status}
    if by is not None:
        fields["agent"] = by.username
    return event_record(ticket=ticket, kind="status", fields=fields, agent=by, at=at)


@transaction.atomic
def ticket_escalate(
    *,
    ticket: Ticket,
    by: User,
    to: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    fields: dict[str, Any] = {"agent": by.username}
    if to:
        fields["to"] = to
    if reason:
        fields["reason"] = reason
    ticket = _lock(ticket)
    return event_record(ticket=ticket, kind="escalate", fields=fields, agent=by, at=at)


@transaction.atomic
def complaint_record(
    *, ticket: Ticket, against: User, body: str = "", at: datetime | None = None
) -> TicketEvent:
    fields: dict[str, Any] = {"agent": against.username}
    if body:
        fields["body"] = body
    return event_record(ticket=ticket, kind="complaint", fields=fields, agent=against, at=at)


@transaction.atomic
def csat_record(
    *, ticket: Ticket, rating: int, comment: str = "", at: datetime | None = None
) -> TicketEvent:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("rating must be an integer from 1 to 5", field="rating")
    ticket = _lock(ticket)
    fields: dict[str, Any] = {"rating": rating}
    if comment:
        fields["comment"] = comment
    return event_record(ticket=ticket, kind="csat", fields=fields, at=at)


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
    return event_record(ticket=ticket, kind="return", fields=fields, at=at)


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
        raise ValidationError("score must be between 0 and 100", field="score")
    fields: dict[str, Any] = {"agent": agent.username, "score": score}
    if reviewer is not None:
        fields["reviewer"] = reviewer.username
    if rubric:
        fields["rubric"] = rubric
    return event_record(ticket=ticket, kind="qa_review", fields=fields, agent=agent, at=at)
