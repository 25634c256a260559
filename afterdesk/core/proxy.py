"""Behind a reverse proxy that ends TLS (README "Configuration", AFTERDESK_TRUSTED_PROXIES).

Only a peer in `AFTERDESK_TRUSTED_PROXIES` may speak for the client: its `X-Forwarded-Proto`
tells Django the request came over HTTPS (settings.py sets SECURE_PROXY_SSL_HEADER when
proxies are configured), and its `X-Forwarded-For` gives the client's address for the login
lockout (django-axes, `AXES_CLIENT_IP_CALLABLE`). From any other peer these headers are
removed before anything reads them, so a client cannot claim HTTPS or another address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# What a proxy says about the client; believed only from a trusted proxy.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"AFTERDESK_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)"
            ) from error
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    """The configured proxies (settings.AFTERDESK_TRUSTED_PROXIES); a wrong entry is an
    ImproperlyConfigured naming it."""
    return _networks(tuple(getattr(settings, "AFTERDESK_TRUSTED_PROXIES", ())))


def _address(text: str) -> Address | None:
    """An address as proxies write it: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443`
    or `203.0.113.7:51234`; None when it is none of these (e.g. `unknown`)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    ip = _address(address or "")
    return ip is not None and any(ip in network for network in trusted_networks())


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    right-most address of X-Forwarded-For that is not a trusted proxy (each proxy appends the
    address it saw; what lies left of that was written by the client and may be forged). An
    entry a proxy garbled gives the peer's address. Used for the login lockout (axes)."""
    peer = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(peer):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    networks = trusted_networks()
    for hop in reversed(hops):
        ip = _address(hop)
        if ip is None:
            return peer
        if not any(ip in network for network in networks):
            return str(ip)
    # Every hop is a trusted proxy: the left-most is the closest to the client we know.
    first = _address(hops[0]) if hops else None
    return str(first) if first is not None else peer


class TrustedProxyMiddleware:
    """Removes the forwarding headers (X-Forwarded-Proto, -For, -Host, -Port, Forwarded)
    from requests whose peer is not a trusted proxy; first in MIDDLEWARE, so that
    SecurityMiddleware's HTTPS redirect and everything after see only what a trusted proxy
    said."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        trusted_networks()  # a wrong setting fails at start, not on the first request

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
