"""The webhook action: a signed POST, stored first and sent in the background, retried with
backoff (docs/automations.md, "Webhooks").

The body is JSON; `X-Afterdesk-Signature` is `sha256=` and the hex HMAC-SHA256 of
`<X-Afterdesk-Timestamp>.<body>` keyed with the rule's secret, so a receiver can check both
the body and its age. Never to the desk's own network (private, loopback, link-local
addresses; checked again before each try, DNS may change) unless the server's admin allows it
with AFTERDESK_ALLOW_PRIVATE_CHANNEL_HOSTS=1 (`channels.services.outbound`); redirects are not
followed."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.automations.models import Firing, WebhookCall, WebhookState
from afterdesk.channels.services.outbound import OPENER, HostUnresolved, host_refusal
from afterdesk.core.credentials import CredentialsError, secret_decrypt

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, … failed try; after the last the call is failed for good.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_TRIES = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10
CLAIM = timedelta(minutes=2)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def webhook_queue(
    *, firing: Firing, url: str, secret_token: str, body: dict[str, Any]
) -> WebhookCall:
    """Store the call in the firing's transaction; send it once that commits."""
    call = WebhookCall.objects.create(
        firing=firing,
        url=url,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True),
        secret=secret_token,
        state=WebhookState.PENDING,
        next_at=timezone.now(),
    )
    from afterdesk.automations.tasks import webhook_send_task

    call_id = call.pk
    # robust: a queue that is down loses nothing, the minute's sweep sends what is due.
    transaction.on_commit(lambda: webhook_send_task(call_id=call_id), robust=True)
    return call


def _claim(call_id: int, now: datetime) -> WebhookCall | None:
    """Take the call for one try (two workers never send the same try)."""
    taken = WebhookCall.objects.filter(
        pk=call_id, state=WebhookState.PENDING, next_at__lte=now
    ).update(next_at=now + CLAIM)
    return WebhookCall.objects.get(pk=call_id) if taken else None


def webhook_send(call_id: int, *, now: datetime | None = None) -> str:
    """One try of a due call; returns its state afterwards."""
    now = now or timezone.now()
    call = _claim(call_id, now)
    if call is None:
        state = WebhookCall.objects.filter(pk=call_id).values_list("state", flat=True).first()
        return str(state or "missing")
    try:
        secret = secret_decrypt(call.secret)
    except CredentialsError as error:
        return _finish(call, WebhookState.FAILED, str(error), now)
    try:
        refusal = host_refusal(call.url)
    except HostUnresolved as error:
        return _retry(call, str(error), now)
    if refusal:
        return _finish(call, WebhookState.FAILED, f"refused: {refusal}", now)
    body = call.body.encode("utf-8")
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(  # noqa: S310 - webhook_url_check allowed only http(s)
        call.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Afterdesk-Automations",
            "X-Afterdesk-Timestamp": timestamp,
            "X-Afterdesk-Signature": signature(secret, timestamp, body),
            "X-Afterdesk-Delivery": str(call.pk),
        },
    )
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        if 400 <= status < 500 and status not in (408, 429):
            return _finish(
                call, WebhookState.FAILED, f"HTTP {status}: the receiver refused it", now
            )
        return _retry(call, f"HTTP {status}", now)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return _retry(call, f"{type(error).__name__}: {error}", now)
    if 200 <= status < 300:
        return _finish(call, WebhookState.SENT, "", now)
    return _retry(call, f"HTTP {status}", now)


def _retry(call: WebhookCall, error: str, now: datetime) -> str:
    tries = call.tries + 1
    if tries >= MAX_TRIES:
        return _finish(call, WebhookState.FAILED, f"gave up after {tries} tries: {error}", now)
    WebhookCall.objects.filter(pk=call.pk).update(
        tries=tries, last_error=error, next_at=now + BACKOFF[tries - 1]
    )
    logger.info("webhook call %s failed (try %s), again later: %s", call.pk, tries, error)
    return WebhookState.PENDING


def _finish(call: WebhookCall, state: str, error: str, now: datetime) -> str:
    WebhookCall.objects.filter(pk=call.pk).update(
        state=state, tries=call.tries + 1, last_error=error, next_at=None
    )
    if state == WebhookState.FAILED:
        logger.warning("webhook call %s failed for good: %s", call.pk, error)
    return state


def webhooks_send_due(now: datetime | None = None) -> list[str]:
    """Every call whose try is due (the retries, and calls whose first task was lost)."""
    now = now or timezone.now()
    due = WebhookCall.objects.filter(state=WebhookState.PENDING, next_at__lte=now).order_by("id")
    return [webhook_send(call_id, now=now) for call_id in due.values_list("pk", flat=True)[:200]]
