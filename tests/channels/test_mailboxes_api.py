"""The mailbox and delivery API: admins only, passwords write-only and encrypted, PATCH
changes only what is sent, 4xx with the field for bad input, connection test and poll
against real servers, failed deliveries listed and retried, pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection, ReplyDelivery
from afterdesk.channels.models import Mailbox
from afterdesk.tickets import services as tickets
from tests.channels.servers import IMAP_PASSWORD, IMAP_USER, Dovecot, SmtpServer, free_port
from tests.channels.test_sending import buyer_ticket, smtp_mailbox
from tests.factories import StoreFactory, TicketFactory

pytestmark = pytest.mark.django_db
URL = "/api/channels/mailboxes"
JSON = "application/json"


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/me")  # the token's first use is written once a minute
    return client


def _create(api: Client, **extra: Any) -> Any:
    payload = {
        "name": "Support",
        "address": "Support@Shop.example",
        "imap_host": "imap.shop.example",
        "imap_username": "support",
        "imap_password": "imap pw",
        "smtp_host": "smtp.shop.example",
        "smtp_security": "ssl",
        "smtp_password": "smtp pw",
        **extra,
    }
    return api.post(URL, payload, content_type=JSON)


def test_admins_create_read_change_and_delete_a_mailbox(admin_user: User) -> None:
    StoreFactory(code="eu-shop")
    api = _api(admin_user)
    created = _create(api, store="eu-shop")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["address"] == "support@shop.example"
    assert (body["store"], body["enabled"], body["imap_security"], body["imap_folder"]) == (
        "eu-shop",
        True,
        "ssl",
        "INBOX",
    )
    assert (body["imap_password_set"], body["smtp_password_set"]) == (True, True)
    assert "imap_password" not in body
    assert "pw" not in created.content.decode()
    connection = MailboxConnection.objects.get(mailbox_id=body["id"])
    assert "imap pw" not in connection.imap_password_encrypted
    assert connection.password("imap") == "imap pw"

    # PATCH: only what is sent; a password left out stays, "" removes it.
    changed = api.patch(
        f"{URL}/{body['id']}",
        {"smtp_port": 2525, "smtp_password": "", "enabled": False},
        content_type=JSON,
    )
    assert changed.status_code == 200, changed.json()
    after = changed.json()
    assert (after["smtp_port"], after["enabled"], after["smtp_password_set"]) == (
        2525,
        False,
        False,
    )
    assert (after["imap_password_set"], after["imap_host"]) == (True, "imap.shop.example")
    assert MailboxConnection.objects.get(mailbox_id=body["id"]).password("imap") == "imap pw"

    assert [m["id"] for m in api.get(URL).json()] == [body["id"]]
    assert api.get(f"{URL}/{body['id']}").json() == after
    assert api.delete(f"{URL}/{body['id']}").status_code == 204
    assert api.get(f"{URL}/{body['id']}").status_code == 404
    assert not MailboxConnection.objects.exists()


def test_moving_the_imap_folder_starts_it_again(admin_user: User) -> None:
    api = _api(admin_user)
    mailbox_id = _create(api).json()["id"]
    MailboxConnection.objects.filter(mailbox_id=mailbox_id).update(uidvalidity=7, last_uid=40)
    api.patch(f"{URL}/{mailbox_id}", {"smtp_port": 25}, content_type=JSON)
    assert api.get(f"{URL}/{mailbox_id}").json()["last_uid"] == 40
    api.patch(f"{URL}/{mailbox_id}", {"imap_folder": "Support"}, content_type=JSON)
    moved = api.get(f"{URL}/{mailbox_id}").json()
    assert (moved["uidvalidity"], moved["last_uid"]) == (None, 0)


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"address": "not-an-address"}, 422, "address"),
        ({"imap_security": "tls"}, 422, "imap_security"),
        ({"smtp_port": 70000}, 422, "smtp_port"),
        ({"store": "nowhere"}, 422, "store"),
        ({"imap_host": "imap.shop.example/x"}, 422, "imap_host"),
        ({"colour": "red"}, 422, "colour"),
        ({"address": "taken@shop.example"}, 409, "address"),
        ({"enabled": None}, 422, "enabled"),
    ],
)
def test_bad_input_names_the_field(
    admin_user: User, payload: dict[str, Any], status: int, field: str
) -> None:
    Mailbox.objects.create(name="Taken", address="taken@shop.example")
    api = _api(admin_user)
    response = _create(api, **payload)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert Mailbox.objects.count() == 1
    # The same through PATCH.
    mailbox_id = _create(api, address="other@shop.example").json()["id"]
    patched = api.patch(f"{URL}/{mailbox_id}", payload, content_type=JSON)
    assert (patched.status_code, patched.json()["field"]) == (status, field)


def test_only_admins(supervisor: User, agent: User) -> None:
    mailbox = Mailbox.objects.create(name="Support", address="support@shop.example")
    for user in (supervisor, agent):
        api = _api(user)
        assert api.get(URL).status_code == 403
        assert _create(api).status_code == 403
        assert api.patch(f"{URL}/{mailbox.pk}", {}, content_type=JSON).status_code == 403
        assert api.delete(f"{URL}/{mailbox.pk}").status_code == 403
        assert api.get("/api/channels/email/deliveries").status_code == 403
    assert Client().get(URL).status_code == 401


def test_a_mailbox_made_without_servers_reads_as_unconfigured(admin_user: User) -> None:
    Mailbox.objects.create(name="Bare", address="bare@shop.example")
    [bare] = _api(admin_user).get(URL).json()
    assert (bare["imap_host"], bare["imap_password_set"], bare["last_uid"]) == ("", False, 0)


def test_connection_test_and_poll_against_real_servers(
    admin_user: User, dovecot: Dovecot, smtp_server: SmtpServer
) -> None:
    api = _api(admin_user)
    mailbox_id = _create(
        api,
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        imap_username=IMAP_USER,
        imap_password=IMAP_PASSWORD,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_username="desk",
        smtp_password="s3cret smtp",
    ).json()["id"]
    tested = api.post(f"{URL}/{mailbox_id}/test").json()
    assert tested["ok"] is True
    assert [(c["which"], c["ok"]) for c in tested["checks"]] == [("imap", True), ("smtp", True)]

    api.patch(f"{URL}/{mailbox_id}", {"smtp_password": "wrong"}, content_type=JSON)
    failing = api.post(f"{URL}/{mailbox_id}/test").json()
    assert failing["ok"] is False
    assert failing["checks"][1]["detail"].startswith("SMTP 535")

    polled = api.post(f"{URL}/{mailbox_id}/poll").json()
    assert (polled["error"], polled["stored"]) == ("", 0)
    api.patch(f"{URL}/{mailbox_id}", {"imap_port": free_port()}, content_type=JSON)
    down = api.post(f"{URL}/{mailbox_id}/poll").json()
    assert "ConnectionRefusedError" in down["error"]
    assert "ConnectionRefusedError" in api.get(f"{URL}/{mailbox_id}").json()["last_poll_error"]


def test_failed_deliveries_are_listed_and_retried(
    admin_user: User,
    agent: User,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    smtp_server.refuse = "550 5.1.1 No such user"
    with django_capture_on_commit_callbacks(execute=True):
        tickets.message_reply(ticket=ticket, by=agent, body="Hello")
    ReplyDelivery.objects.update(state=DeliveryState.FAILED, next_attempt_at=None)
    api = _api(admin_user)
    page = api.get("/api/channels/email/deliveries", {"state": "failed"}).json()
    assert page["count"] == 1
    [item] = page["items"]
    assert (item["ticket_id"], item["last_error"]) == (ticket.pk, "SMTP 550: 5.1.1 No such user")
    assert api.get("/api/channels/email/deliveries", {"state": "nope"}).status_code == 422

    smtp_server.refuse = ""
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"/api/channels/email/deliveries/{item['id']}/retry")
    assert retried.status_code == 200
    assert ReplyDelivery.objects.get().state == DeliveryState.SENT
    assert len(smtp_server.received) == 1
    again = api.post(f"/api/channels/email/deliveries/{item['id']}/retry")
    assert again.status_code == 409


@pytest.mark.parametrize("n", [2, 20])
def test_query_counts(admin_user: User, django_assert_num_queries: Any, n: int) -> None:
    api = _api(admin_user)
    for i in range(n):
        _create(api, address=f"box{i}@shop.example", store=StoreFactory().code)
    with django_assert_num_queries(2):  # token; mailboxes with servers and stores
        assert len(api.get(URL).json()) == n
    for i in range(n):
        event = tickets.message_reply(ticket=TicketFactory(), by=admin_user, body=f"r{i}")
        ReplyDelivery.objects.create(event=event, ticket_id=event.ticket_id)
    with django_assert_num_queries(3):  # token; count; page with mailboxes and agents
        page = api.get("/api/channels/email/deliveries").json()
    assert page["count"] == n
