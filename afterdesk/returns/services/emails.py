"""The buyer's email at each step of a return (docs/returns.md, "Emails to the buyer").

A step that has a template switched on (`StepEmail`) renders it as the replies app renders
any template — the variant in the ticket's language, Jinja2's sandbox, strict about every
variable — with the return's own variables added (`RETURN_VARIABLES`), and sends it as the
acting agent's reply through the ticket services: the same path as an agent's or an
automation's reply, so it is on the ticket and the channels app sends it (SMTP for email).

The email is written in the step's transaction: a step refused or rolled back sends nothing.
An email that cannot go (a variable without a value, a closed ticket, a marketplace that
refuses links) does not undo the step: an internal note on the ticket says why.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.db import transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.replies import render
from afterdesk.replies.apply import variant_pick
from afterdesk.replies.variables import ticket_variables
from afterdesk.returns import instructions
from afterdesk.returns.models import ReturnCase, StepEmail
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS, Ticket, TicketEvent

logger = logging.getLogger(__name__)

# Added to the replies app's variables when the app is ready (`apps.ReturnsConfig`): a
# template may use them; outside a return's email they have no value and the preview says so.
RETURN_VARIABLES: dict[str, str] = {
    "rma": "The return's RMA number (return emails)",
    "return_items": "The returned lines as text, one '1 × Linen shirt' per line (return emails)",
    "return_instructions_link": "The link to the printable return instructions (return emails)",
    "return_amount": "The amount refunded or offered, with its currency (return emails)",
    "return_percent": "The share of the price a keep-it offer refunds, e.g. 20 (return emails)",
    "return_tracking_number": "The return label's tracking number (return emails)",
    "return_note": "The agent's note of the step, e.g. why a return was rejected (return emails)",
    "return_resolution": "How the return ended, in the buyer's language (return emails)",
}


def return_values(
    case: ReturnCase, *, language: str, amount: Decimal | None = None, note: str = ""
) -> dict[str, Any]:
    lines = case.lines.select_related("order_line")
    percent = case.retention_percent
    destination = instructions.destination(case)
    values: dict[str, Any] = {
        "rma": case.rma,
        "return_items": "\n".join(f"{line.quantity} × {line.order_line.title}" for line in lines),
        "return_instructions_link": instructions.link_url(case),
        "return_amount": format_currency(
            amount, case.order.currency, locale=render.babel_locale(language)
        )
        if amount is not None
        else "",
        "return_percent": f"{Decimal(percent).normalize():f}" if percent is not None else "",
        "return_tracking_number": case.tracking_number,
        "return_note": note.strip(),
        "return_resolution": instructions.RESOLUTION_WORDS.get(
            language.split("-")[0].lower(), instructions.RESOLUTION_WORDS["en"]
        ).get(case.resolution, ""),
        # The case's order, not the ticket's newest one.
        "order_number": case.order.number,
    }
    if destination.address:
        values["return_address"] = destination.address
    return values


def step_email(
    *, by: User, case: ReturnCase, step: str, amount: Decimal | None = None, note: str = ""
) -> TicketEvent | None:
    """Email the buyer this step's template, if one is on; the reply, or None."""
    setting = (
        StepEmail.objects.select_related("template")
        .filter(step=step, enabled=True, template__isnull=False)
        .first()
    )
    if setting is None or setting.template is None:
        return None
    ticket = Ticket.objects.get(pk=case.ticket_id)
    variant, _warning = variant_pick(setting.template, ticket.language)
    values = ticket_variables(ticket=ticket, agent=by, language=variant.language)
    values.update(return_values(case, language=variant.language, amount=amount, note=note))
    rendered = render.render(
        variant.body, values, language=variant.language, max_chars=MESSAGE_BODY_MAX_CHARS
    )
    if not rendered.ok:
        _not_sent(by, ticket, case, step, "; ".join(rendered.errors))
        return None
    try:
        with transaction.atomic():
            return tickets.message_reply(ticket=ticket, by=by, body=rendered.text)
    except DomainError as error:
        _not_sent(by, ticket, case, step, error.message)
        return None


def _not_sent(by: User, ticket: Ticket, case: ReturnCase, step: str, reason: str) -> None:
    logger.warning("return %s: the %s email was not sent: %s", case.rma, step, reason)
    # An internal note for the agents, in the language of the one acting.
    body = _("Return %(rma)s: the '%(step)s' email to the buyer was not sent: %(reason)s") % {
        "rma": case.rma,
        "step": step,
        "reason": reason,
    }
    try:
        with transaction.atomic():
            tickets.note_add(ticket=Ticket.objects.get(pk=ticket.pk), by=by, body=body[:4000])
    except DomainError:  # pragma: no cover - a note is refused only when empty or too long
        logger.exception("return %s: the note could not be written", case.rma)
