"""The notify action (docs/automations.md, "Actions"): the people a rule names (`supervisors`,
`assignee`) get an in-app notification with its email copy (docs/notifications.md), written
with the firing and mailed after it commits, once per firing even when the task runs again;
plain addresses get one email after the firing commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import emails_by_language
from afterdesk.notifications.models import NotificationKind
from afterdesk.notifications.selectors import supervisors_for_team
from afterdesk.notifications.services import notify
from afterdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)


def recipients(targets: list[str], ticket: Ticket) -> tuple[list[User], list[str]]:
    """The people (`supervisors`: the team's, else every supervisor and admin, as for an SLA
    breach; `assignee`) and the plain addresses a notify action names."""
    people: dict[int, User] = {}
    emails: set[str] = set()
    for target in targets:
        if target == "supervisors":
            people.update((user.pk, user) for user in supervisors_for_team(ticket.team_id))
        elif target == "assignee":
            if ticket.assignee is not None and ticket.assignee.is_active:
                people[ticket.assignee.pk] = ticket.assignee
        elif target.strip():
            emails.add(target.strip())
    return sorted(people.values(), key=lambda user: user.username), sorted(emails)


def people_notify(
    *,
    people: list[User],
    subject: str,
    body: str,
    ticket: Ticket,
    rule: str,
    key: str,
) -> None:
    """In the firing's transaction: a rolled-back firing notifies nobody."""
    notify(
        users=people,
        kind=NotificationKind.AUTOMATION,
        title=f"{subject} (#{ticket.pk})",
        # The rule's own words as written; the frame in each person's language.
        body=format_lazy(
            "{body}{about}",
            body=f"{body}\n\n" if body else "",
            about=format_lazy(
                gettext_lazy("Ticket #{ticket}: {subject}\nRule: {rule}"),
                ticket=ticket.pk,
                subject=ticket.subject,
                rule=rule,
            ),
        ),
        url=f"/tickets/{ticket.pk}/",
        ticket_id=ticket.pk,
        dedupe_key=key,
    )


def notice_queue(*, to: list[str], subject: str, body: str, ticket: Ticket, rule: str) -> None:
    messages = []
    # One message per language its readers use the desk in (an address of nobody here: the
    # desk's default language); the rule's subject and body as written.
    for language, group in emails_by_language(to).items():
        with translation.override(language):
            about = _("Ticket #%(ticket)s: %(subject)s\nRule: %(rule)s") % {
                "ticket": ticket.pk,
                "subject": ticket.subject,
                "rule": rule,
            }
            link = _("Open it at /tickets/%(ticket)s/") % {"ticket": ticket.pk}
        messages.append(
            EmailMessage(
                subject=f"[Afterdesk] {subject} (#{ticket.pk})",
                body=(f"{body}\n\n" if body else "") + f"{about}\n{link}\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=group,
                headers={"Auto-Submitted": "auto-generated"},
            )
        )

    def send() -> None:
        try:
            for message in messages:
                message.send(fail_silently=False)
        except Exception:  # the firing stays done; the mail's failure is in the log
            logger.exception(
                "automation %r: the notice for ticket %s was not sent", rule, ticket.pk
            )

    transaction.on_commit(send)
