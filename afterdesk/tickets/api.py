"""The tickets API. Every ticket is fetched through `tickets.selectors` (which authorise: a
ticket of another team is a 404) and every change goes through `tickets.services`."""

from __future__ import annotations

from typing import Annotated

from django.http import FileResponse, HttpRequest
from django.utils.cache import patch_vary_headers
from ninja import Field, File, Form, Query, Router, Status, UploadedFile

from afterdesk.accounts.api_auth import request_user
from afterdesk.accounts.selectors import agent_get_by_username, team_get_by_name
from afterdesk.commerce.selectors import ticket_commerce_refs
from afterdesk.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    PageQuery,
    SafeStr,
    multipart_fields_check,
    paginate,
)
from afterdesk.core.errors import ValidationError
from afterdesk.tickets import selectors, services
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.schemas import (
    ActionOut,
    AssignIn,
    EscalateIn,
    NoteIn,
    ReplyIn,
    StatusIn,
    TicketCreateIn,
    TicketDetail,
    TicketFilterQuery,
    TicketPage,
    TriageIn,
)

router = Router(tags=["tickets"])

UPLOAD_ERRORS = {**WRITE_ERRORS, 413: ErrorOut, 415: ErrorOut}


def _action(ticket: Ticket, event: TicketEvent | None) -> ActionOut:
    """The event an action wrote and the ticket as that action left it."""
    message = getattr(event, "message", None) if event and event.kind == "message" else None
    return ActionOut.model_validate(
        {"event": event, "message": message, "ticket": event.ticket if event else ticket}
    )


@router.get("/tickets", response={200: TicketPage, **READ_ERRORS})
def tickets_list(
    request: HttpRequest, filters: Query[TicketFilterQuery], page: Query[PageQuery]
) -> object:
    """Tickets the caller may see, filtered, most recently updated first."""
    tickets = selectors.inbox_tickets(user=request_user(request), filters=filters.to_filters())
    return paginate(tickets, page)


@router.get("/tickets/{ticket_id}", response={200: TicketDetail, **READ_ERRORS})
def ticket_get(request: HttpRequest, ticket_id: Id) -> Ticket:
    """A ticket with messages, events, linked orders, customer and tags."""
    return selectors.ticket_detail(user=request_user(request), ticket_id=ticket_id)


@router.post("/tickets", response={201: TicketDetail, **WRITE_ERRORS})
def ticket_create(request: HttpRequest, payload: TicketCreateIn) -> Status[Ticket]:
    """Open a ticket; `body` is the customer's first message. Agents open tickets for their
    own teams (by default their first team)."""
    user = request_user(request)
    refs = ticket_commerce_refs(
        store_id=payload.store_id, customer_id=payload.customer_id, order_ids=payload.order_ids
    )
    team = team_get_by_name(name=payload.team) if payload.team else None
    ticket = services.ticket_open(
        by=user,
        subject=payload.subject,
        channel=payload.channel,
        body=payload.body,
        store=refs.store,
        customer=refs.customer,
        orders=refs.orders,
        priority=payload.priority,
        category=payload.category,
        language=payload.language,
        tags=payload.tags,
        team=selectors.ticket_team_for_new(user=user, team=team),
        assignee=agent_get_by_username(username=payload.assignee, field="assignee")
        if payload.assignee
        else None,
    )
    return Status(201, selectors.ticket_detail_of_new(ticket=ticket))


@router.post("/tickets/{ticket_id}/reply", response={201: ActionOut, **WRITE_ERRORS})
def ticket_reply(request: HttpRequest, ticket_id: Id, payload: ReplyIn) -> Status[ActionOut]:
    """A public reply; `status` sets the status in the same step. A closed ticket: 409."""
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.message_reply(ticket=ticket, by=user, body=payload.body, status=payload.status)
    return Status(201, _action(ticket, event))


@router.post("/tickets/{ticket_id}/reply/upload", response={201: ActionOut, **UPLOAD_ERRORS})
def ticket_reply_upload(
    request: HttpRequest,
    ticket_id: Id,
    payload: Form[ReplyIn],
    attachments: File[list[UploadedFile] | None] = None,
) -> Status[ActionOut]:
    """A reply with attachments (multipart). Too large: 413, type not allowed: 415; either
    way nothing is written."""
    multipart_fields_check(request, ReplyIn, files=["attachments"])
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.message_reply(
        ticket=ticket,
        by=user,
        body=payload.body,
        status=payload.status,
        attachments=attachments or [],
    )
    return Status(201, _action(ticket, event))


