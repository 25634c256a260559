"""Facebook Messenger and Instagram messages through Meta's webhooks (docs/channels.md,
"Messenger and Instagram").

In: `GET /api/channels/meta/webhook` answers Meta's subscription check (`hub.mode=subscribe`,
`hub.verify_token` = META_VERIFY_TOKEN, echoing `hub.challenge`); `POST` carries events signed
with `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body keyed with META_APP_SECRET>`.
A signed body is stored raw, then each `entry[].messaging[]` item with a `message` (not an
echo of the page's own messages) becomes a buyer message of the conversation (sender, page),
unique by its `mid`. Entries of a page the desk does not know leave the payload `failed`, with
the reason, for a retry once the page is added.

Out: `reply_delivery_queue` (after an agent's reply is committed on a ticket of a Meta
conversation) and `relay_delivery_send` (a huey task, retried with backoff from the minute's
sweep) post the reply to the Send API (`POST <META_GRAPH_API_URL>/me/messages`). Replies on
a signed-webhook conversation whose integration has a reply URL take the same queue, posted
by `services.callbacks`.
"""

from __future__ import annotations

import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from afterdesk.channels.relay_models import (
    Conversation,
    MetaPage,
    RelayDelivery,
    RelayDeliveryState,
    RelayPayload,
    RelaySource,
    WebhookIntegration,
)
from afterdesk.channels.services.callbacks import CallbackError, callback_send
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
from afterdesk.core.errors import DomainError, PayloadTooLarge
from afterdesk.tickets.models import Message, TicketEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 1024 * 1024
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
BACKOFF_MINUTES = (1, 5, 25, 125)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
CLAIM_MINUTES = 5
SEND_TIMEOUT_SECONDS = 20
DUE_BATCH = 100
LIVE_MINUTES = 5
# Graph API error codes worth trying again (rate limits, temporary outages).
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})
OBJECTS = {"page": RelaySource.FACEBOOK, "instagram": RelaySource.INSTAGRAM}
# Attachments that are files on Meta's servers (a "fallback" is a shared link, a "location"
# coordinates): downloaded onto the ticket message (`services.meta_files`).
DOWNLOADED_KINDS = frozenset({"image", "video", "audio", "file"})
# The conversations whose agents' replies go back to their platform (the chat widget reads
# its replies itself; a webhook integration's only with a reply URL).
REPLIED_SOURCES = (RelaySource.FACEBOOK, RelaySource.INSTAGRAM, RelaySource.WEBHOOK)


class NotConfigured(DomainError):
    status = 503


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def subscription_verify(*, mode: str, token: str, challenge: str) -> str:
    """The challenge to echo, when Meta's check carries our verify token; 403 otherwise."""
    expected = _setting("META_VERIFY_TOKEN")
    if not expected:
        raise NotConfigured("Meta webhooks are not configured (META_VERIFY_TOKEN)")
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("the verify token does not match", field="hub.verify_token")
    return challenge[:200]


def signature_check(*, body: bytes, header: str) -> None:
    secret = _setting("META_APP_SECRET")
    if not secret:
        raise NotConfigured("Meta webhooks are not configured (META_APP_SECRET)")
    if not header:
        raise Unauthorized(f"the {SIGNATURE_HEADER} header is missing", field=SIGNATURE_HEADER)
    scheme, _equals, given = header.partition("=")
    if scheme.strip().lower() != "sha256" or not signature_matches(
        secret=secret, signed=body, given_hex=given
    ):
        raise Forbidden("the signature does not match", field=SIGNATURE_HEADER)


