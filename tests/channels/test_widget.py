"""The chat widget's endpoints: CORS limited to the widget's origins, the conversation token,
messages to tickets and replies back, limits on input and rate, and the admins' widgets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.relay_models import (
    ChatWidget,
    Conversation,
    RelayPayload,
    WebhookIntegration,
)
from afterdesk.channels.services import widget as widgets
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def widget() -> ChatWidget:
    return ChatWidget.objects.create(name="Shop chat", allowed_origins=[SHOP], greeting="Hi!")


def send(widget: ChatWidget, data: Any, token: str = "", origin: str = SHOP, **extra: Any) -> Any:
    headers = {"Origin": origin, **({"X-Widget-Token": token} if token else {})}
    body = data if isinstance(data, bytes) else json.dumps(data)
    return Client().post(
        f"/widget/{widget.key}/messages",
        body,
        content_type="application/json",
        headers=headers,
        **extra,
    )


def read(widget: ChatWidget, token: str, since: str = "0", origin: str = SHOP) -> Any:
    return Client().get(
        f"/widget/{widget.key}/messages",
        {"since": since},
        headers={"Origin": origin, "X-Widget-Token": token},
    )


def test_a_buyer_message_opens_a_chat_ticket_and_the_agent_reply_comes_back(
    widget: ChatWidget, agent: User
) -> None:
    response = send(widget, {"text": "Do you ship to Norway?", "client_id": "c-1"})

    assert response.status_code == 201, response.json()
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    assert "Set-Cookie" not in response
    token = response.json()["token"]
    ticket = Ticket.objects.get()
    assert ticket.channel == "chat"
    assert list(ticket.tags.values_list("name", flat=True)) == ["widget"]
    mine = response.json()["message"]
    assert mine["from"] == "buyer"
    assert mine["text"] == "Do you ship to Norway?"
    assert RelayPayload.objects.get().state == "processed"

    tickets.note_add(ticket=ticket, by=agent, body="internal: check carrier")
    tickets.message_reply(ticket=ticket, by=agent, body="Yes, in 3 to 5 days.")
    answer = read(widget, token, since=str(mine["id"]))

    assert answer.status_code == 200
    assert [(m["from"], m["text"]) for m in answer.json()["messages"]] == [
        ("agent", "Yes, in 3 to 5 days.")
    ]
    follow_up = send(widget, {"text": "Great, thanks"}, token=token)
    assert follow_up.status_code == 201
    assert "token" not in follow_up.json()
    assert Ticket.objects.count() == 1
    assert ticket.messages.filter(kind="inbound").count() == 2


def test_a_resent_message_with_the_same_client_id_is_stored_once(widget: ChatWidget) -> None:
    first = send(widget, {"text": "Hello", "client_id": "c-1"})
    token = first.json()["token"]
    again = send(widget, {"text": "Hello", "client_id": "c-1"}, token=token)

    assert again.status_code == 201
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Ticket.objects.get().messages.count() == 1


def test_other_origins_get_no_cors_answer_and_store_nothing(widget: ChatWidget) -> None:
    response = send(widget, {"text": "Hello"}, origin="https://evil.example")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert send(widget, {"text": "Hello"}, origin="").status_code == 403
    assert Ticket.objects.count() == 0
    assert RelayPayload.objects.count() == 0


def test_the_preflight_names_what_the_widget_may_send(widget: ChatWidget) -> None:
    response = Client().options(
        f"/widget/{widget.key}/messages",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response["Access-Control-Allow-Methods"] == "GET, POST"
    assert "X-Widget-Token" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    refused = Client().options(
        f"/widget/{widget.key}/messages", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in refused


def test_a_token_reads_only_its_own_conversation(widget: ChatWidget) -> None:
    mine = send(widget, {"text": "My question"}).json()["token"]
    theirs = send(widget, {"text": "Their secret question"}).json()["token"]
    number, _dot, _secret = theirs.partition(".")

    assert read(widget, mine).json()["messages"][0]["text"] == "My question"
    assert read(widget, f"{number}.guessed-secret").status_code == 403
    assert read(widget, "").status_code == 401
    assert read(widget, "not-a-token").status_code == 403
    other = ChatWidget.objects.create(name="Other", allowed_origins=[SHOP])
    assert read(other, theirs).status_code == 403
    stored = Conversation.objects.get(pk=int(number))
    assert _secret not in stored.token_sha256


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": 5}, "text"),
        ({"text": "hi", "email": "nope"}, "email"),
        ({"text": "hi", "colour": "red"}, "colour"),
        (b"not json", "body"),
    ],
)
def test_bad_input_is_422_naming_the_field(widget: ChatWidget, data: Any, field: str) -> None:
    response = send(widget, data)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response["Access-Control-Allow-Origin"] == SHOP  # the page can show why
    assert Ticket.objects.count() == 0


def test_a_body_over_16_kib_is_413(widget: ChatWidget) -> None:
    assert send(widget, {"text": "hi", "name": "x" * 20_000}).status_code == 413


def test_a_conversation_sending_too_fast_is_429(widget: ChatWidget) -> None:
    token = send(widget, {"text": "1"}).json()["token"]
    for n in range(2, widgets.MESSAGES_PER_WINDOW + 1):
        assert send(widget, {"text": str(n)}, token=token).status_code == 201

    response = send(widget, {"text": "one too many"}, token=token)

    assert response.status_code == 429
    assert Ticket.objects.get().messages.count() == widgets.MESSAGES_PER_WINDOW


def test_one_address_cannot_open_endless_conversations(widget: ChatWidget) -> None:
    for _ in range(widgets.CONVERSATIONS_PER_ADDRESS_HOUR):
        assert send(widget, {"text": "hi"}).status_code == 201

    assert send(widget, {"text": "hi"}).status_code == 429
    assert send(widget, {"text": "hi"}, REMOTE_ADDR="198.51.100.7").status_code == 201


def test_an_unknown_or_disabled_widget_is_404(widget: ChatWidget) -> None:
    widget.enabled = False
    widget.save()
    assert send(widget, {"text": "hi"}).status_code == 404
    missing = Client().get("/widget/nope/config", headers={"Origin": SHOP})
    assert missing.status_code == 404
    assert missing.json()["message"] == "no such chat widget"


def test_the_config_gives_the_name_and_greeting(widget: ChatWidget) -> None:
    response = Client().get(f"/widget/{widget.key}/config", headers={"Origin": SHOP})
    assert response.json() == {"name": "Shop chat", "greeting": "Hi!"}


def test_admins_create_widgets_with_normalised_origins(admin_user: User, agent: User) -> None:
    _token, raw = api_token_create(user=admin_user, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    created = api.post(
        "/api/channels/widgets",
        {"name": "Shop", "allowed_origins": ["https://Shop.Example/", "http://127.0.0.1:8080"]},
        content_type="application/json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["allowed_origins"] == ["http://127.0.0.1:8080", "https://shop.example"]
    assert len(created.json()["key"]) >= 20
    bad = api.post(
        "/api/channels/widgets",
        {"name": "Shop", "allowed_origins": ["https://shop.example/path"]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "allowed_origins"
    _token, agent_raw = api_token_create(user=agent, name="tests")
    agent_api = Client(headers={"Authorization": f"Bearer {agent_raw}"})
    assert agent_api.get("/api/channels/widgets").status_code == 403


def test_the_admins_page_adds_an_integration_showing_its_secret_once_and_a_widget_with_its_tag(
    admin_user: User, supervisor: User
) -> None:
    client = Client()
    client.force_login(admin_user)

    created = client.post("/channels/relays/", {"form": "integration", "name": "otto"})

    assert created.status_code == 200
    secret = WebhookIntegration.objects.get().secret
    assert secret in created.content.decode()
    assert secret not in client.get("/channels/relays/").content.decode()
    refused = client.post("/channels/relays/", {"form": "integration", "name": "Not A Slug"})
    assert refused.status_code == 422
    widget_page = client.post(
        "/channels/relays/", {"form": "widget", "name": "Shop", "origins": "https://shop.example/"}
    ).content.decode()
    widget = ChatWidget.objects.get()
    assert widget.allowed_origins == ["https://shop.example"]
    assert f'data-widget="{widget.key}"' in widget_page
    assert "/static/afterdesk/widget.js" in widget_page
    other = Client()
    other.force_login(supervisor)
    assert other.get("/channels/relays/").status_code == 403
