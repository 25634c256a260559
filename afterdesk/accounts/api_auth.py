"""How the API knows who is calling: a bearer token, or the browser session with CSRF; and,
for the operations only some roles may call, whether the caller may (`requires`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_authenticate
from afterdesk.core.errors import PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# A check of the caller's right: returns when they have it, raises PermissionDenied otherwise.
Check = Callable[[User], object]


def _permitted(user: User | None, require: Check | None) -> User | None:
    if user is not None and require is not None:
        require(user)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer adk_…`; only the token's SHA-256 is stored (accounts.ApiToken)."""

    def __init__(self, require: Check | None = None) -> None:
        super().__init__()
        self.require = require

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        return _permitted(api_token_authenticate(raw=token), self.require)


class SessionCsrfAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token.

    ninja's own `SessionAuth` checks CSRF before it knows whether anyone is signed in, so an
    anonymous POST would get 403 instead of 401; here the session is looked at first.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, require: Check | None = None) -> None:
        super().__init__()
        self.require = require

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not isinstance(user, User):
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("CSRF check failed: send the X-CSRFToken header")
        return _permitted(user, self.require)


def requires(check: Check) -> list[AuthBase]:
    """The API's authentication for an operation only some roles may call (`auth=` of the
    operation): `check(user)` runs right after the caller is known and before ninja reads the
    path, query and body, so a caller without the right gets 403 whatever they send
    (docs/reliability.md, "Web and API"). The security schemes stay the API's two."""
    return [TokenAuth(require=check), SessionCsrfAuth(require=check)]


def request_user(request: HttpRequest) -> User:
    """The authenticated caller (every operation runs behind `TokenAuth` or the session)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - ninja ran the auth already
        raise PermissionDenied("authentication required")
    return user
