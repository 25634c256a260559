"""Template helpers of the work queue (docs/ui.md, "The inbox as a work queue")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join

from afterdesk.tickets.queue_forms import clean_query

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_back_url(context: template.Context) -> str:
    """The inbox as the agent left it: the `inbox` query string the list's link carried,
    cleaned to the inbox's own keys (never an address elsewhere)."""
    request: HttpRequest | None = context.get("request")
    query = clean_query(str(request.GET.get("inbox", ""))) if request is not None else ""
    return reverse("tickets:inbox") + (f"?{query}" if query else "")


@register.simple_tag
def bulk_agent_options(choices: Iterable[tuple[Any, Any]]) -> str:
    """The bulk form's agents: the assignee filter's choices without "me" and "nobody", as
    `<option>`s — written here, not looped over in the template (200 agents cost ~25 ms as a
    template loop; docs/benchmarks.md, "Inbox and ticket pages")."""
    return format_html_join(
        "",
        '<option value="{}">{}</option>',
        ((value, label) for value, label in choices if value and value not in ("me", "none")),
    )
