"""The files of Messenger and Instagram messages are downloaded in the background onto the
ticket message, through the tickets' attachment rules; the link stays in the text whatever
happens, and a refused or failing download says why (docs/channels.md, "Messenger and
Instagram"). Meta's CDN is a real HTTP server on 127.0.0.1, run in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.channels.relay_models import MetaPage, RelayAttachment, RelayAttachmentState
from afterdesk.channels.services.meta_files import file_name, files_fetch_due
from afterdesk.channels.services.outbound import PRIVATE_HOSTS_ENV
from afterdesk.tickets.models import Message
from tests.channels.graph_server import graph_server
from tests.channels.test_meta import _meta_settings, event, page, post, signed

# Meta's settings and the page, as in test_meta.py (pytest finds fixtures by module name).
__all__ = ["_meta_settings", "graph_server", "page"]

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


@dataclass
class Cdn:
    url: str = ""
    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # path → answer
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def cdn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cdn]:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")  # the stand-in CDN is on this machine
    state = Cdn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            state.hits.append(self.path)
            status, content_type, body = state.files.get(self.path, (404, "text/plain", b"gone"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def buyer_sends(cdn: Cdn, capture: Any, *paths: str, kind: str = "image") -> Message:
    attachments = [{"type": kind, "payload": {"url": f"{cdn.url}{path}"}} for path in paths]
    body = event(text="Here it is", attachments=attachments)
    with capture(execute=True):
        answer = post(body, signed(body))
    assert answer.status_code == 200
    assert answer.json()["taken"] == 1
    return Message.objects.get()


def test_an_image_is_downloaded_onto_the_ticket_message(
    page: MetaPage,
    cdn: Cdn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cdn.files["/v/t1/photo_123.jpg?oh=abc"] = (200, "image/jpeg", JPEG)

    message = buyer_sends(cdn, django_capture_on_commit_callbacks, "/v/t1/photo_123.jpg?oh=abc")

    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "photo_123.jpg",
        "image/jpeg",
        len(JPEG),
    )
    with attachment.file.open("rb") as stored:
        assert stored.read() == JPEG
    # The link stays in the text (the same words the buyer saw).
    assert f"[image] {cdn.url}/v/t1/photo_123.jpg?oh=abc" in message.body_text
    file = RelayAttachment.objects.get()
    assert (file.state, file.attachment_id) == (RelayAttachmentState.FETCHED, attachment.pk)
    assert files_fetch_due() == []  # nothing left to do: downloaded once


def test_a_file_over_the_limit_is_not_kept_and_the_link_stays(
    client: Client,
    admin_user: User,
    page: MetaPage,
    cdn: Cdn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cdn.files["/big.jpg"] = (200, "image/jpeg", JPEG + b"\x00" * 2000)
    with override_settings(ATTACHMENT_MAX_BYTES=1000):
        message = buyer_sends(cdn, django_capture_on_commit_callbacks, "/big.jpg")

    assert not message.attachments.exists()
    assert f"[image] {cdn.url}/big.jpg" in message.body_text
    file = RelayAttachment.objects.get()
    assert file.state == RelayAttachmentState.FAILED
    assert "the limit is 1000 bytes" in file.last_error
    # Counted for the admins on Chat and webhooks.
    client.force_login(admin_user)
    page_html = client.get(reverse("channels:relays")).content.decode()
    assert "1 files of Messenger and Instagram messages could not be downloaded" in page_html


def test_a_file_whose_content_is_not_its_type_is_refused_by_the_attachment_rules(
    page: MetaPage,
    cdn: Cdn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cdn.files["/photo.jpg"] = (200, "image/jpeg", b"<html><script>alert(1)</script></html>")
    message = buyer_sends(cdn, django_capture_on_commit_callbacks, "/photo.jpg")

    assert not message.attachments.exists()
    file = RelayAttachment.objects.get()
    assert file.state == RelayAttachmentState.FAILED
    assert file.last_error.startswith("not kept:")


def test_a_cdn_error_is_retried_then_the_link_is_all_that_stays(
    page: MetaPage,
    cdn: Cdn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cdn.files["/photo.jpg"] = (503, "text/plain", b"busy")
    message = buyer_sends(cdn, django_capture_on_commit_callbacks, "/photo.jpg")
    file = RelayAttachment.objects.get()
    assert (file.state, file.attempts) == (RelayAttachmentState.PENDING, 1)
    assert "answered 503" in file.last_error

    cdn.files["/photo.jpg"] = (200, "image/jpeg", JPEG)
    RelayAttachment.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert len(files_fetch_due()) == 1
    assert message.attachments.count() == 1

    # An expired link (Meta answers 404 after a while) fails at once.
    cdn.files.clear()
    body = event(
        mid="m_2", text="", attachments=[{"type": "file", "payload": {"url": cdn.url + "/x"}}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(body, signed(body))
    expired = RelayAttachment.objects.order_by("-id").first()
    assert expired is not None
    assert expired.state == RelayAttachmentState.FAILED
    assert "404" in expired.last_error


def test_the_desk_s_own_network_is_refused_unless_allowed(
    page: MetaPage,
    cdn: Cdn,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cdn.files["/photo.jpg"] = (200, "image/jpeg", JPEG)
    monkeypatch.delenv(PRIVATE_HOSTS_ENV)
    https_local = cdn.url.replace("http://127.0.0.1", "https://localhost")
    body = event(attachments=[{"type": "image", "payload": {"url": f"{https_local}/photo.jpg"}}])
    with django_capture_on_commit_callbacks(execute=True):
        post(body, signed(body))

    file = RelayAttachment.objects.get()
    assert file.state == RelayAttachmentState.FAILED
    assert "private, loopback or link-local" in file.last_error
    assert cdn.hits == []  # no request was made


def test_shared_links_and_locations_are_not_downloaded(
    page: MetaPage,
    cdn: Cdn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    buyer_sends(cdn, django_capture_on_commit_callbacks, "/page.html", kind="fallback")
    assert not RelayAttachment.objects.exists()
    assert cdn.hits == []


def test_file_names() -> None:
    assert file_name("https://cdn.example/a/b/c.pdf?x=1", kind="file", content_type="") == "c.pdf"
    assert file_name("https://cdn.example/a/12345", kind="image", content_type="image/png") == (
        "image.png"
    )
    assert file_name("https://cdn.example/", kind="audio", content_type="audio/mpeg") == (
        "audio.mp3"
    )