def meta_receive(*, body: bytes, signature: str) -> tuple[RelayPayload, list[TakeResult]]:
    """Verify, store raw, take the messages; the payload says what happened."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes", field="body")
    signature_check(body=body, header=signature)
    payload = payload_store(source=_source_guess(body), owner="", body=body)
    return payload, payload_process(payload)


def _source_guess(body: bytes) -> str:
    return RelaySource.INSTAGRAM if b'"instagram"' in body[:200] else RelaySource.FACEBOOK


def payload_process(payload: RelayPayload) -> list[TakeResult]:
    """Take every buyer message of a stored payload (again: a retry takes what is new)."""
    results: list[TakeResult] = []
    problems: list[str] = []
    try:
        incoming, problems = messages_parse(bytes(payload.body))
        for message in incoming:
            try:
                results.append(message_take(message, payload=payload))
            except Exception as error:  # one bad message must not lose the others
                logger.exception("meta message %s failed", message.message_id)
                problems.append(f"message {message.message_id}: {type(error).__name__}: {error}")
    except ValueError as error:
        problems.append(str(error))
    payload_finish(payload, taken=sum(1 for r in results if r.stored), failure="; ".join(problems))
    return results


def messages_parse(body: bytes) -> tuple[list[IncomingMessage], list[str]]:
    """The buyer messages of a webhook body, and why anything in it was not taken. A body
    that is not Meta's shape raises ValueError."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not UTF-8 JSON: {error}") from error
    if not isinstance(data, dict) or data.get("object") not in OBJECTS:
        raise ValueError('the body is not a Meta "page" or "instagram" event')
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise ValueError("the body has no entry list")
    pages = {page.page_id: page for page in MetaPage.objects.filter(enabled=True)}
    messages: list[IncomingMessage] = []
    problems: list[str] = []
    for entry in entries:
        items = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(items, list):
            continue  # other fields (changes, standby) are not messages to the desk
        page_id = str(entry.get("id", ""))
        page = pages.get(page_id)
        if page is None:
            problems.append(f"page {page_id[:64]!r} is not configured (or disabled)")
            continue
        for item in items:
            try:
                message = _message_of(item, page)
            except (TypeError, ValueError, KeyError, AttributeError) as error:
                problems.append(f"a messaging item of page {page_id} is malformed: {error!r}")
                continue
            if message is not None:
                messages.append(message)
    return messages, problems


def _message_of(item: dict[str, Any], page: MetaPage) -> IncomingMessage | None:
    message = item.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        return None  # deliveries, reads, reactions, the page's own messages
    sender = str(item["sender"]["id"])
    mid = str(message["mid"])
    lines = [str(message.get("text") or "")]
    files: list[tuple[str, str]] = []
    for attachment in message.get("attachments") or []:
        kind = str(attachment.get("type", "file"))
        url = str((attachment.get("payload") or {}).get("url", ""))
        lines.append(f"[{kind}] {url}".strip())
        if kind in DOWNLOADED_KINDS and url.startswith(("https://", "http://")):
            files.append((kind, url))
    text = "\n".join(line for line in lines if line) or "(no text)"
    sent_at = datetime.fromtimestamp(int(item["timestamp"]) / 1000, tz=UTC)
    return IncomingMessage(
        source=page.platform,
        owner=f"{page.platform}:{page.page_id}",
        conversation_id=sender,
        message_id=mid,
        text=text,
        sent_at=min(sent_at, timezone.now()),
        store=page.store,
        sender_handle=f"{page.page_id}:{sender}",
        tags=[page.platform],
        files=files,
    )


# --- Replies out: the Send API ------------------------------------------------------------


def reply_delivery_queue(*, ticket_id: int, event_id: int) -> RelayDelivery | None:
    """The delivery of reply `event_id` when its ticket is a Messenger or Instagram
    conversation, or one of a signed-webhook integration with a reply URL
    (`services.callbacks`); None otherwise. Made once."""
    conversation = (
        Conversation.objects.filter(ticket_id=ticket_id, source__in=REPLIED_SOURCES)
        .order_by("-id")
        .first()
    )
    if conversation is None:
        return None
    if conversation.source == RelaySource.WEBHOOK and not _integration_replies(conversation):
        return None  # an integration without a reply URL: replies stay in the desk
    delivery, _created = RelayDelivery.objects.get_or_create(
        event_id=event_id,
        defaults={
            "ticket_id": ticket_id,
            "conversation": conversation,
            "next_attempt_at": timezone.now(),
        },
    )
    return delivery


