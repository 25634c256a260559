"""What every platform client gives the desk (docs/stores.md): orders in one shape
(`ExternalOrder`), fetched since an instant or one by one (`OrderSource`), over one small
JSON-over-HTTP helper that refuses plain HTTP except to this machine."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

from afterdesk.core.errors import DomainError, ValidationError

TIMEOUT_SECONDS = 30
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
PRIVATE_HOSTS_ENV = "AFTERDESK_ALLOW_PRIVATE_STORE_HOSTS"


class PlatformError(DomainError):
    """The platform refused or failed a call (bad credentials, 5xx, a body not its format)."""

    status = 502


class PlatformUnreachable(PlatformError):
    """No answer at all (refused connection, reset, timeout): worth trying again."""


@dataclass(frozen=True)
class ExternalLine:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ExternalCustomer:
    external_id: str
    email: str
    name: str = ""
    country: str = ""


@dataclass(frozen=True)
class ExternalOrder:
    """One order as a platform describes it, mapped to the desk's words."""

    external_id: str
    number: str
    placed_at: datetime
    updated_at: datetime | None
    currency: str
    total: Decimal
    status: str  # commerce Order.Status
    financial_status: str = ""
    fulfillment_status: str = ""
    admin_url: str = ""
    customer: ExternalCustomer | None = None
    lines: list[ExternalLine] = field(default_factory=list)


class OrderSource(Protocol):
    """A platform's orders. Amazon SP-API and eBay clients implement the same two calls."""

    def orders_since(self, since: datetime | None) -> Iterator[ExternalOrder]:
        """Every order updated at or after `since` (every order when None), oldest first."""
        ...

    def order_fetch(self, external_id: str) -> ExternalOrder | None:
        """One order by the platform's id; None when the platform has no such order."""
        ...


def base_url_check(url: str) -> str:
    """`url` without a trailing slash; HTTPS required (credentials travel with each call),
    plain HTTP only to this machine (the tests' local servers)."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValidationError("the store address is not a URL", field="base_url") from error
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("the store address must be an https:// URL", field="base_url")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValidationError(
            "the store address must use https:// (credentials are sent with every call)",
            field="base_url",
        )
    return url


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise PlatformError(f"the platform answered {self.status} with no JSON") from error


def private_hosts_allowed() -> bool:
    """`AFTERDESK_ALLOW_PRIVATE_STORE_HOSTS=1`: stores on this machine or the local network
    may be called (a self-hosted shop on the LAN; the tests' local servers)."""
    return os.environ.get(PRIVATE_HOSTS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def host_check(url: str) -> None:
    """Refuse a store whose host resolves to a private, loopback, link-local or reserved
    address (a connection must not make the desk call its own network) unless allowed."""
    if private_hosts_allowed():
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise PlatformError(f"{host} cannot be resolved: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise PlatformError(
                f"{host} is a private, loopback or link-local address ({address}); stores on "
                f"the local network need {PRIVATE_HOSTS_ENV}=1"
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as the 3xx answer: followed, it could lead past `host_check`."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def http_call(
    method: str, url: str, *, headers: dict[str, str], body: bytes | None = None
) -> HttpAnswer:
    """One request; any status comes back as an answer (4xx/5xx included), a network
    failure is a PlatformError."""
    base_url_check(url)
    host_check(url)
    # base_url_check allowed only http(s).
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return HttpAnswer(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return HttpAnswer(
            error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
        )
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PlatformUnreachable(
            f"{urlsplit(url).hostname} cannot be reached: {reason}"
        ) from error


TRANSIENT_RETRIES = 4
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0


def backoff_seconds(retry: int) -> float:
    """1, 2, 4, 8 … seconds before the retry-th retry (0-based), at most 30."""
    return min(BACKOFF_FIRST_SECONDS * 2**retry, BACKOFF_MAX_SECONDS)


def http_call_retrying(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    sleep: Callable[[float], None],
    waits: list[float] | None = None,
    retries: int = TRANSIENT_RETRIES,
) -> HttpAnswer:
    """`http_call`, sent again after a 5xx answer or no answer at all (the platform's passing
    trouble), waiting `backoff_seconds` (or the answer's Retry-After, at most a minute)
    before each of at most `retries` retries; then the last 5xx answer comes back, or the
    last PlatformUnreachable is raised. Every other answer (2xx, 3xx, 4xx, 429 included)
    comes back at once: the caller knows what it means. Each wait is added to `waits`."""
    for retry in range(retries + 1):
        try:
            answer = http_call(method, url, headers=headers, body=body)
        except PlatformUnreachable:
            if retry == retries:
                raise
            seconds = backoff_seconds(retry)
        else:
            if answer.status < 500 or retry == retries:
                return answer
            seconds = retry_after_seconds(
                answer.headers.get("retry-after", ""), default=backoff_seconds(retry)
            )
        if waits is not None:
            waits.append(seconds)
        sleep(seconds)
    raise AssertionError("unreachable: the last try returns or raises")


def retry_after_seconds(value: str, *, default: float, ceiling: float = 60.0) -> float:
    try:
        seconds = float(value)
    except ValueError:
        return default
    return min(max(seconds, 0.0), ceiling)
