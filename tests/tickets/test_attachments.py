"""Attachments are checked by their content (one service-level check for every way in), the
files of one message have a total limit, and downloads never let a browser render a user's
file as a page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import PayloadTooLarge, UnsupportedMediaType
from afterdesk.tickets import services
from afterdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from afterdesk.tickets.services import AttachmentIn, attachments_check
from tests.factories import T0

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _ticket(team: Team | None = None) -> Ticket:
    ticket = services.ticket_create(subject="Parcel", channel="email", body="Where?", at=T0)
    if team is not None:
        ticket.team = team
        ticket.save(update_fields=["team"])
    return ticket


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# ------------------------------------------------------------- the check (a plain function)


@pytest.mark.parametrize(
    ("name", "declared", "content"),
    [
        ("invoice.pdf", "application/pdf", HTML),  # HTML claiming to be a PDF
        ("photo.png", "image/png", PDF),  # a PDF claiming to be an image
        ("photo.jpg", "image/jpeg", b"just some words"),  # text claiming to be an image
        ("notes.txt", "text/plain", HTML),  # a page claiming to be text
        ("list.csv", "text/csv", b'a,b\n1,"<svg onload=alert(1)>"\n'),
        ("notes.txt", "text/plain", PNG),  # binary claiming to be text
        ("nul.txt", "text/plain", b"ok\x00ok"),
        ("photo.png", "application/octet-stream", HTML),  # generic, and no allowed type inside
    ],
)
def test_a_declared_type_the_content_does_not_match_is_refused_naming_the_file(
    name: str, declared: str, content: bytes
) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        attachments_check([AttachmentIn(name, declared, content)])
    assert name in refused.value.message
    assert refused.value.field == "attachments"


def test_matching_files_are_accepted_with_the_type_they_are_stored_under() -> None:
    checked = attachments_check(
        [
            AttachmentIn("label.pdf", "application/pdf", PDF),
            AttachmentIn("photo.png", "image/png; name=photo.png", PNG),
            AttachmentIn("scan.png", "application/octet-stream", PNG),  # generic: sniffed
            AttachmentIn("notes.txt", "text/plain", "Grüße, 你好 <3 a<b".encode()),
            AttachmentIn("excel.csv", "text/csv", "Straße;Menge\r\n".encode("cp1252")),
            AttachmentIn("letter.docx", _docx_type(), _docx()),
            AttachmentIn("mail.eml", "message/rfc822", b"Subject: hi\r\n\r\n<html>x</html>"),
        ]
    )
    assert [file.content_type for file in checked] == [
        "application/pdf",
        "image/png",
        "image/png",
        "text/plain",
        "text/csv",
        _docx_type(),
        "message/rfc822",
    ]


def _docx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_files_of_one_message_have_a_total_limit(settings: object) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 15  # type: ignore[attr-defined]
    attachments_check([AttachmentIn("a.txt", "text/plain", b"x" * 8)])
    with pytest.raises(PayloadTooLarge) as refused:
        attachments_check(
            [
                AttachmentIn("a.txt", "text/plain", b"x" * 8),
                AttachmentIn("b.txt", "text/plain", b"y" * 8),
            ]
        )
    assert "b.txt" in refused.value.message
    assert "15" in refused.value.message


def test_the_total_limit_is_a_setting_of_25_mib_by_default() -> None:
    assert settings.ATTACHMENT_MAX_TOTAL_BYTES == 25 * 1024 * 1024


# ------------------------------------------------------------------- through the services


def test_a_mismatched_upload_writes_nothing(agent: User) -> None:
    ticket = _ticket()
    before = (TicketEvent.objects.count(), Message.objects.count(), _media_files())
    uploads = [
        SimpleUploadedFile("ok.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("evil.png", HTML, content_type="image/png"),
    ]
    with pytest.raises(UnsupportedMediaType, match=r"evil\.png"):
        services.message_reply(ticket=ticket, by=agent, body="files", attachments=uploads)
    assert (TicketEvent.objects.count(), Message.objects.count(), _media_files()) == before
    assert not Attachment.objects.exists()


def test_a_generic_upload_is_stored_under_its_sniffed_type(agent: User) -> None:
    ticket = _ticket()
    upload = SimpleUploadedFile("scan", PNG, content_type="application/octet-stream")
    event = services.note_add(ticket=ticket, by=agent, body="scan", attachments=[upload])
    attachment = event.message.attachments.get()
    assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))
    assert attachment.file.read() == PNG


def test_the_html_form_refuses_a_mismatch_with_415_naming_the_file(
    client: Client, agent: User, team: Team
) -> None:
    ticket = _ticket(team)
    client.force_login(agent)
    upload = SimpleUploadedFile("invoice.pdf", HTML, content_type="application/pdf")
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "invoice", "attachments": [upload]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 415
    assert "invoice.pdf" in response.content.decode()
    assert not Message.objects.filter(kind="reply").exists()


# ------------------------------------------------------------------------------ downloads


def _stored(ticket: Ticket, agent: User, name: str, content_type: str, content: bytes) -> str:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    services.note_add(ticket=ticket, by=agent, body=name, attachments=[upload])
    return Attachment.objects.get(filename=name).token


def test_a_stored_image_type_whose_bytes_are_not_that_image_downloads(
    client: Client, agent: User, team: Team
) -> None:
    """A row stored before uploads were sniffed (or by an import): declared image/png, really
    HTML. It must never be served inline or as an image."""
    ticket = _ticket(team)
    fake = _stored(ticket, agent, "fake.txt", "text/plain", b"placeholder")
    Attachment.objects.filter(token=fake).update(filename="fake.png", content_type="image/png")
    Path(Attachment.objects.get(token=fake).file.path).write_bytes(HTML)
    real = _stored(ticket, agent, "real.png", "image/png", PNG)
    client.force_login(agent)

    response = client.get(reverse("tickets:attachment", args=[fake]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"

    response = client.get(reverse("tickets:attachment", args=[real]))
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_added_text_type_is_checked_as_text(settings: object) -> None:
    """A type filetype cannot recognise, allowed by the admin: its bytes must be text."""
    settings.ATTACHMENT_ALLOWED_TYPES = ["application/json", "text/markdown"]  # type: ignore[attr-defined]
    checked = attachments_check(
        [
            AttachmentIn("order.json", "application/json", b'{"order": "#1001"}'),
            AttachmentIn("notes.md", "text/markdown", b"# Notes\n<b>ok</b> here"),
        ]
    )
    assert [file.content_type for file in checked] == ["application/json", "text/markdown"]
    with pytest.raises(UnsupportedMediaType, match=r"order\.json"):
        attachments_check([AttachmentIn("order.json", "application/json", PNG)])