def _integration_replies(conversation: Conversation) -> bool:
    name = conversation.owner.partition(":")[2]
    return WebhookIntegration.objects.filter(name=name, enabled=True).exclude(reply_url="").exists()


class SendError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Window:
    messaging_type: str
    tag: str = ""


def window_for(conversation: Conversation, page: MetaPage, now: datetime) -> Window:
    """RESPONSE within 24 hours of the buyer's last message; later, the HUMAN_AGENT tag up to
    7 days when the page may use it; else the reply cannot be sent (SendError)."""
    last = conversation.last_inbound_at
    if last is not None and now - last <= STANDARD_WINDOW:
        return Window("RESPONSE")
    if last is not None and page.human_agent and now - last <= HUMAN_AGENT_WINDOW:
        return Window("MESSAGE_TAG", "HUMAN_AGENT")
    since = f"the buyer last wrote {last:%Y-%m-%d %H:%M} UTC" if last else "no buyer message"
    allowed = (
        "7 days with the HUMAN_AGENT tag"
        if page.human_agent
        else "24 hours (enable human_agent on the page for 7 days)"
    )
    raise SendError(
        f"outside Meta's messaging window: {since}; replies are allowed for {allowed}",
        transient=False,
    )


def graph_send(*, access_token: str, recipient_id: str, text: str, window: Window) -> str:
    """POST the reply to the Send API; the message id Meta answers, or SendError."""
    url = f"{_setting('META_GRAPH_API_URL').rstrip('/')}/me/messages"
    body: dict[str, Any] = {
        "recipient": {"id": recipient_id},
        "messaging_type": window.messaging_type,
        "message": {"text": text},
    }
    if window.tag:
        body["tag"] = window.tag
    request = urllib.request.Request(  # noqa: S310 - the configured Graph API URL
        url,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {access_token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise _graph_error(error) from error
    except (OSError, ValueError) as error:
        raise SendError(f"the Send API did not answer: {error}", transient=True) from error
    return str(answer.get("message_id", ""))


def _graph_error(error: urllib.error.HTTPError) -> SendError:
    try:
        detail = json.loads(error.read() or b"{}").get("error", {})
    except ValueError:
        detail = {}
    code = detail.get("code") if isinstance(detail, dict) else None
    text = detail.get("message") if isinstance(detail, dict) else None
    transient = error.code >= 500 or error.code == 429 or code in TRANSIENT_CODES
    return SendError(
        f"the Send API answered {error.code}: {text or error.reason} (code {code})",
        transient=transient,
    )


def _due_q(now: datetime) -> Q:
    pending = (RelayDeliveryState.QUEUED, RelayDeliveryState.RETRYING)
    return Q(state__in=pending, next_attempt_at__lte=now) | Q(
        state=RelayDeliveryState.SENDING, locked_until__lt=now
    )


def relay_deliveries_missing_queue() -> list[RelayDelivery]:
    """Deliveries for the live replies of the last hour on Meta conversations that have none:
    the process died between the reply's commit and `reply_delivery_queue`. A reply is live
    when it was recorded as it was written; imported history is never sent."""
    now = timezone.now()
    missing = (
        TicketEvent.objects.filter(
            kind="message",
            subtype="reply",
            recorded_at__gte=now - timedelta(hours=1),
            at__gte=F("recorded_at") - timedelta(minutes=LIVE_MINUTES),
            ticket__channel__in=("chat", "marketplace"),
            ticket__conversations__source__in=REPLIED_SOURCES,
            relay_delivery__isnull=True,
        )
        .order_by("id")
        .values_list("ticket_id", "id")
        .distinct()[:DUE_BATCH]
    )
    found = [reply_delivery_queue(ticket_id=t, event_id=e) for t, e in missing]
    return [delivery for delivery in found if delivery is not None]


def relay_deliveries_send_due() -> list[str]:
    """Send what is due (retries, and first tries a restart lost), after queueing any
    delivery a crash left out."""
    relay_deliveries_missing_queue()
    ids = list(
        RelayDelivery.objects.filter(_due_q(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:DUE_BATCH]
    )
    return [relay_delivery_send(delivery_id) for delivery_id in ids]


def relay_delivery_send(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due and nobody else is at it (one conditional UPDATE
    claims it); what happened."""
    now = now or timezone.now()
    claimed = RelayDelivery.objects.filter(_due_q(now), pk=delivery_id).update(
        state=RelayDeliveryState.SENDING,
        locked_until=now + timedelta(minutes=CLAIM_MINUTES),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return f"relay delivery {delivery_id}: nothing to do"
    delivery = RelayDelivery.objects.select_related("conversation").get(pk=delivery_id)
    conversation = delivery.conversation
    if conversation.source == RelaySource.WEBHOOK:
        return _callback_send(delivery, now)
    try:
        page_id = conversation.owner.partition(":")[2]
        page = MetaPage.objects.filter(page_id=page_id, enabled=True).first()
        if page is None:
            raise SendError(f"page {page_id} is not configured (or disabled)", transient=False)
        window = window_for(conversation, page, now)
        text = Message.objects.values_list("body_text", flat=True).get(event_id=delivery.event_id)
        mid = graph_send(
            access_token=page.access_token,
            recipient_id=conversation.external_id,
            text=text,
            window=window,
        )
    except SendError as error:
        return _failure_record(delivery, error, now)
    RelayDelivery.objects.filter(pk=delivery.pk, state=RelayDeliveryState.SENDING).update(
        state=RelayDeliveryState.SENT,
        messaging_type=window.tag or window.messaging_type,
        external_id=mid[:255],
        sent_at=timezone.now(),
        locked_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return f"relay delivery {delivery_id}: sent as {mid}"


def _callback_send(delivery: RelayDelivery, now: datetime) -> str:
    """A reply to a signed-webhook platform (`services.callbacks`), on the same schedule."""
    try:
        answered = callback_send(delivery, delivery.conversation)
    except CallbackError as error:
        return _failure_record(delivery, SendError(str(error), transient=error.transient), now)
    RelayDelivery.objects.filter(pk=delivery.pk, state=RelayDeliveryState.SENDING).update(
        state=RelayDeliveryState.SENT,
        messaging_type="webhook",
        external_id=answered,
        sent_at=timezone.now(),
        locked_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return f"relay delivery {delivery.pk}: posted to the reply URL"


def _failure_record(delivery: RelayDelivery, error: SendError, now: datetime) -> str:
    final = not error.transient or delivery.attempts >= MAX_ATTEMPTS
    RelayDelivery.objects.filter(pk=delivery.pk, state=RelayDeliveryState.SENDING).update(
        state=RelayDeliveryState.FAILED if final else RelayDeliveryState.RETRYING,
        next_attempt_at=None
        if final
        else now + timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1]),
        locked_until=None,
        last_error=str(error)[:2000],
        last_error_at=now,
    )
    logger.warning("relay delivery %s failed (try %s): %s", delivery.pk, delivery.attempts, error)
    return f"relay delivery {delivery.pk}: {'failed' if final else 'will retry'}: {error}"


def relay_delivery_retry_now(delivery: RelayDelivery) -> bool:
    """A failed or waiting delivery queued for now (one more try); False if it is neither."""
    return bool(
        RelayDelivery.objects.filter(
            pk=delivery.pk,
            state__in=(RelayDeliveryState.FAILED, RelayDeliveryState.RETRYING),
        ).update(
            state=RelayDeliveryState.QUEUED,
            next_attempt_at=timezone.now(),
            attempts=min(delivery.attempts, MAX_ATTEMPTS - 1),
        )
    )
