"""Behind a TLS proxy (AFTERDESK_TRUSTED_PROXIES): only a configured proxy may say the request
came over HTTPS (no redirect loop with AFTERDESK_HTTPS=1) and who the client is (the login
lockout counts the forwarded address); from anyone else these headers are ignored."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.core.proxy import TrustedProxyMiddleware, client_ip
from tests.core.test_serve import _serve_env, free_port

PROXY = "10.0.0.5"
BEHIND_PROXY = override_settings(
    AFTERDESK_TRUSTED_PROXIES=[PROXY, "fd00::/8"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),  # as settings.py sets it then
)
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


def request_from(peer: str, **headers: str) -> Any:
    request = RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)
    TrustedProxyMiddleware(lambda r: None)(request)  # type: ignore[arg-type, return-value]
    return request


@BEHIND_PROXY
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),
        # the client's own forged entries lie left of what the proxy appended
        (PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # through two of our proxies: the right-most address that is not one of them
        (PROXY, "203.0.113.7, fd00::1", "203.0.113.7"),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (PROXY, "203.0.113.7:51234", "203.0.113.7"),
        (PROXY, "", PROXY),
        (PROXY, "unknown", PROXY),
        # not a proxy of ours: whatever it says, the peer is the client
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        ("198.51.100.9", "", "198.51.100.9"),
    ],
)
def test_the_client_address(peer: str, forwarded: str, client: str) -> None:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    assert client_ip(request_from(peer, **headers)) == client


@BEHIND_PROXY
def test_forwarding_headers_from_an_untrusted_peer_are_dropped() -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4", "Forwarded": "x"}
    spoofed = request_from("198.51.100.9", **headers)
    assert not spoofed.is_secure()
    assert "HTTP_X_FORWARDED_FOR" not in spoofed.META
    assert "HTTP_FORWARDED" not in spoofed.META
    trusted = request_from(PROXY, **headers)
    assert trusted.is_secure()


@override_settings(AFTERDESK_TRUSTED_PROXIES=["10.0.0.0/33"])
def test_a_wrong_proxy_entry_stops_the_start_naming_it() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"10\.0\.0\.0/33"):
        TrustedProxyMiddleware(lambda r: None)  # type: ignore[arg-type, return-value]


@BEHIND_PROXY
@override_settings(SECURE_SSL_REDIRECT=True)
def test_no_redirect_loop_behind_the_proxy_but_a_redirect_for_anyone_else() -> None:
    login = reverse("accounts:login")
    through_proxy = Client(REMOTE_ADDR=PROXY).get(login, headers={"X-Forwarded-Proto": "https"})
    assert through_proxy.status_code == 200
    spoofed = Client(REMOTE_ADDR="198.51.100.9").get(login, headers={"X-Forwarded-Proto": "https"})
    assert spoofed.status_code == 301
    assert spoofed["Location"].startswith("https://")


def failed_logins(client: Client, forwarded_for: str, times: int) -> list[int]:
    url = reverse("accounts:login")
    return [
        client.post(
            url,
            {"username": "anna", "password": f"wrong-{n}"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for n in range(times)
    ]


def sign_in(client: Client, forwarded_for: str) -> int:
    response = client.post(
        reverse("accounts:login"),
        {"username": "anna", "password": PASSWORD},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


@pytest.mark.django_db
@BEHIND_PROXY
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_the_lockout_counts_the_forwarded_address_behind_the_proxy(agent: User) -> None:
    assert failed_logins(Client(REMOTE_ADDR=PROXY), "203.0.113.7", 3)[-1] == 429
    assert sign_in(Client(REMOTE_ADDR=PROXY), "203.0.113.7") == 429
    # another client behind the same proxy is not locked out with them
    assert sign_in(Client(REMOTE_ADDR=PROXY), "198.51.100.20") == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.django_db
@BEHIND_PROXY
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_spoofed_forwarded_address_does_not_change_the_lockout_address(agent: User) -> None:
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    statuses = [failed_logins(attacker, f"203.0.113.{n}", 1)[0] for n in range(3)]
    assert statuses[-1] == 429
    assert sign_in(attacker, "192.0.2.200") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[str]:
    """`afterdesk serve` with AFTERDESK_HTTPS=1 behind a proxy at 127.0.0.1 (this test)."""
    port = free_port()
    env = {**_serve_env(tmp_path), "AFTERDESK_HTTPS": "1", "AFTERDESK_TRUSTED_PROXIES": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "afterdesk.cli", "serve", "--no-demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/accounts/login/"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="serve's own database is the SQLite default here",
)
def test_served_with_https_behind_the_proxy_the_page_answers_instead_of_redirecting(
    https_server: str,
) -> None:
    opener = urllib.request.build_opener(NoRedirect)
    forwarded = urllib.request.Request(  # noqa: S310 - our own server
        https_server, headers={"X-Forwarded-Proto": "https"}
    )
    with opener.open(forwarded) as page:
        assert page.status == 200
        assert "Strict-Transport-Security" in page.headers
    with pytest.raises(urllib.error.HTTPError) as plain:
        opener.open(https_server)
    assert plain.value.code == 301
    assert plain.value.headers["Location"].startswith("https://")
