"""The notify action: an email to the people a rule names, sent after the firing commits
(docs/automations.md, "Actions"). The desk has no in-app notifications yet, so email is the
one channel; the firing's `automation` event on the ticket is what agents see in the app."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from afterdesk.sla.escalation import breach_recipients
from afterdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)


def recipients(targets: list[str], ticket: Ticket) -> list[str]:
    """`supervisors` (the team's, else every supervisor and admin: the SLA escalation's list),
    `assignee`, or plain addresses."""
    emails: set[str] = set()
    for target in targets:
        if target == "supervisors":
            emails.update(breach_recipients(ticket.team_id))
        elif target == "assignee":
            if ticket.assignee is not None and ticket.assignee.email:
                emails.add(ticket.assignee.email)
        else:
            emails.add(target.strip())
    return sorted(email for email in emails if email)


def notice_queue(*, to: list[str], subject: str, body: str, ticket: Ticket, rule: str) -> None:
    about = f"Ticket #{ticket.pk}: {ticket.subject}\nRule: {rule}\n"
    message = EmailMessage(
        subject=f"[Afterdesk] {subject} (#{ticket.pk})",
        body=(f"{body}\n\n" if body else "") + about + f"Open it at /tickets/{ticket.pk}/\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={"Auto-Submitted": "auto-generated"},
    )

    def send() -> None:
        try:
            message.send(fail_silently=False)
        except Exception:  # the firing stays done; the mail's failure is in the log
            logger.exception(
                "automation %r: the notice for ticket %s was not sent", rule, ticket.pk
            )

    transaction.on_commit(send)
