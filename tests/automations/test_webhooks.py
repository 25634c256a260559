"""The webhook action against a local HTTP server: signed, retried with backoff, never to a
private or loopback address unless the server's admin allows it."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone

from afterdesk.automations.engine import ticket_trigger
from afterdesk.automations.models import FiringState, WebhookCall, WebhookState
from afterdesk.automations.webhooks import BACKOFF, MAX_TRIES, webhook_send, webhooks_send_due
from afterdesk.channels.services.outbound import PRIVATE_HOSTS_ENV
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.answers, Receiver.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _rule(make_rule: MakeRule, url: str) -> None:
    make_rule("ticket_created", [{"type": "webhook", "url": url, "secret": SECRET}])


def test_a_webhook_is_signed_and_retried_with_backoff(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    receiver: str,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")  # the admin allows the local server
    _rule(make_rule, receiver)
    Receiver.answers = [500, 503]
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        (firing,) = ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="k")
    call = WebhookCall.objects.get()
    assert (call.state, call.tries, call.last_error) == (WebhookState.PENDING, 1, "HTTP 500")
    assert call.next_at is not None
    assert call.next_at > timezone.now() + BACKOFF[0] - timedelta(seconds=5)
    assert webhooks_send_due() == []  # not due yet
    assert webhooks_send_due(timezone.now() + timedelta(minutes=2)) == [WebhookState.PENDING]
    later = timezone.now() + timedelta(minutes=10)
    assert webhooks_send_due(later) == [WebhookState.SENT]
    assert webhooks_send_due(later + timedelta(days=1)) == []  # sent once
    assert len(Receiver.received) == 3
    headers, body = Receiver.received[-1]
    timestamp = headers["X-Afterdesk-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    assert headers["X-Afterdesk-Signature"] == "sha256=" + expected.hexdigest()
    assert f'"id": {ticket.pk}'.encode() in body
    assert firing.state == FiringState.DONE


def test_a_webhook_gives_up_after_its_tries_and_a_4xx_is_final(
    make_rule: MakeRule, make_ticket: MakeTicket, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")
    _rule(make_rule, receiver)
    Receiver.answers = [500] * MAX_TRIES
    ticket_trigger(ticket_id=make_ticket().pk, trigger="ticket_created", key="k")
    call = WebhookCall.objects.get()
    now = timezone.now()
    for _try in range(MAX_TRIES):
        webhook_send(call.pk, now=now)
        now += timedelta(days=1)
    call.refresh_from_db()
    assert call.state == WebhookState.FAILED
    assert call.tries == MAX_TRIES
    assert call.last_error.startswith(f"gave up after {MAX_TRIES} tries")
    Receiver.answers = [410]
    ticket_trigger(ticket_id=make_ticket().pk, trigger="ticket_created", key="k")
    second = WebhookCall.objects.latest("id")
    assert webhook_send(second.pk) == WebhookState.FAILED


def test_a_private_target_is_refused(
    make_rule: MakeRule, make_ticket: MakeTicket, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PRIVATE_HOSTS_ENV, raising=False)
    _rule(make_rule, receiver)
    ticket = make_ticket()
    (firing,) = ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="k")
    assert firing.state == FiringState.FAILED
    assert "127.0.0.1 is a private, loopback or link-local address" in firing.error
    assert not WebhookCall.objects.exists()
    assert Receiver.received == []


def test_a_call_whose_address_turned_private_is_refused_when_sent(
    make_rule: MakeRule, make_ticket: MakeTicket, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")
    _rule(make_rule, receiver)
    ticket_trigger(ticket_id=make_ticket().pk, trigger="ticket_created", key="k")
    monkeypatch.delenv(PRIVATE_HOSTS_ENV)
    call = WebhookCall.objects.get()
    assert webhook_send(call.pk, now=timezone.now() + timedelta(hours=1)) == WebhookState.FAILED
    call.refresh_from_db()
    assert call.last_error.startswith("refused: 127.0.0.1")
    assert Receiver.received == []
