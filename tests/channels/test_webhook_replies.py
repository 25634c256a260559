"""Agents' replies on signed-webhook tickets are posted back to the integration's reply URL:
signed like the platform's posts, retried with backoff on 5xx and network errors, failed at
once on a refusal, visible on the reply and on the admins' page, and never sent to the desk's
own network unless the server's admin allows it (docs/channels.md, "Replies to the
platform"). The platform is a real HTTP server on 127.0.0.1, run in a thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.relay_models import (
    RelayDelivery,
    RelayDeliveryState,
    WebhookIntegration,
)
from afterdesk.channels.services.callbacks import PRIVATE_HOSTS_ENV
from afterdesk.channels.services.meta import (
    BACKOFF_MINUTES,
    relay_deliveries_send_due,
    relay_delivery_send,
)
from afterdesk.channels.services.relay_admin import integration_create, integration_update
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Ticket
from tests.channels.test_webhooks import SECRET, message, post, sign

pytestmark = pytest.mark.django_db


@dataclass
class Platform:
    """The webhook platform's side: records each signed post, answers what the test queued."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)  # then 200


@pytest.fixture
def platform() -> Iterator[Platform]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stamp = self.headers.get("X-Afterdesk-Timestamp", "")
            expected = hmac.new(
                SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256
            ).hexdigest()
            state.posts.append(
                {
                    "path": self.path,
                    "body": json.loads(raw),
                    "signed": hmac.compare_digest(
                        self.headers.get("X-Afterdesk-Signature", ""), f"sha256={expected}"
                    ),
                    "delivery": self.headers.get("X-Afterdesk-Delivery"),
                }
            )
            status, body = (
                state.answers.pop(0) if state.answers else (200, b'{"message_id": "r-1"}')
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/desk-replies"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")


def opened(integration: WebhookIntegration, **overrides: Any) -> Ticket:
    body = json.dumps(message(**overrides)).encode()
    answer = post(body, sign(body), url=f"/api/channels/webhook/{integration.name}")
    assert answer.status_code == 201, answer.content
    return Ticket.objects.get(pk=answer.json()["ticket_id"])


def reply(ticket: Ticket, agent: User, capture: Any, body: str = "It ships today.") -> Any:
    with capture(execute=True):
        return tickets.message_reply(ticket=ticket, by=agent, body=body)