@router.post("/tickets/{ticket_id}/notes", response={201: ActionOut, **WRITE_ERRORS})
def ticket_note(request: HttpRequest, ticket_id: Id, payload: NoteIn) -> Status[ActionOut]:
    """An internal note, never shown to the buyer."""
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.note_add(ticket=ticket, by=user, body=payload.body)
    return Status(201, _action(ticket, event))


@router.post("/tickets/{ticket_id}/notes/upload", response={201: ActionOut, **UPLOAD_ERRORS})
def ticket_note_upload(
    request: HttpRequest,
    ticket_id: Id,
    payload: Form[NoteIn],
    attachments: File[list[UploadedFile] | None] = None,
) -> Status[ActionOut]:
    """An internal note with attachments (multipart)."""
    multipart_fields_check(request, NoteIn, files=["attachments"])
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.note_add(
        ticket=ticket, by=user, body=payload.body, attachments=attachments or []
    )
    return Status(201, _action(ticket, event))


@router.post("/tickets/{ticket_id}/assign", response={200: ActionOut, **WRITE_ERRORS})
def ticket_assign(request: HttpRequest, ticket_id: Id, payload: AssignIn) -> ActionOut:
    """Give the ticket to an agent (`agent: null` unassigns), optionally moving it to a team.
    Nothing changes when it already is so (`event` is null)."""
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.ticket_assign(
        ticket=ticket,
        by=user,
        agent=agent_get_by_username(username=payload.agent) if payload.agent else None,
        team=team_get_by_name(name=payload.team) if payload.team else None,
    )
    return _action(ticket, event)


@router.post("/tickets/{ticket_id}/status", response={200: ActionOut, **WRITE_ERRORS})
def ticket_status(request: HttpRequest, ticket_id: Id, payload: StatusIn) -> ActionOut:
    """Change the status; the current status again writes nothing (`event` is null)."""
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.ticket_set_status(ticket=ticket, by=user, status=payload.status)
    return _action(ticket, event)


@router.post("/tickets/{ticket_id}/escalate", response={200: ActionOut, **WRITE_ERRORS})
def ticket_escalate(request: HttpRequest, ticket_id: Id, payload: EscalateIn) -> ActionOut:
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    if sum(bool(x) for x in (payload.to, payload.agent, payload.team)) > 1:
        raise ValidationError("give one of to, agent or team", field="to")
    event = services.ticket_escalate(
        ticket=ticket,
        by=user,
        to=payload.to,
        reason=payload.reason,
        to_user=agent_get_by_username(username=payload.agent) if payload.agent else None,
        to_team=team_get_by_name(name=payload.team) if payload.team else None,
    )
    return _action(ticket, event)


@router.post("/tickets/{ticket_id}/triage", response={200: ActionOut, **WRITE_ERRORS})
def ticket_triage(request: HttpRequest, ticket_id: Id, payload: TriageIn) -> ActionOut:
    """Correct the ticket's triage (language, issue type, risk flags, priority): a `triage`
    event with the agent, kept as a label for measuring triage. What is left out is kept."""
    user = request_user(request)
    ticket = selectors.ticket_get_for_user(user=user, ticket_id=ticket_id)
    event = services.ticket_triage_correct(
        ticket=ticket,
        by=user,
        language=payload.language,
        issue_type=payload.issue_type,
        risk_flags=payload.risk_flags,
        priority=payload.priority,
        risk=payload.risk,
        note=payload.note,
    )
    return _action(ticket, event)


@router.get(
    "/attachments/{token}",
    response=READ_ERRORS,
    url_name="attachment_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def attachment_download(
    request: HttpRequest, token: Annotated[SafeStr, Field(max_length=64)]
) -> FileResponse:
    """The file, behind its ticket's permission; always served as a download."""
    attachment = selectors.attachment_get_for_user(user=request_user(request), token=token)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response
