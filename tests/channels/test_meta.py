"""Messenger and Instagram: the subscription check, X-Hub-Signature-256, the documented payload
shapes, one ticket per sender and page, idempotency by mid, raw payloads kept, and agent
replies through the Send API (a local Graph server) within Meta's messaging window."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.relay_models import (
    Conversation,
    MetaPage,
    RelayDelivery,
    RelayPayload,
)
from afterdesk.channels.services import meta
from afterdesk.channels.services.relay_admin import meta_page_create
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Ticket
from tests.channels.graph_server import GraphServer, graph_server

__all__ = ["graph_server"]
pytestmark = pytest.mark.django_db
APP_SECRET = "meta-app-secret-0123456789"
URL = "/api/channels/meta/webhook"
PAGE = "1029384756"
IG_ACCOUNT = "17841400000000001"


@pytest.fixture(autouse=True)
def _meta_settings(graph_server: GraphServer) -> Iterator[None]:
    with override_settings(
        META_APP_SECRET=APP_SECRET,
        META_VERIFY_TOKEN="verify-me",
        META_GRAPH_API_URL=graph_server.url,
    ):
        yield


@pytest.fixture
def page(graph_server: GraphServer) -> MetaPage:
    return meta_page_create(
        page_id=PAGE,
        platform="facebook",
        name="Shop page",
        access_token=graph_server.token,
        store_id=None,
        human_agent=False,
    )


def event(
    *,
    mid: str = "m_1",
    text: str = "Hi, where is my order?",
    sender: str = "PSID-42",
    page_id: str = PAGE,
    obj: str = "page",
    at: int | None = None,
    **message: Any,
) -> bytes:
    stamp = at if at is not None else int(timezone.now().timestamp() * 1000)
    body = {
        "object": obj,
        "entry": [
            {
                "id": page_id,
                "time": stamp,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": page_id},
                        "timestamp": stamp,
                        "message": {"mid": mid, "text": text, **message},
                    }
                ],
            }
        ],
    }
    # Meta escapes non-ASCII in its bodies; the signature is over these exact bytes.
    return json.dumps(body).encode()


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}"}


def post(body: bytes, headers: dict[str, str]) -> Any:
    return Client().post(URL, body, content_type="application/json", headers=headers)


def test_the_subscription_check_echoes_the_challenge_only_with_our_token() -> None:
    ok = Client().get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200
    assert ok.content == b"1158201444"
    wrong = Client().get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    assert wrong.json()["message"] == "the verify token does not match"
    assert Client().get(URL, {"hub.verify_token": "verify-me"}).status_code == 403


def test_a_messenger_message_opens_a_chat_ticket_once(page: MetaPage) -> None:
    body = event(text="Hola, ¿dónde está mi pedido? 😟")

    response = post(body, signed(body))

    assert response.status_code == 200, response.json()
    assert response.json()["taken"] == 1
    ticket = Ticket.objects.get()
    assert ticket.channel == "chat"
    assert list(ticket.tags.values_list("name", flat=True)) == ["facebook"]
    assert ticket.messages.get().body_text == "Hola, ¿dónde está mi pedido? 😟"
    assert ticket.language == "es"
    conversation = Conversation.objects.get()
    assert (conversation.owner, conversation.external_id) == (f"facebook:{PAGE}", "PSID-42")
    # Meta delivers again after a timeout: stored once more raw, taken once.
    again = post(body, signed(body))
    assert again.json()["taken"] == 0
    assert Message.objects.count() == 1
    assert RelayPayload.objects.count() == 2


def test_the_same_sender_writes_again_onto_the_same_ticket_and_attachments_are_links(
    page: MetaPage,
) -> None:
    first = event()
    post(first, signed(first))
    image = {"type": "image", "payload": {"url": "https://cdn.example/photo.jpg"}}
    second = event(mid="m_2", text="Here is a photo", attachments=[image])
    post(second, signed(second))

    ticket = Ticket.objects.get()
    assert [m.body_text for m in ticket.messages.all()] == [
        "Hi, where is my order?",
        "Here is a photo\n[image] https://cdn.example/photo.jpg",
    ]
    other = event(mid="m_3", sender="PSID-77")
    post(other, signed(other))
    assert Ticket.objects.count() == 2


def test_instagram_messages_have_their_own_source(graph_server: GraphServer) -> None:
    meta_page_create(
        page_id=IG_ACCOUNT,
        platform="instagram",
        name="",
        access_token=graph_server.token,
        store_id=None,
        human_agent=False,
    )
    body = event(obj="instagram", page_id=IG_ACCOUNT, sender="IGSID-1", mid="aWdfZA")

    assert post(body, signed(body)).json()["taken"] == 1
    assert Conversation.objects.get().source == "instagram"
    assert list(Ticket.objects.get().tags.values_list("name", flat=True)) == ["instagram"]


def test_echoes_deliveries_and_reads_are_not_buyer_messages(page: MetaPage) -> None:
    echo = event(is_echo=True)
    data = json.loads(event())
    data["entry"][0]["messaging"] = [
        {"sender": {"id": "PSID-42"}, "recipient": {"id": PAGE}, "delivery": {"watermark": 1}},
        {"sender": {"id": "PSID-42"}, "recipient": {"id": PAGE}, "read": {"watermark": 1}},
    ]
    receipts = json.dumps(data).encode()

    assert post(echo, signed(echo)).json() == {
        "payload_id": RelayPayload.objects.get().pk,
        "state": "processed",
        "taken": 0,
    }
    assert post(receipts, signed(receipts)).json()["state"] == "processed"
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature-256": "sha1=abc"}],
)
def test_unsigned_or_wrongly_signed_events_are_refused_and_stored_nowhere(
    page: MetaPage, headers: dict[str, str]
) -> None:
    response = post(event(), headers)

    assert response.status_code == (401 if not headers else 403)
    assert "message" in response.json()
    assert RelayPayload.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_a_body_signed_with_another_apps_secret_is_403(page: MetaPage) -> None:
    body = event()
    assert post(body, signed(body, secret="another-app")).status_code == 403


def test_without_an_app_secret_the_endpoint_says_it_is_not_configured(page: MetaPage) -> None:
    body = event()
    with override_settings(META_APP_SECRET=""):
        response = post(body, signed(body))
    assert response.status_code == 503
    assert "META_APP_SECRET" in response.json()["message"]


def test_an_unreadable_signed_body_is_kept_and_flagged(page: MetaPage) -> None:
    body = b'{"object": "page", "entry": [ broken'

    response = post(body, signed(body))

    assert response.status_code == 200  # stored: Meta need not send it again
    payload = RelayPayload.objects.get()
    assert payload.state == "failed"
    assert "not UTF-8 JSON" in payload.reason
    assert bytes(payload.body) == body


def test_a_message_for_an_unknown_page_fails_and_is_taken_by_a_retry_once_added(
    admin_user: User, graph_server: GraphServer
) -> None:
    body = event()
    post(body, signed(body))
    payload = RelayPayload.objects.get()
    assert payload.state == "failed"
    assert f"page '{PAGE}' is not configured" in payload.reason

    _token, raw = api_token_create(user=admin_user, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    created = api.post(
        "/api/channels/meta/pages",
        {"page_id": PAGE, "platform": "facebook", "access_token": graph_server.token},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert "access_token" not in created.json()
    assert graph_server.token not in MetaPage.objects.get().access_token_encrypted

    failed = api.get("/api/channels/relay/payloads", state="failed").json()
    assert [item["id"] for item in failed["items"]] == [payload.pk]
    retried = api.post(f"/api/channels/relay/payloads/{payload.pk}/retry")
    assert retried.status_code == 200, retried.json()
    assert retried.json()["state"] == "processed"
    assert Ticket.objects.count() == 1
    assert api.post(f"/api/channels/relay/payloads/{payload.pk}/retry").status_code == 409


def _reply(
    agent: User,
    capture: Callable[..., Any],
    text: str = "Your parcel left our warehouse today.",
) -> RelayDelivery:
    ticket = Ticket.objects.get()
    with capture(execute=True):
        event_ = tickets.message_reply(ticket=ticket, by=agent, body=text)
    return RelayDelivery.objects.get(event=event_)


def test_an_agent_reply_goes_out_through_the_send_api(
    page: MetaPage, agent: User, graph_server: GraphServer, django_capture_on_commit_callbacks: Any
) -> None:
    body = event()
    post(body, signed(body))

    delivery = _reply(agent, django_capture_on_commit_callbacks)

    assert graph_server.requests == [
        {
            "recipient": {"id": "PSID-42"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Your parcel left our warehouse today."},
        }
    ]
    assert delivery.state == "sent"
    assert delivery.external_id == "m_sent_1"
    assert delivery.messaging_type == "RESPONSE"
    # Sent once: the minute's sweep finds nothing more to do.
    assert meta.relay_deliveries_send_due() == []
    assert len(graph_server.requests) == 1


def test_replies_on_other_tickets_are_not_sent_to_meta(
    agent: User, graph_server: GraphServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = tickets.ticket_create(subject="Phone call", channel="chat", body="Called us")
    with django_capture_on_commit_callbacks(execute=True):
        tickets.message_reply(ticket=ticket, by=agent, body="Noted.")
    assert RelayDelivery.objects.count() == 0
    assert graph_server.requests == []


def test_outside_the_24_hour_window_the_reply_fails_visibly(
    page: MetaPage, agent: User, graph_server: GraphServer, django_capture_on_commit_callbacks: Any
) -> None:
    long_ago = int((timezone.now() - timedelta(hours=30)).timestamp() * 1000)
    body = event(at=long_ago)
    post(body, signed(body))

    delivery = _reply(agent, django_capture_on_commit_callbacks)

    assert delivery.state == "failed"
    assert "outside Meta's messaging window" in delivery.last_error
    assert "24 hours" in delivery.last_error
    assert graph_server.requests == []


def test_with_human_agent_a_late_reply_is_tagged_within_seven_days(
    page: MetaPage, agent: User, graph_server: GraphServer, django_capture_on_commit_callbacks: Any
) -> None:
    page.human_agent = True
    page.save()
    three_days_ago = int((timezone.now() - timedelta(days=3)).timestamp() * 1000)
    body = event(at=three_days_ago)
    post(body, signed(body))

    delivery = _reply(agent, django_capture_on_commit_callbacks)

    assert delivery.state == "sent"
    assert graph_server.requests[0]["messaging_type"] == "MESSAGE_TAG"
    assert graph_server.requests[0]["tag"] == "HUMAN_AGENT"
    conversation = Conversation.objects.get()
    late = conversation.last_inbound_at + timedelta(days=7, minutes=1)  # type: ignore[operator]
    with pytest.raises(meta.SendError, match="7 days"):
        meta.window_for(conversation, page, late)


def test_a_failing_send_api_is_retried_with_backoff_then_sent(
    page: MetaPage, agent: User, graph_server: GraphServer, django_capture_on_commit_callbacks: Any
) -> None:
    body = event()
    post(body, signed(body))
    graph_server.failures = [(500, {"error": {"message": "An unknown error occurred", "code": 1}})]

    delivery = _reply(agent, django_capture_on_commit_callbacks)

    assert delivery.state == "retrying"
    assert "500" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > timezone.now()
    assert meta.relay_deliveries_send_due() == []  # not due yet
    RelayDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    meta.relay_deliveries_send_due()
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert delivery.attempts == 2
    assert len(graph_server.requests) == 2


def test_a_permanent_send_api_error_fails_at_once_and_an_admin_can_retry(
    page: MetaPage,
    agent: User,
    admin_user: User,
    graph_server: GraphServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = event()
    post(body, signed(body))
    graph_server.failures = [
        (400, {"error": {"message": "(#551) This person isn't available right now.", "code": 551}})
    ]

    delivery = _reply(agent, django_capture_on_commit_callbacks)

    assert delivery.state == "failed"
    assert "isn't available" in delivery.last_error
    _token, raw = api_token_create(user=admin_user, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    listed = api.get("/api/channels/relay/deliveries", {"state": "failed"}).json()
    assert [d["id"] for d in listed] == [delivery.pk]
    retried = api.post(f"/api/channels/relay/deliveries/{delivery.pk}/retry")
    assert retried.status_code == 200, retried.json()
    assert retried.json()["state"] == "sent"


def test_a_reply_whose_queueing_was_lost_is_found_and_sent_by_the_sweep(
    page: MetaPage, agent: User, graph_server: GraphServer
) -> None:
    body = event()
    post(body, signed(body))
    # No on-commit callbacks run here: as if the process died right after the reply's commit.
    reply = tickets.message_reply(ticket=Ticket.objects.get(), by=agent, body="On its way!")
    assert not RelayDelivery.objects.exists()

    meta.relay_deliveries_send_due()

    delivery = RelayDelivery.objects.get(event=reply)
    assert delivery.state == "sent"
    assert graph_server.requests[0]["message"] == {"text": "On its way!"}
    meta.relay_deliveries_send_due()
    assert len(graph_server.requests) == 1


def test_the_ticket_page_shows_each_replys_send_api_state_with_the_reason(
    page: MetaPage,
    agent: User,
    admin_user: User,
    graph_server: GraphServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = event()
    post(body, signed(body))
    _reply(agent, django_capture_on_commit_callbacks, text="First answer")
    graph_server.failures = [
        (400, {"error": {"message": "(#551) This person isn't available right now.", "code": 551}})
    ]
    _reply(agent, django_capture_on_commit_callbacks, text="Second answer")
    client = Client()
    client.force_login(admin_user)

    html = client.get(f"/tickets/{Ticket.objects.get().pk}/").content.decode()

    assert html.count("Sent by Messenger/Instagram") == 1
    assert "Not sent to Messenger/Instagram" in html
    assert "This person isn&#x27;t available right now." in html
    assert "Emailed to" not in html
