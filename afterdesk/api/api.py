"""The one django-ninja API object; each app contributes its router.

Callers authenticate with `Authorization: Bearer <token>` or the browser session (unsafe
methods then need the CSRF token). Every error is JSON `{"message": …, "field": …}`; the
answers Django gives around the operations (unknown paths, wrong methods) are made JSON by
`afterdesk.api.middleware`.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from afterdesk.accounts.api import router as accounts_router
from afterdesk.accounts.api_auth import SessionCsrfAuth, TokenAuth
from afterdesk.alerts.api import router as alerts_router
from afterdesk.api.docs import SignedInSwagger
from afterdesk.automations.api import router as automations_router
from afterdesk.bonuses.api import router as bonuses_router
from afterdesk.calendars.api import router as calendars_router
from afterdesk.channels.api import router as channels_router
from afterdesk.channels.mailboxes_api import router as mailboxes_router
from afterdesk.commerce.api import router as commerce_router
from afterdesk.core.database_busy import database_busy_api_response, is_database_busy
from afterdesk.core.errors import DomainError
from afterdesk.metrics.api import router as metrics_router
from afterdesk.metrics.assignments_api import router as assignments_router
from afterdesk.notifications.api import router as notifications_router
from afterdesk.qa.api import router as qa_router
from afterdesk.recognition.api import router as recognition_router
from afterdesk.replies.api import router as replies_router
from afterdesk.returns.api import router as returns_router
from afterdesk.routing.api import router as routing_router
from afterdesk.sla.api import router as sla_router
from afterdesk.stores.api import router as stores_router
from afterdesk.surveys.api import router as surveys_router
from afterdesk.tickets.api import router as tickets_router
from afterdesk.training.api import router as training_router

api = NinjaAPI(
    title="Afterdesk API",
    version="1",
    urls_namespace="api",
    description="The after-sales desk's JSON API. See docs/api.md.",
    auth=[TokenAuth(), SessionCsrfAuth()],
    docs=SignedInSwagger(),
)
api.add_router("", tickets_router)
api.add_router("", commerce_router)
api.add_router("", accounts_router)
api.add_router("", metrics_router)
api.add_router("", assignments_router)
api.add_router("", calendars_router)
api.add_router("", alerts_router)
api.add_router("", bonuses_router)
api.add_router("", channels_router)
api.add_router("", mailboxes_router)
api.add_router("", stores_router)
api.add_router("", replies_router)
api.add_router("", sla_router)
api.add_router("", routing_router)
api.add_router("", returns_router)
api.add_router("", surveys_router)
api.add_router("", automations_router)
api.add_router("", notifications_router)
api.add_router("", qa_router)
api.add_router("", training_router)
api.add_router("", recognition_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, str] = {"message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [_field_name(err.get("loc", ())) for err in exc.errors]
    message = "; ".join(
        f"{field or 'body'}: {err.get('msg', 'invalid')}"
        for field, err in zip(fields, exc.errors, strict=True)
    )
    body = {"message": message, "field": next((f for f in fields if f), None)}
    return api.create_response(request, {**body, "errors": _plain_errors(exc.errors)}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": "authentication required"}, status=401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": "not found"}, status=404)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django would answer 400, or a traceback
    with DEBUG); `afterdesk.api.middleware` covers the answers outside the operations."""
    return api.create_response(request, {"message": "request body too large"}, status=413)


@api.exception_handler(OperationalError)
def database_busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """SQLite's write lock not free within the busy timeout: 503 with Retry-After, the
    operation's transaction rolled back (`afterdesk.core.database_busy`). Other database
    errors stay server errors."""
    if not is_database_busy(exc):
        raise exc
    return database_busy_api_response(request, exc)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


def _field_name(loc: object) -> str:
    """`("body", "payload", "subject")` → `subject`; `("query", "status")` → `status`."""
    parts = [str(p) for p in (loc if isinstance(loc, list | tuple) else ())]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts)


def _plain_errors(errors: list[dict[str, object]]) -> list[dict[str, object]]:
    """The errors without `ctx`/`url`, which may hold exceptions that do not serialise."""
    return [{k: v for k, v in err.items() if k in {"type", "loc", "msg"}} for err in errors]
