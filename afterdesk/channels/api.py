"""The inbound email API (docs/channels.md, "API"): a forwarding service posts raw MIME; admins
and supervisors list what arrived, read one message, download its raw bytes, retry a failed
one. Every operation is for admins and supervisors (tokens included)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.channels import selectors
from afterdesk.channels.api_relays import router as relays_router
from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.schemas import (
    InboundDetail,
    InboundFilterQuery,
    InboundPage,
    IngestOut,
)
from afterdesk.channels.services.bounces import bounce_apply
from afterdesk.channels.services.ingest import email_ingest, email_retry
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, paginate
from afterdesk.core.errors import Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationError

router = Router(tags=["channels"])
# Meta webhooks, signed JSON webhooks, chat widgets and their configuration (api_relays).
router.add_router("", relays_router)
VIEWERS = requires(lambda user: selectors.inbound_require_viewer(user=user))
RAW_TYPES = frozenset({"message/rfc822", "application/octet-stream"})


@router.post(
    "/channels/email/inbound",
    response={200: IngestOut, 201: IngestOut, **WRITE_ERRORS, 413: ErrorOut, 415: ErrorOut},
    auth=VIEWERS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def email_inbound(request: HttpRequest) -> Status[IngestOut]:
    """Store and process one raw message (the body, `Content-Type: message/rfc822`): 201 with
    what happened (even when it opened no ticket or failed to parse: it is stored), 200 when
    the same message was stored before, 413 over EMAIL_INBOUND_MAX_BYTES, 415 another type,
    422 an empty body."""
    limit = int(settings.EMAIL_INBOUND_MAX_BYTES)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the message is over {limit} bytes", field="body")
    # Read from the stream: `request.body` stops at DATA_UPLOAD_MAX_MEMORY_SIZE (files' limit).
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the message is over {limit} bytes", field="body")
    if not raw.strip():
        raise ValidationError("the body is empty: send the raw message", field="body")
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type not in RAW_TYPES:
        raise UnsupportedMediaType(
            f"send the raw message as message/rfc822, not {content_type or 'no type'}",
            field="body",
        )
    result = email_ingest(raw, source="api")
    if result.stored:
        bounce_apply(result.inbound)  # a bounce of a desk reply marks that reply at once
    body = IngestOut.model_validate(
        {"outcome": result.line(), "stored": result.stored, "inbound": result.inbound}
    )
    return Status(201 if result.stored else 200, body)


@router.get("/channels/email/messages", response={200: InboundPage, **READ_ERRORS}, auth=VIEWERS)
def inbound_messages(request: HttpRequest, filters: Query[InboundFilterQuery]) -> object:
    """Inbound messages, newest first; `state=failed` lists what needs an admin."""
    queryset = selectors.inbound_list(
        user=request_user(request), state=filters.state, ticket_id=filters.ticket_id
    )
    return paginate(queryset, filters)


@router.get(
    "/channels/email/messages/{inbound_id}",
    response={200: InboundDetail, **READ_ERRORS},
    auth=VIEWERS,
)
def inbound_message(request: HttpRequest, inbound_id: Id) -> InboundEmail:
    """One inbound message with its new text, the folded part and the sanitised HTML."""
    return selectors.inbound_get(user=request_user(request), inbound_id=inbound_id)


@router.get(
    "/channels/email/messages/{inbound_id}/raw",
    response={200: None, **READ_ERRORS},
    auth=VIEWERS,
)
def inbound_raw(request: HttpRequest, inbound_id: Id) -> FileResponse:
    """The raw bytes as received (`message/rfc822`, as a download)."""
    inbound = selectors.inbound_get(user=request_user(request), inbound_id=inbound_id)
    return FileResponse(
        inbound.raw.open("rb"),
        as_attachment=True,
        filename=f"inbound-{inbound.pk}.eml",
        content_type="message/rfc822",
    )


@router.post(
    "/channels/email/messages/{inbound_id}/retry",
    response={200: InboundDetail, **WRITE_ERRORS},
    auth=VIEWERS,
)
def inbound_retry(request: HttpRequest, inbound_id: Id) -> InboundEmail:
    """Process a failed message again (after a fix); 409 for one that did not fail."""
    inbound = selectors.inbound_get(user=request_user(request), inbound_id=inbound_id)
    if inbound.state not in (InboundState.FAILED, InboundState.RECEIVED):
        raise Conflict(f"inbound message {inbound.pk} is {inbound.state}; only failed ones retry")
    email_retry(inbound)
    return selectors.inbound_get(user=request_user(request), inbound_id=inbound_id)
