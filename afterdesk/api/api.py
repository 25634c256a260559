"""The one django-ninja API object; each app contributes its router."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from afterdesk.core.errors import DomainError

api = NinjaAPI(title="Afterdesk API", version="1", urls_namespace="api")


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, str] = {"message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [".".join(str(p) for p in err.get("loc", ())[1:]) for err in exc.errors]
    message = "; ".join(
        f"{field or 'body'}: {err.get('msg', 'invalid')}"
        for field, err in zip(fields, exc.errors, strict=True)
    )
    return api.create_response(request, {"message": message, "errors": exc.errors}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": "authentication required"}, status=401)
