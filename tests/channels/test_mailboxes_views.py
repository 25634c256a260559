"""The admins' mailbox pages and the email state of replies on the ticket page: passwords
never shown back, a poll failure visible on the list, "test connection", failed replies
listed with "retry now", the badge and error text on the reply for agents; query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection, ReplyDelivery
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.mailboxes import mailbox_save
from afterdesk.channels.services.polling import mailbox_poll
from afterdesk.tickets import services as tickets
from tests.channels.servers import SmtpServer, free_port
from tests.channels.test_sending import buyer_ticket, smtp_mailbox

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Support",
    "address": "support@shop.example",
    "enabled": "on",
    "imap_host": "imap.shop.example",
    "imap_security": "ssl",
    "imap_username": "support",
    "imap_password": "imap-pw-1",
    "imap_folder": "INBOX",
    "smtp_host": "smtp.shop.example",
    "smtp_security": "starttls",
    "smtp_username": "support",
    "smtp_password": "smtp-pw-1",
}


def test_only_admins_see_the_pages(client: Client, supervisor: User, agent: User) -> None:
    mailbox = Mailbox.objects.create(name="S", address="s@shop.example")
    for user in (supervisor, agent):
        client.force_login(user)
        assert client.get(reverse("channels:mailboxes")).status_code == 403
        assert client.get(reverse("channels:mailbox_edit", args=[mailbox.pk])).status_code == 403
        assert client.post(reverse("channels:mailbox_new"), FORM).status_code == 403
        assert client.get(reverse("channels:deliveries")).status_code == 403
    assert Mailbox.objects.count() == 1


def test_create_and_edit_without_ever_showing_a_password(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("channels:mailbox_new"), FORM)
    mailbox = Mailbox.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("channels:mailbox_edit", args=[mailbox.pk])
    connection = MailboxConnection.objects.get(mailbox=mailbox)
    assert (connection.password("imap"), connection.password("smtp")) == ("imap-pw-1", "smtp-pw-1")

    page = client.get(reverse("channels:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert "imap-pw-1" not in page
    assert connection.imap_password_encrypted not in page
    assert page.count("Set; leave empty to keep it") == 2
    assert 'value="imap.shop.example"' in page

    # Saved again with the password fields empty: kept. The removal box removes one.
    edit = {**FORM, "imap_password": "", "smtp_password": "", "smtp_password_remove": "on"}
    client.post(reverse("channels:mailbox_edit", args=[mailbox.pk]), edit)
    connection.refresh_from_db()
    assert (connection.password("imap"), connection.smtp_password_encrypted) == ("imap-pw-1", "")

    listed = client.get(reverse("channels:mailboxes")).content.decode()
    assert "support@shop.example" in listed
    assert "imap-pw-1" not in listed


def test_bad_input_keeps_what_was_typed(client: Client, admin_user: User) -> None:
    Mailbox.objects.create(name="Taken", address="taken@shop.example")
    client.force_login(admin_user)
    response = client.post(
        reverse("channels:mailbox_new"), {**FORM, "address": "taken@shop.example"}
    )
    assert response.status_code == 409
    assert "another mailbox has the address" in response.content.decode()
    bad_port = client.post(reverse("channels:mailbox_new"), {**FORM, "imap_port": "99999"})
    assert bad_port.status_code == 422
    assert Mailbox.objects.count() == 1


def test_a_failing_poll_shows_on_the_list_and_the_mailbox(client: Client, admin_user: User) -> None:
    mailbox = mailbox_save(
        mailbox=None,
        changes={
            "name": "Support",
            "address": "support@shop.example",
            "imap_host": "127.0.0.1",
            "imap_port": free_port(),
            "imap_security": "none",
        },
    )
    mailbox_poll(mailbox)
    client.force_login(admin_user)
    listed = client.get(reverse("channels:mailboxes")).content.decode()
    assert "failing" in listed
    assert "ConnectionRefusedError" in listed
    page = client.get(reverse("channels:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert "Polling fails" in page
    assert "ConnectionRefusedError" in page


def test_test_connection_button(client: Client, admin_user: User, smtp_server: SmtpServer) -> None:
    mailbox = smtp_mailbox(smtp_server)
    client.force_login(admin_user)
    response = client.post(reverse("channels:mailbox_test", args=[mailbox.pk]), follow=True)
    assert "SMTP: NOOP answered 250" in response.content.decode()
    connection = MailboxConnection.objects.get(mailbox=mailbox)
    connection.set_password("smtp", "wrong")
    connection.save()
    response = client.post(reverse("channels:mailbox_test", args=[mailbox.pk]), follow=True)
    assert "SMTP: SMTP 535" in response.content.decode()


def test_a_failed_reply_shows_on_the_ticket_and_in_the_admin_list(
    client: Client,
    admin_user: User,
    agent: User,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    ticket.team = agent.teams.first()
    ticket.save(update_fields=["team"])
    smtp_server.refuse = "550 5.1.1 Mailbox unavailable"
    with django_capture_on_commit_callbacks(execute=True):
        tickets.message_reply(ticket=ticket, by=agent, body="Tracking: JD1")

    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Email not sent yet" in page
    assert "SMTP 550: 5.1.1 Mailbox unavailable" in page

    ReplyDelivery.objects.update(state=DeliveryState.FAILED, next_attempt_at=None)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Email not sent<" in page

    client.force_login(admin_user)
    listed = client.get(reverse("channels:deliveries")).content.decode()
    assert "SMTP 550: 5.1.1 Mailbox unavailable" in listed
    assert "Retry now" in listed
    smtp_server.refuse = ""
    delivery = ReplyDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("channels:delivery_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert "Every reply went out." in client.get(reverse("channels:deliveries")).content.decode()
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Emailed to buyer@example.net" in page


@pytest.mark.parametrize("n", [2, 20])
def test_query_counts(
    client: Client, admin_user: User, django_assert_num_queries: Any, n: int
) -> None:
    for i in range(n):
        mailbox_save(
            mailbox=None,
            changes={"name": f"Box {i}", "address": f"box{i}@shop.example", "imap_host": "h"},
        )
    client.force_login(admin_user)
    with django_assert_num_queries(3):  # session, user; mailboxes with servers and stores
        assert client.get(reverse("channels:mailboxes")).status_code == 200
    with django_assert_num_queries(4):  # session, user; page, count
        assert client.get(reverse("channels:deliveries")).status_code == 200


def test_the_pages_speak_chinese(client: Client, admin_user: User) -> None:
    mailbox = Mailbox.objects.create(name="S", address="s@shop.example")
    client.force_login(admin_user)
    zh = {"accept-language": "zh-hans"}
    listed = client.get(reverse("channels:mailboxes"), headers=zh).content.decode()
    assert "新建邮箱" in listed
    edit = client.get(reverse("channels:mailbox_edit", args=[mailbox.pk]), headers=zh)
    assert "测试连接" in edit.content.decode()
    assert "IMAP 密码" in edit.content.decode()
    replies = client.get(reverse("channels:deliveries"), headers=zh).content.decode()
    assert "0 条回复" in replies
    assert "所有回复均已发出。" in replies
