"""Multipart replies and notes with attachments; downloads behind the ticket's permission."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from afterdesk.accounts.models import User
from afterdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]


def _files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_reply_with_attachments_and_download(
    api_as: ApiAs, agent: User, other_agent: User, ticket: Ticket
) -> None:
    api = api_as(agent)
    response = api.post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload",
        {
            "body": "Here is the label",
            "status": "pending",
            "attachments": [
                SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", content_type="application/pdf"),
                SimpleUploadedFile("photo.png", b"\x89PNG....", content_type="image/png"),
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket"]["status"] == "pending"
    names = [a["filename"] for a in body["message"]["attachments"]]
    assert names == ["label.pdf", "photo.png"]
    url = body["message"]["attachments"][0]["download_url"]
    assert url.startswith("/api/attachments/")

    download = api.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 label"
    # the ticket's permission guards the file: another team's agent gets 404
    assert api_as(other_agent).get(url).status_code == 404
    assert api_as(None).get(url).status_code == 401


def test_note_with_attachment(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/notes/upload",
        {
            "body": "receipt",
            "attachments": SimpleUploadedFile("r.txt", b"paid", content_type="text/plain"),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["message"]["kind"] == "note"
    assert Attachment.objects.get().filename == "r.txt"


def test_upload_without_files_is_a_plain_reply(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload", {"body": "no files"}
    )
    assert response.status_code == 201
    assert response.json()["message"]["attachments"] == []


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_oversized_attachment_is_413_and_nothing_is_written(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    before_files = _files()
    events_before = TicketEvent.objects.count()
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload",
        {
            "body": "big one",
            "attachments": [
                SimpleUploadedFile("small.txt", b"ok", content_type="text/plain"),
                SimpleUploadedFile("big.pdf", b"x" * 2048, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 413
    assert response.json()["field"] == "attachments"
    assert "big.pdf" in response.json()["message"]
    assert TicketEvent.objects.count() == events_before
    assert not Message.objects.filter(kind="reply").exists()
    assert not Attachment.objects.exists()
    assert _files() == before_files


def test_disallowed_type_is_415(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/notes/upload",
        {
            "body": "script",
            "attachments": SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 415
    assert not Attachment.objects.exists()


def test_upload_on_closed_ticket_is_409(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    api = api_as(agent)
    api.post(f"/api/tickets/{ticket.pk}/status", {"status": "closed"})
    response = api.post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload",
        {
            "body": "late",
            "attachments": SimpleUploadedFile("a.txt", b"a", content_type="text/plain"),
        },
    )
    assert response.status_code == 409
    assert not Attachment.objects.exists()


def test_upload_missing_body_is_422(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post_multipart(f"/api/tickets/{ticket.pk}/reply/upload", {})
    assert response.status_code == 422
    assert response.json()["field"] == "body"


def test_unknown_attachment_token_is_404(api_as: ApiAs, agent: User) -> None:
    assert api_as(agent).get("/api/attachments/nope").status_code == 404


def test_content_not_matching_the_declared_type_is_415_naming_the_file(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    before_files = _files()
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload",
        {
            "body": "invoice",
            "attachments": [
                SimpleUploadedFile("ok.txt", b"fine", content_type="text/plain"),
                SimpleUploadedFile(
                    "invoice.pdf",
                    b"<html><script>alert(1)</script>",
                    content_type="application/pdf",
                ),
            ],
        },
    )
    assert response.status_code == 415
    assert response.json()["field"] == "attachments"
    assert "invoice.pdf" in response.json()["message"]
    assert not Message.objects.filter(kind="reply").exists()
    assert not Attachment.objects.exists()
    assert _files() == before_files


@override_settings(ATTACHMENT_MAX_BYTES=10, ATTACHMENT_MAX_TOTAL_BYTES=15)
def test_files_over_the_total_limit_of_one_message_are_413(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/notes/upload",
        {
            "body": "two files",
            "attachments": [
                SimpleUploadedFile("a.txt", b"x" * 8, content_type="text/plain"),
                SimpleUploadedFile("b.txt", b"y" * 8, content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 413
    assert "b.txt" in response.json()["message"]
    assert not Attachment.objects.exists()


def test_download_forbids_content_sniffing(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    api = api_as(agent)
    response = api.post_multipart(
        f"/api/tickets/{ticket.pk}/notes/upload",
        {
            "body": "r",
            "attachments": SimpleUploadedFile("r.txt", b"paid", content_type="text/plain"),
        },
    )
    download = api.get(response.json()["message"]["attachments"][0]["download_url"])
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