def test_a_reply_is_posted_signed_to_the_reply_url(
    platform: Platform, local_allowed: None, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    integration, _secret = integration_create(
        name="bazaar", store_id=None, secret=SECRET, reply_url=platform.url
    )
    ticket = opened(integration)
    event = reply(ticket, agent, django_capture_on_commit_callbacks)

    [sent] = platform.posts
    assert sent["signed"]
    assert sent["path"] == "/desk-replies"
    assert sent["delivery"] == f"{ticket.pk}-{event.pk}"
    body = sent["body"]
    assert body["type"] == "reply"
    assert (body["conversation_id"], body["in_reply_to"], body["text"]) == (
        "conv-1",
        "msg-1",
        "It ships today.",
    )
    assert (body["ticket_id"], body["reply_id"]) == (ticket.pk, f"{ticket.pk}-{event.pk}")
    assert body["agent"]["name"]
    delivery = RelayDelivery.objects.get(event=event)
    assert (delivery.state, delivery.external_id, delivery.messaging_type) == (
        RelayDeliveryState.SENT,
        "r-1",
        "webhook",
    )


def test_a_platform_error_is_retried_with_backoff_then_sent(
    platform: Platform, local_allowed: None, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    integration, _secret = integration_create(
        name="bazaar", store_id=None, secret=SECRET, reply_url=platform.url
    )
    ticket = opened(integration)
    platform.answers = [(503, b"maintenance")]
    before = timezone.now()
    event = reply(ticket, agent, django_capture_on_commit_callbacks)

    delivery = RelayDelivery.objects.get(event=event)
    assert delivery.state == RelayDeliveryState.RETRYING
    assert "answered 503: maintenance" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + timedelta(minutes=BACKOFF_MINUTES[0])
    assert relay_deliveries_send_due() == []  # not due yet
    RelayDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert len(relay_deliveries_send_due()) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (RelayDeliveryState.SENT, 2)
    # The same reply both times: the platform deduplicates by the delivery header.
    assert [p["delivery"] for p in platform.posts] == [f"{ticket.pk}-{event.pk}"] * 2


def test_a_refusal_fails_at_once_and_shows_on_the_reply_and_the_admins_page(
    client: Client,
    platform: Platform,
    local_allowed: None,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    integration, _secret = integration_create(
        name="bazaar", store_id=None, secret=SECRET, reply_url=platform.url
    )
    ticket = opened(integration)
    platform.answers = [(400, b'{"error": "conversation closed"}')]
    event = reply(ticket, admin_user, django_capture_on_commit_callbacks)

    delivery = RelayDelivery.objects.get(event=event)
    assert delivery.state == RelayDeliveryState.FAILED
    assert delivery.attempts == 1
    client.force_login(admin_user)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Not sent to bazaar" in page
    assert "conversation closed" in page
    relays = client.get(reverse("channels:relays")).content.decode()
    assert "conversation closed" in relays
    # Retried from the page: the platform takes it this time.
    answer = client.post(reverse("channels:relays"), {"form": "retry", "delivery": delivery.pk})
    assert answer.status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == RelayDeliveryState.SENT


def test_the_desk_s_own_network_is_refused_unless_allowed(
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")
    integration, _secret = integration_create(
        name="bazaar", store_id=None, secret=SECRET, reply_url=platform.url
    )
    ticket = opened(integration)
    monkeypatch.delenv(PRIVATE_HOSTS_ENV)  # the admin takes the permission back
    event = reply(ticket, agent, django_capture_on_commit_callbacks)

    delivery = RelayDelivery.objects.get(event=event)
    assert delivery.state == RelayDeliveryState.FAILED
    assert "must use https://" in delivery.last_error
    assert platform.posts == []
    # A host name that resolves to loopback is refused too, before any request.
    WebhookIntegration.objects.filter(pk=integration.pk).update(
        reply_url=platform.url.replace("http://127.0.0.1", "https://localhost")
    )
    second = reply(ticket, agent, django_capture_on_commit_callbacks, body="Again.")
    delivery = RelayDelivery.objects.get(event=second)
    assert delivery.state == RelayDeliveryState.FAILED
    assert "private, loopback or link-local" in delivery.last_error
    assert PRIVATE_HOSTS_ENV in delivery.last_error
    assert platform.posts == []


def test_reply_urls_are_checked_when_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRIVATE_HOSTS_ENV, raising=False)
    integration, _secret = integration_create(name="bazaar", store_id=None, secret=SECRET)
    for bad, says in [
        ("http://platform.example/replies", "https://"),
        ("https://10.0.0.5/replies", "private"),
        ("https://[::1]/replies", "private"),
        ("ftp://platform.example/", "https://"),
        ("https://user:pw@platform.example/", "user or password"),
        ("https://platform.example:99999/", "not a URL"),
    ]:
        with pytest.raises(Exception, match=says) as caught:
            integration_update(integration.pk, reply_url=bad)
        assert getattr(caught.value, "field", "") == "reply_url"
    updated = integration_update(integration.pk, reply_url="https://platform.example/replies")
    assert updated.reply_url == "https://platform.example/replies"
    assert integration_update(integration.pk, reply_url="").reply_url == ""


def test_without_a_reply_url_replies_stay_in_the_desk(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    integration, _secret = integration_create(name="bazaar", store_id=None, secret=SECRET)
    event = reply(opened(integration), agent, django_capture_on_commit_callbacks)
    assert not RelayDelivery.objects.filter(event=event).exists()


def test_admins_set_the_reply_url_through_the_api(admin_user: User, agent: User) -> None:
    integration, _secret = integration_create(name="bazaar", store_id=None, secret=SECRET)
    _token, key = api_token_create(user=admin_user, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    url = f"/api/channels/integrations/{integration.pk}"

    answer = api.patch(url, {"reply_url": "http://platform.example/x"}, "application/json")
    assert answer.status_code == 422
    assert answer.json()["field"] == "reply_url"
    answer = api.patch(url, {"reply_url": "https://platform.example/x"}, "application/json")
    assert answer.status_code == 200
    assert answer.json()["reply_url"] == "https://platform.example/x"
    _token, agent_key = api_token_create(user=agent, name="t")
    refused = Client(headers={"Authorization": f"Bearer {agent_key}"}).patch(
        url, {"reply_url": ""}, "application/json"
    )
    assert refused.status_code == 403


def test_a_crash_before_the_delivery_row_is_swept_into_sending(
    platform: Platform, local_allowed: None, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    integration, _secret = integration_create(
        name="bazaar", store_id=None, secret=SECRET, reply_url=platform.url
    )
    ticket = opened(integration)
    with django_capture_on_commit_callbacks(execute=False):  # the process died after commit
        event = tickets.message_reply(ticket=ticket, by=agent, body="Lost?")
    assert not RelayDelivery.objects.filter(event=event).exists()
    assert len(relay_deliveries_send_due()) == 1
    assert RelayDelivery.objects.get(event=event).state == RelayDeliveryState.SENT
    assert relay_delivery_send(RelayDelivery.objects.get(event=event).pk).endswith("nothing to do")
