"""The one place that decides "full page or htmx partial" (after NetBox's htmx helper)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request asks for a fragment, except a history restore, which needs the page."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest,
    *,
    page: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    template = partial if wants_partial(request) else page
    response = render(request, template, context, status=status)
    # The same URL answers with two bodies: caches must key on the header.
    patch_vary_headers(response, ["HX-Request"])
    return response
