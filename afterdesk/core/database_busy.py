"""A write that cannot get SQLite's one write lock in time answers 503, never 500.

On SQLite every write waits for the database's single write lock, up to the busy timeout
(`AFTERDESK_SQLITE_BUSY_TIMEOUT`, README "Configuration"). Another process may hold it longer
(a large `afterdesk history import` writes in one transaction: docs/deploy.md, "SQLite in
production"); the write then raises `OperationalError: database is locked`. Its transaction
is rolled back as it leaves `transaction.atomic()`, so nothing of it is stored, and the
request is answered "503 Service Unavailable" with `Retry-After`: JSON `{"message": …}` under
`/api/` (`afterdesk.api.api` registers `database_busy_api_response`), a plain page otherwise
(`DatabaseBusyMiddleware`). It is logged as a warning, not as a server error.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# What the answer tells the client to wait before trying again: long enough for a lock
# holder that outlasted the busy timeout to get on, short enough for an agent at the desk.
RETRY_AFTER_SECONDS = 30
API_MESSAGE = (
    "the database is busy with another write (e.g. a history import): nothing was saved; "
    "try again shortly"
)


def is_database_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite's "database is locked" (or "database table is locked")."""
    return isinstance(error, OperationalError | sqlite3.OperationalError) and "is locked" in str(
        error
    )


def _logged(request: HttpRequest, error: BaseException) -> None:
    logger.warning(
        "%s %s: answered 503, the database write lock was not free in time: %s",
        request.method,
        request.path,
        error,
    )


def database_busy_api_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The `/api/` answer: 503, `Retry-After`, JSON with a message."""
    _logged(request, error)
    response = JsonResponse({"message": API_MESSAGE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return _logged_already(response)


def database_busy_page(request: HttpRequest, error: BaseException) -> HttpResponse:
    """A page's answer: 503, `Retry-After`, a short page in the user's language."""
    _logged(request, error)
    context = {
        "message": gettext(
            "The desk is busy saving other changes (for example an import), so yours was not "
            "saved. Use your browser's Back button and send it again in a minute."
        ),
        "retry_after": RETRY_AFTER_SECONDS,
    }
    response = render(request, "afterdesk/database_busy.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return _logged_already(response)


def _logged_already(response: HttpResponse) -> HttpResponse:
    """Django would also log every 5xx answer as an error (`django.utils.log.log_response`
    skips one marked like this): the warning above says what happened."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseBusyMiddleware:
    """A view that raised "database is locked": 503 instead of the 500 error page (JSON
    under `/api/`, for an error the API's own handler did not see)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if not is_database_busy(error):
            return None
        if request.path_info.startswith("/api/"):
            return database_busy_api_response(request, error)
        return database_busy_page(request, error)
