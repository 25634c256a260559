"""The inbound email pages: admins and supervisors only, the retry button, pinned queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.channels.models import InboundState
from afterdesk.channels.services.ingest import email_ingest
from tests.channels.helpers import corpus, mail

pytestmark = pytest.mark.django_db


def test_the_page_lists_failed_messages_with_a_retry_button(
    client: Client, supervisor: User
) -> None:
    failed = email_ingest(corpus("broken_mime.eml"), source="test").inbound
    email_ingest(corpus("auto_reply.eml"), source="test")
    client.force_login(supervisor)

    page = client.get(reverse("channels:inbound"), {"state": "failed"}).content.decode()

    assert "broken MIME" in page
    assert "Automatic reply" not in page
    assert reverse("channels:inbound_retry", args=[failed.pk]) in page
    everything = client.get(reverse("channels:inbound")).content.decode()
    assert "Automatic reply: Your order" in everything
    assert "auto_reply" in everything


def test_retry_from_the_page(client: Client, admin_user: User) -> None:
    inbound = email_ingest(mail(), source="test").inbound
    inbound.state = InboundState.FAILED
    inbound.ticket = None
    inbound.save()
    inbound.ticket_message.ticket.delete()
    client.force_login(admin_user)

    response = client.post(reverse("channels:inbound_retry", args=[inbound.pk]))

    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.state == InboundState.OPENED
    assert inbound.ticket_id is not None
    detail = client.get(reverse("channels:inbound_detail", args=[inbound.pk])).content.decode()
    assert "Hello, my parcel has not arrived." in detail


def test_agents_get_403(client: Client, agent: User) -> None:
    inbound = email_ingest(mail(), source="test").inbound
    client.force_login(agent)
    assert client.get(reverse("channels:inbound")).status_code == 403
    assert client.get(reverse("channels:inbound_raw", args=[inbound.pk])).status_code == 403
    assert client.post(reverse("channels:inbound_retry", args=[inbound.pk])).status_code == 403


def test_the_detail_page_shows_the_folded_history_apart(client: Client, supervisor: User) -> None:
    inbound = email_ingest(corpus("reply_zh.eml"), source="test").inbound
    client.force_login(supervisor)
    page = client.get(reverse("channels:inbound_detail", args=[inbound.pk])).content.decode()
    assert "还是没有收到。" in page
    assert "<details>" in page
    assert "您的包裹已发出" in page


@pytest.mark.parametrize("n", [3, 30])
def test_page_query_count_is_pinned(
    client: Client, supervisor: User, django_assert_num_queries: Any, n: int
) -> None:
    for i in range(n):
        email_ingest(mail(message_id=f"<p{i}@example.net>", subject=f"Question {i}"), source="t")
    client.force_login(supervisor)
    # session, user; the page (ticket and mailbox joined), the count
    with django_assert_num_queries(4):
        response = client.get(reverse("channels:inbound"))
    assert response.content.decode().count('id="inbound-') == n


def test_the_mail_of_one_ticket_automatic_mail_included(client: Client, supervisor: User) -> None:
    ticket = email_ingest(mail(), source="test").inbound.ticket
    auto = mail(
        message_id="<ooo@example.net>",
        in_reply_to="<m1@example.net>",
        subject="I am away",
        headers={"Auto-Submitted": "auto-replied"},
    )
    email_ingest(auto, source="test")
    email_ingest(mail(message_id="<other@example.net>", subject="Unrelated"), source="test")
    client.force_login(supervisor)

    page = client.get(reverse("channels:inbound"), {"ticket": ticket.pk}).content.decode()

    assert "I am away" in page
    assert "Where is my parcel?" in page
    assert "Unrelated" not in page
    assert client.get(reverse("channels:inbound"), {"ticket": "²"}).status_code == 200


def test_the_page_speaks_chinese(client: Client, supervisor: User) -> None:
    email_ingest(corpus("broken_mime.eml"), source="test")
    client.force_login(supervisor)
    page = client.get(
        reverse("channels:inbound"), headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "入站邮件" in page
    assert "重试" in page
    assert "1 封邮件" in page
