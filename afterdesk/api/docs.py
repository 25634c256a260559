"""The interactive API explorer (`/api/docs`): Swagger UI for signed-in users.

Its script and stylesheet are the copies django-ninja ships (`ninja/static/ninja/`, served
with the other static files because "ninja" is an installed app), so the page loads nothing
from a CDN and runs under the site's Content-Security-Policy: the page's only inline script
element is JSON data, which the policy does not execute. The OpenAPI schema it reads stays
public (docs/api.md, "The schema and the explorer"); `NinjaAPI(docs_decorator=…)` would guard
both, hence the check here, on the page alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja.openapi.docs import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI


class SignedInSwagger(Swagger):
    """Swagger UI from our own static files; anonymous visitors go to the login page."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)
