"""The inbound email API: who may post and read, outcomes, 4xx for bad bodies, retry, raw
download, and the list's pinned query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import corpus, mail

pytestmark = pytest.mark.django_db
URL = "/api/channels/email/inbound"
RFC822 = "message/rfc822"


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_supervisor_token_posts_raw_mime_and_gets_the_outcome(supervisor: User) -> None:
    api = _api(supervisor)
    response = api.post(URL, corpus("plain_utf8_amazon.eml"), content_type=RFC822)

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["outcome"] == f"opened #{ticket.pk}"
    assert body["stored"] is True
    assert body["inbound"]["state"] == "opened"
    assert body["inbound"]["ticket_id"] == ticket.pk

    again = api.post(URL, corpus("plain_utf8_amazon.eml"), content_type=RFC822)
    assert again.status_code == 200
    assert again.json()["stored"] is False


def test_a_message_that_fails_to_parse_is_stored_all_the_same(admin_user: User) -> None:
    response = _api(admin_user).post(URL, corpus("broken_mime.eml"), content_type=RFC822)
    assert response.status_code == 201
    assert response.json()["inbound"]["state"] == "failed"


def test_agents_may_not_post_or_list(agent: User) -> None:
    api = _api(agent)
    assert api.post(URL, mail(), content_type=RFC822).status_code == 403
    assert api.get("/api/channels/email/messages").status_code == 403
    assert not InboundEmail.objects.exists()


def test_anonymous_callers_get_401() -> None:
    assert Client().post(URL, mail(), content_type=RFC822).status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (b"", RFC822, 422, "body"),
        (b"  \r\n", RFC822, 422, "body"),
        (b"From: a@b\r\n\r\nhi", "application/json", 415, "body"),
    ],
)
def test_bad_bodies_are_json_4xx(
    supervisor: User, body: bytes, content_type: str, status: int, field: str
) -> None:
    response = _api(supervisor).post(URL, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["field"] == field
    assert response.json()["message"]
    assert not InboundEmail.objects.exists()


@override_settings(EMAIL_INBOUND_MAX_BYTES=1000)
def test_an_oversized_message_is_413(supervisor: User) -> None:
    response = _api(supervisor).post(URL, mail(body="x" * 2000), content_type=RFC822)
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert not InboundEmail.objects.exists()


def test_a_message_larger_than_the_upload_limit_but_within_the_email_limit_is_stored(
    supervisor: User, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _api(supervisor).post(URL, mail(body="y" * 5000), content_type=RFC822)
    assert response.status_code == 201, response.json()


def test_list_filter_detail_raw_and_retry(supervisor: User) -> None:
    opened = email_ingest(corpus("alternative.eml"), source="test").inbound
    failed = email_ingest(corpus("broken_mime.eml"), source="test").inbound
    api = _api(supervisor)

    listed = api.get("/api/channels/email/messages", {"state": "failed"}).json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == failed.pk
    assert api.get("/api/channels/email/messages", {"state": "nope"}).status_code == 422

    detail = api.get(f"/api/channels/email/messages/{opened.pk}").json()
    assert detail["text"] == "I ordered blue and got red."
    assert "Thanks for your order!" in detail["text_folded"]
    assert "<b>blue</b>" in detail["html"]

    raw = api.get(f"/api/channels/email/messages/{opened.pk}/raw")
    assert raw.status_code == 200
    assert raw["Content-Type"] == RFC822
    assert b"".join(raw.streaming_content) == corpus("alternative.eml")

    retried = api.post(f"/api/channels/email/messages/{failed.pk}/retry")
    assert retried.status_code == 200
    assert retried.json()["state"] == "failed"
    assert retried.json()["attempts"] == 2
    assert api.post(f"/api/channels/email/messages/{opened.pk}/retry").status_code == 409
    assert api.get("/api/channels/email/messages/999").status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_is_pinned(
    supervisor: User, django_assert_num_queries: Any, n: int
) -> None:
    for i in range(n):
        email_ingest(mail(message_id=f"<q{i}@example.net>", subject=f"Question {i}"), source="t")
    InboundEmail.objects.filter(pk=1).update(state=InboundState.FAILED)
    api = _api(supervisor)
    api.get("/api/me")  # the token's last use is written once a minute: warm it
    # the token with its user, the count, the page (ticket and mailbox joined)
    with django_assert_num_queries(3):
        response = api.get("/api/channels/email/messages", {"limit": 200})
    assert len(response.json()["items"]) == n
