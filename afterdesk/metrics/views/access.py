"""The access rule of `metrics.access` as the pages answer it: a refusal is a 403, an unknown
agent a 404. Every performance page (and the bonus pages) asks `page_access` first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.metrics.access import Access, Need, access_agent, access_require

__all__ = ["Access", "http_errors", "page_access", "page_agent"]


@contextmanager
def http_errors() -> Iterator[None]:
    """Domain refusals as the pages answer them: permission → 403, not found → 404."""
    try:
        yield
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except errors.NotFound as error:
        raise Http404(error.message) from error


def page_access(request: HttpRequest, need: Need) -> Access:
    """The signed-in user's access, or 403 when it does not cover `need`."""
    with http_errors():
        return access_require(request.user, need)


def page_agent(access: Access, username: str) -> User:
    """The agent whose page or drill-down is asked for ("": oneself); another agent: 403 for
    non-managers, an unknown one 404."""
    with http_errors():
        return access_agent(access, username or None)
