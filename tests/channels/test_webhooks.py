"""The generic signed JSON webhook: signatures and timestamps, the body's rules, idempotency by
message_id, conversations mapped to tickets, raw bodies kept, and the admins' integrations."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.relay_models import RelayMessage, RelayPayload, WebhookIntegration
from afterdesk.channels.services.relay_admin import integration_create
from afterdesk.commerce.models import CustomerIdentity, Store
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Status, Ticket
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
SECRET = "s3cret-of-the-marketplace-0123456789abcdef"
URL = "/api/channels/webhook/bazaar"


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Afterdesk-Timestamp": stamp, "X-Afterdesk-Signature": f"sha256={digest}"}


def message(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "conversation_id": "conv-1",
        "message_id": "msg-1",
        "from": {"name": "Lena Buyer", "email": "lena@example.net"},
        "text": "Hello, my parcel has not arrived yet.",
    }
    data.update(overrides)
    return data


def post(body: bytes, headers: dict[str, str], url: str = URL) -> Any:
    return Client().post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def integration() -> WebhookIntegration:
    store = Store.objects.create(code="bazaar-de", name="Bazaar DE")
    found, _secret = integration_create(name="bazaar", store_id=store.pk, secret=SECRET)
    return found


def test_a_signed_message_opens_a_marketplace_ticket(integration: WebhookIntegration) -> None:
    OrderFactory(store=integration.store, number="#4711")
    body = json.dumps(message(order_number="#4711")).encode()

    response = post(body, sign(body))

    assert response.status_code == 201, response.json()
    answer = response.json()
    ticket = Ticket.objects.get()
    assert answer == {"stored": True, "ticket_id": ticket.pk, "payload_id": answer["payload_id"]}
    assert ticket.channel == "marketplace"
    assert ticket.store == integration.store
    assert [o.number for o in ticket.orders.all()] == ["#4711"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["bazaar"]
    assert ticket.messages.get().body_text == "Hello, my parcel has not arrived yet."
    assert CustomerIdentity.objects.get(customer=ticket.customer).value == "lena@example.net"
    assert ticket.language == "en"
    assert bytes(RelayPayload.objects.get().body) == body  # the raw body, byte for byte


def test_the_same_message_twice_is_stored_once(integration: WebhookIntegration) -> None:
    body = json.dumps(message()).encode()
    assert post(body, sign(body)).status_code == 201

    again = post(body, sign(body))

    assert again.status_code == 200
    assert again.json()["stored"] is False
    assert Message.objects.count() == 1
    assert RelayMessage.objects.count() == 1
    assert RelayPayload.objects.count() == 2  # every signed body is kept


def test_the_next_message_of_a_conversation_lands_on_its_ticket_and_reopens_it(
    integration: WebhookIntegration, agent: User
) -> None:
    first = json.dumps(message()).encode()
    post(first, sign(first))
    ticket = Ticket.objects.get()
    tickets.message_reply(ticket=ticket, by=agent, body="On its way.", status=Status.SOLVED)

    second = json.dumps(message(message_id="msg-2", text="Still nothing!")).encode()
    response = post(second, sign(second))

    assert response.status_code == 201
    assert response.json()["ticket_id"] == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    other = json.dumps(message(conversation_id="conv-2", message_id="msg-3")).encode()
    assert post(other, sign(other)).json()["ticket_id"] != ticket.pk


def test_after_a_closed_ticket_the_conversation_opens_a_new_one(
    integration: WebhookIntegration, agent: User
) -> None:
    first = json.dumps(message()).encode()
    post(first, sign(first))
    ticket = Ticket.objects.get()
    tickets.ticket_set_status(ticket=ticket, by=agent, status=Status.CLOSED)

    second = json.dumps(message(message_id="msg-2")).encode()
    new_id = post(second, sign(second)).json()["ticket_id"]

    assert new_id != ticket.pk
    assert Ticket.objects.get(pk=new_id).customer_id == ticket.customer_id


@pytest.mark.parametrize(
    ("headers", "status", "field"),
    [
        ({}, 401, "X-Afterdesk-Signature"),
        ({"X-Afterdesk-Signature": "sha256=00"}, 401, "X-Afterdesk-Timestamp"),
        ({"X-Afterdesk-Signature": "md5=00", "X-Afterdesk-Timestamp": "1"}, 403, None),
    ],
)
def test_unsigned_requests_are_refused_and_store_nothing(
    integration: WebhookIntegration, headers: dict[str, str], status: int, field: str | None
) -> None:
    response = post(json.dumps(message()).encode(), headers)

    assert response.status_code == status
    if field:
        assert response.json()["field"] == field
    assert RelayPayload.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_a_wrong_signature_is_403(integration: WebhookIntegration) -> None:
    body = json.dumps(message()).encode()
    forged = sign(body, secret="another-secret-" + "x" * 30)
    tampered = sign(body)

    assert post(body, forged).status_code == 403
    assert post(body.replace(b"Hello", b"Hellp"), tampered).status_code == 403
    assert post(body, {**tampered, "X-Afterdesk-Timestamp": str(int(time.time()) + 1)}).json()[
        "message"
    ] == ("the signature does not match")
    assert Ticket.objects.count() == 0


def test_a_replayed_request_older_than_five_minutes_is_403(
    integration: WebhookIntegration,
) -> None:
    body = json.dumps(message()).encode()
    old = int(time.time()) - 301

    response = post(body, sign(body, timestamp=old))

    assert response.status_code == 403
    assert "5 minutes" in response.json()["message"]
    assert post(body, sign(body, timestamp=int(time.time()) - 290)).status_code == 201


def test_an_unknown_or_disabled_integration_is_404(integration: WebhookIntegration) -> None:
    body = json.dumps(message()).encode()
    assert post(body, sign(body), url="/api/channels/webhook/nobody").status_code == 404
    integration.enabled = False
    integration.save()
    assert post(body, sign(body)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (json.dumps(message(text="")).encode(), "text"),
        (json.dumps(message(text=5)).encode(), "text"),
        (json.dumps(message(message_id=None)).encode(), "message_id"),
        (json.dumps(message(colour="red")).encode(), "colour"),
        (json.dumps(message(**{"from": "lena"})).encode(), "from"),
        (json.dumps(message(**{"from": {"email": "not an address"}})).encode(), "from.email"),
        (json.dumps(message(sent_at="yesterday")).encode(), "sent_at"),
        (json.dumps(message(sent_at="2026-13-01T00:00:00Z")).encode(), "sent_at"),
        (json.dumps(message(text="x" * 100_001)).encode(), "text"),
    ],
)
def test_a_signed_body_that_is_not_the_format_is_422_and_kept_as_failed(
    integration: WebhookIntegration, body: bytes, field: str
) -> None:
    response = post(body, sign(body))

    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    payload = RelayPayload.objects.get()
    assert payload.state == "failed"
    assert payload.reason
    assert bytes(payload.body) == body
    assert Ticket.objects.count() == 0


def test_a_body_over_the_limit_is_413(integration: WebhookIntegration) -> None:
    body = json.dumps(message(text="x" * 300_000)).encode()
    assert post(body, sign(body)).status_code == 413
    assert RelayPayload.objects.count() == 0


def test_sent_at_dates_the_message(integration: WebhookIntegration) -> None:
    body = json.dumps(message(sent_at="2026-01-02T03:04:05+01:00")).encode()
    post(body, sign(body))
    assert Ticket.objects.get().created_at.isoformat() == "2026-01-02T02:04:05+00:00"


def _admin_api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_admins_create_integrations_whose_secret_is_shown_once_and_encrypted(
    admin_user: User,
) -> None:
    api = _admin_api(admin_user)
    created = api.post(
        "/api/channels/integrations", {"name": "otto-market"}, content_type="application/json"
    )

    assert created.status_code == 201, created.json()
    secret = created.json()["secret"]
    assert len(secret) >= 40
    assert created.json()["path"] == "/api/channels/webhook/otto-market"
    stored = WebhookIntegration.objects.get()
    assert secret not in stored.secret_encrypted  # Fernet at rest
    assert stored.secret == secret
    listed = api.get("/api/channels/integrations").json()
    assert listed[0]["name"] == "otto-market"
    assert "secret" not in listed[0]

    body = json.dumps(message()).encode()
    url = "/api/channels/webhook/otto-market"
    assert post(body, sign(body, secret=secret), url=url).status_code == 201

    rotated = api.post(f"/api/channels/integrations/{stored.pk}/secret")
    assert rotated.status_code == 200
    second = json.dumps(message(message_id="msg-2")).encode()
    assert post(second, sign(second, secret=secret), url=url).status_code == 403
    new_secret = rotated.json()["secret"]
    assert post(second, sign(second, secret=new_secret), url=url).status_code == 201

    again = api.post(
        "/api/channels/integrations", {"name": "otto-market"}, content_type="application/json"
    )
    assert again.status_code == 409
    bad = api.post(
        "/api/channels/integrations", {"name": "Not A Slug"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert api.delete(f"/api/channels/integrations/{stored.pk}").status_code == 204


def test_only_admins_configure_integrations(agent: User, supervisor: User) -> None:
    for user in (agent, supervisor):
        api = _admin_api(user)
        assert api.get("/api/channels/integrations").status_code == 403
        response = api.post(
            "/api/channels/integrations", {"name": "x"}, content_type="application/json"
        )
        assert response.status_code == 403
    assert Client().get("/api/channels/integrations").status_code == 401
