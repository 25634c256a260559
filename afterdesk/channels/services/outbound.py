"""The channels' own requests to addresses that came from outside (a webhook integration's
reply URL, the files of Meta messages): never to the desk's own network, never following a
redirect (one could lead past that check), unless the server's admin allows private hosts
with AFTERDESK_ALLOW_PRIVATE_CHANNEL_HOSTS=1 (a platform on the local network; the tests'
local servers)."""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

PRIVATE_HOSTS_ENV = "AFTERDESK_ALLOW_PRIVATE_CHANNEL_HOSTS"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def private_hosts_allowed() -> bool:
    return os.environ.get(PRIVATE_HOSTS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def is_private(address: IpAddress) -> bool:
    """Private, loopback, link-local, reserved or multicast: not the public internet."""
    return not address.is_global or address.is_multicast


def private_text(host: str, address: object) -> str:
    return (
        f"{host} is a private, loopback or link-local address ({address}); the local network "
        f"needs {PRIVATE_HOSTS_ENV}=1"
    )


class HostUnresolved(Exception):
    """The host name does not resolve (perhaps for a moment: worth another try)."""


def host_refusal(url: str) -> str | None:
    """Why the URL's host may not be called (it resolves to a private address), or None.
    Raises HostUnresolved when the name does not resolve."""
    if private_hosts_allowed():
        return None
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise HostUnresolved(f"{host} cannot be resolved: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if is_private(address):
            return private_text(host, address)
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as its 3xx answer (an HTTPError) instead of being followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirects)
