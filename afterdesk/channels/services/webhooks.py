"""The generic signed JSON webhook for platforms without an adapter of their own
(docs/channels.md, "Signed JSON webhook").

`POST /api/channels/webhook/<integration>` with

- `X-Afterdesk-Timestamp: <unix seconds>` (refused when more than 5 minutes from now),
- `X-Afterdesk-Signature: sha256=<hex>`: HMAC-SHA256, keyed with the integration's secret, of
  the timestamp, a full stop and the raw body (`f"{timestamp}.".encode() + body`), so an old
  request cannot be replayed with a new timestamp,

and the body `{"conversation_id", "message_id", "from": {"name", "email"}, "text",
"order_number"?, "sent_at"?}`. A signed body is stored raw before it is read; one that cannot
be read is kept, marked failed with the reason, and answered 422.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from afterdesk.channels.relay_models import RelayPayload, RelaySource, WebhookIntegration
from afterdesk.channels.services.relays import (
    Forbidden,
    IncomingMessage,
    TakeResult,
    Unauthorized,
    message_take,
    payload_finish,
    payload_store,
    signature_matches,
)
from afterdesk.core.errors import NotFound, PayloadTooLarge, ValidationError
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS

SIGNATURE_HEADER = "X-Afterdesk-Signature"
TIMESTAMP_HEADER = "X-Afterdesk-Timestamp"
MAX_SKEW_SECONDS = 300
MAX_BODY_BYTES = 256 * 1024
SECRET_BYTES = 32
ID_CHARS = 200


def secret_new() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def integration_get(name: str) -> WebhookIntegration:
    integration = WebhookIntegration.objects.filter(name=name, enabled=True).first()
    if integration is None:
        raise NotFound(f"no enabled webhook integration named {name[:60]!r}", field="integration")
    return integration


def request_verify(
    integration: WebhookIntegration,
    *,
    body: bytes,
    signature: str,
    timestamp: str,
    now: float | None = None,
) -> None:
    """401 without the headers, 403 for a wrong signature or a timestamp over 5 minutes off."""
    if not signature:
        raise Unauthorized(f"the {SIGNATURE_HEADER} header is missing", field=SIGNATURE_HEADER)
    if not timestamp:
        raise Unauthorized(f"the {TIMESTAMP_HEADER} header is missing", field=TIMESTAMP_HEADER)
    scheme, _equals, given = signature.partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        raise Forbidden(f"{SIGNATURE_HEADER} must be sha256=<hex>", field=SIGNATURE_HEADER)
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Forbidden(f"{TIMESTAMP_HEADER} must be Unix seconds", field=TIMESTAMP_HEADER)
    signed = timestamp.encode("ascii") + b"." + body
    if not signature_matches(secret=integration.secret, signed=signed, given_hex=given):
        raise Forbidden("the signature does not match", field=SIGNATURE_HEADER)
    # Checked after the signature, so the answer says nothing to an unsigned caller.
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_SKEW_SECONDS:
        raise Forbidden(
            f"the timestamp is more than {MAX_SKEW_SECONDS // 60} minutes from now",
            field=TIMESTAMP_HEADER,
        )


@dataclass(frozen=True)
class WebhookResult:
    payload: RelayPayload
    taken: TakeResult


def webhook_receive(
    integration: WebhookIntegration, *, body: bytes, signature: str, timestamp: str
) -> WebhookResult:
    """Verify, store raw, then take the message (see the module)."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes", field="body")
    request_verify(integration, body=body, signature=signature, timestamp=timestamp)
    owner = f"webhook:{integration.name}"
    payload = payload_store(source=RelaySource.WEBHOOK, owner=owner, body=body)
    try:
        incoming = incoming_parse(body, integration=integration)
    except ValidationError as error:
        payload_finish(payload, taken=0, failure=error.message)
        raise
    taken = message_take(incoming, payload=payload)
    payload_finish(payload, taken=1 if taken.stored else 0)
    return WebhookResult(payload, taken)


def incoming_parse(body: bytes, *, integration: WebhookIntegration) -> IncomingMessage:
    """The body's message, or a 422 naming the first field that is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"the body is not UTF-8 JSON: {error}", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    unknown = sorted(set(data) - {*_REQUIRED, "order_number", "sent_at"})
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}", field=unknown[0])
    conversation_id = _text(data, "conversation_id", ID_CHARS, required=True)
    message_id = _text(data, "message_id", ID_CHARS, required=True)
    text = _text(data, "text", MESSAGE_BODY_MAX_CHARS, required=True)
    sender = data.get("from")
    if not isinstance(sender, dict):
        raise ValidationError("from must be an object with name and email", field="from")
    name = _text(sender, "name", 200, required=False, prefix="from.")
    email = _text(sender, "email", 254, required=False, prefix="from.")
    if email and ("@" not in email or any(ch.isspace() for ch in email)):
        raise ValidationError(f"from.email {email[:60]!r} is not an address", field="from.email")
    return IncomingMessage(
        source=RelaySource.WEBHOOK,
        owner=f"webhook:{integration.name}",
        conversation_id=conversation_id,
        message_id=message_id,
        text=text,
        sent_at=_sent_at(data.get("sent_at")),
        store=integration.store,
        sender_name=name,
        sender_email=email,
        sender_handle=f"{integration.name}:{conversation_id}" if not email else "",
        order_text=_text(data, "order_number", 100, required=False),
        tags=[integration.name],
    )


_REQUIRED = ("conversation_id", "message_id", "from", "text")


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool, prefix: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ValidationError(f"{prefix}{key} is required", field=f"{prefix}{key}")
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{prefix}{key} must be a string", field=f"{prefix}{key}")
    if required and not value.strip():
        raise ValidationError(f"{prefix}{key} is empty", field=f"{prefix}{key}")
    if len(value) > limit:
        raise ValidationError(
            f"{prefix}{key} is {len(value)} characters; the limit is {limit}",
            field=f"{prefix}{key}",
        )
    return value


def _sent_at(value: object) -> datetime:
    """ISO 8601 with a zone; missing: now. A time in the future is taken as now."""
    now = timezone.now()
    if value is None:
        return now
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError("sent_at must be an ISO 8601 instant with a zone", field="sent_at")
    return min(parsed, now)
