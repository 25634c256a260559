"""The ticket page's QA card (docs/qa.md, "Pages and API"): `{% qa_panel ticket %}`, for reviewers a
link to the review screen of the ticket. No query: the role is on the signed-in user."""

from __future__ import annotations

from typing import Any

from django import template

from afterdesk.accounts.models import User
from afterdesk.qa.access import can_review
from afterdesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("qa/partials/ticket_panel.html", takes_context=True)
def qa_panel(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"ticket": ticket, "show": isinstance(user, User) and can_review(user)}
