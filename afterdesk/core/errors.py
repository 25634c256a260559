"""Domain errors: services raise these, one API handler and the htmx views render them."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class ValidationError(DomainError):
    status = 422


class Conflict(DomainError):
    status = 409


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415
