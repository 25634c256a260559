"""The ticket page's survey card (docs/surveys.md, "On the ticket page"): `{% survey_panel
ticket %}`, beside the order panel, read like the reply delivery badges of the channels app:
one query for a ticket that was solved, none for one never solved."""

from __future__ import annotations

from typing import Any

from django import template

from afterdesk.surveys.selectors import surveys_of_ticket
from afterdesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("surveys/partials/ticket_panel.html")
def survey_panel(ticket: Ticket) -> dict[str, Any]:
    """The caller's view has authorised the ticket."""
    return {"surveys": surveys_of_ticket(ticket)}
