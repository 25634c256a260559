"""Template helpers of the work queue (docs/ui.md, "The inbox as a work queue")."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.urls import reverse

from afterdesk.tickets.queue_forms import clean_query

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_back_url(context: template.Context) -> str:
    """The inbox as the agent left it: the `inbox` query string the list's link carried,
    cleaned to the inbox's own keys (never an address elsewhere)."""
    request: HttpRequest | None = context.get("request")
    query = clean_query(str(request.GET.get("inbox", ""))) if request is not None else ""
    return reverse("tickets:inbox") + (f"?{query}" if query else "")
