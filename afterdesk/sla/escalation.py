"""The escalation of a breach: an email to the supervisors of the ticket's team (docs/sla.md,
"Escalation"). The notice is written in the breach's transaction and mailed after commit by a
task that claims it first, so a breach is mailed once even with two workers. In the same
transaction the supervisors get an in-app notification (docs/notifications.md), whose email
copy is that mail: those who turned the SLA breach email off are left out of it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.selectors import emails_by_language
from afterdesk.notifications.models import NotificationKind
from afterdesk.notifications.selectors import email_muted, supervisors_for_team
from afterdesk.notifications.services import Draft, notifications_create
from afterdesk.sla.models import BreachNotice
from afterdesk.tickets.models import Ticket, TicketEvent

logger = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
TARGET_NAMES = {
    "first_reply": gettext_lazy("first reply"),
    "next_reply": gettext_lazy("next reply"),
    "periodic_update": gettext_lazy("periodic update"),
    "resolution": gettext_lazy("resolution"),
}


def breach_recipients(team_id: int | None) -> list[str]:
    """The active supervisors of the team who have an email; without any (no team, or a team
    without a supervisor), every active supervisor and admin with one. Those who turned the
    SLA breach email off (docs/notifications.md, "Email choices") are left out."""
    people = User.objects.filter(is_active=True).exclude(email="")
    found: list[tuple[int, str]] = []
    if team_id is not None:
        found = list(people.filter(role=Role.SUPERVISOR, teams=team_id).values_list("pk", "email"))
    if not found:
        found = list(
            people.filter(role__in=[Role.SUPERVISOR, Role.ADMIN]).values_list("pk", "email")
        )
    muted = email_muted(user_ids=[pk for pk, _email in found], kind=NotificationKind.SLA_BREACH)
    return sorted({email.strip() for pk, email in found if email.strip() and pk not in muted})


def breach_notices_create(
    *, events: Sequence[TicketEvent], cache: dict[str, Any] | None = None
) -> list[BreachNotice]:
    """One notice per new breach, mailed after the transaction commits. `cache`: the
    recipients of each team, for a sweep's batches."""
    if not events:
        return []
    recipients: dict[int | None, list[str]] = (
        cache.setdefault("sla_recipients", {}) if cache is not None else {}
    )
    supervisors: dict[int | None, list[User]] = (
        cache.setdefault("sla_supervisors", {}) if cache is not None else {}
    )
    tickets = {
        pk: (team_id, subject)
        for pk, team_id, subject in Ticket.objects.filter(
            pk__in={e.ticket_id for e in events}
        ).values_list("pk", "team_id", "subject")
    }
    notices = []
    drafts = []
    for event in events:
        team_id, subject = tickets.get(event.ticket_id, (None, ""))
        if team_id not in recipients:
            recipients[team_id] = breach_recipients(team_id)
            supervisors[team_id] = supervisors_for_team(team_id)
        notices.append(
            BreachNotice(event=event, ticket_id=event.ticket_id, recipients=recipients[team_id])
        )
        drafts.append(_breach_draft(event, subject, supervisors[team_id]))
    BreachNotice.objects.bulk_create(notices)
    # The mail below is the email copy: in-app only here.
    notifications_create(drafts, email=False)
    from afterdesk.sla.tasks import breach_notices_send_task

    transaction.on_commit(lambda: breach_notices_send_task())
    return notices


def _breach_draft(event: TicketEvent, subject: str, people: list[User]) -> Draft:
    target = TARGET_NAMES.get(event.subtype, event.subtype)
    due = event.fields.get("due", "")
    policy = event.fields.get("policy", "")
    return Draft(
        users=people,
        kind=NotificationKind.SLA_BREACH,
        # Lazy: each person's copy is written in their own language.
        title=format_lazy(
            gettext_lazy("SLA breach: ticket #{ticket} missed its {target} deadline"),
            ticket=event.ticket_id,
            target=target,
        ),
        body=format_lazy(
            gettext_lazy("Due {due} under the policy '{policy}'. {subject}")
            if policy
            else gettext_lazy("Due {due}. {subject}"),
            due=due,
            policy=policy,
            subject=subject,
        ),
        url=f"/tickets/{event.ticket_id}/",
        ticket_id=event.ticket_id,
        dedupe_key=f"sla_breach:{event.pk}",
    )


def breach_mail(
    notice: BreachNotice, *, to: list[str] | None = None, language: str | None = None
) -> EmailMessage:
    """The breach email to `to` (default: every recipient) in `language` (default: the
    desk's)."""
    event = notice.event
    ticket = notice.ticket
    with translation.override(language or settings.LANGUAGE_CODE):
        target = str(TARGET_NAMES.get(event.subtype, event.subtype))
        due = event.fields.get("due", "")
        policy = event.fields.get("policy", "")
        values = {"ticket": ticket.pk, "external": ticket.external_id, "target": target}
        first = (
            _(
                "Ticket #%(ticket)s (%(external)s) missed its %(target)s deadline, due %(due)s "
                "under the policy '%(policy)s'."
            )
            if policy
            else _("Ticket #%(ticket)s (%(external)s) missed its %(target)s deadline, due %(due)s.")
        ) % {**values, "due": due, "policy": policy}
        body = (
            f"{first}\n\n"
            + _("Subject: %(subject)s") % {"subject": ticket.subject}
            + "\n"
            + _("Assignee: %(name)s")
            % {"name": ticket.assignee.username if ticket.assignee else _("nobody")}
            + "\n"
            + _("Team: %(name)s") % {"name": ticket.team.name if ticket.team else _("none")}
            + "\n\n"
            + _("Open it at /tickets/%(ticket)s/ in Afterdesk.") % values
            + "\n"
        )
        subject = _("[Afterdesk] SLA breach: #%(ticket)s %(target)s") % values
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(notice.recipients) if to is None else to,
        headers={"Auto-Submitted": "auto-generated"},
    )


def breach_mails(notice: BreachNotice) -> list[EmailMessage]:
    """One email per language the recipients read the desk in (`User.language`)."""
    return [
        breach_mail(notice, to=to, language=language)
        for language, to in emails_by_language(list(notice.recipients)).items()
    ]


def breach_notices_send() -> list[BreachNotice]:
    """Mail every notice not sent yet; returns the ones mailed. A notice without recipients
    is stamped sent (there is nobody to tell) and logged."""
    sent = []
    for notice in _claim():
        if notice.recipients:
            try:
                for message in breach_mails(notice):
                    message.send(fail_silently=False)
            except Exception:
                BreachNotice.objects.filter(pk=notice.pk).update(claimed_at=None)
                raise
        else:
            logger.warning("SLA breach of ticket %s: no supervisor has an email", notice.ticket_id)
        BreachNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
        sent.append(notice)
    return sent


@transaction.atomic
def _claim() -> list[BreachNotice]:
    now = timezone.now()
    notices = list(
        BreachNotice.objects.select_for_update(of=("self",))
        .select_related("event", "ticket", "ticket__assignee", "ticket__team")
        .filter(sent_at=None)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("created_at", "id")[:200]
    )
    BreachNotice.objects.filter(pk__in=[n.pk for n in notices]).update(claimed_at=now)
    return notices
