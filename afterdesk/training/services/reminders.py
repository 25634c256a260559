"""Reminders before a certification expires (docs/training.md, "Expiry reminders").

Once a day the desk looks for awards that expire within a threshold's days (the setting
AFTERDESK_CERTIFICATION_REMINDER_DAYS, default 30) and tells the agent and their supervisors,
in the app and by email as each person chose (the notifications app). Each award is reminded
once per threshold: a `CertificationReminder` row is written in the same transaction as the
notifications, and its unique (award, threshold) makes a second run, or two runs at once,
send nothing more. An award that was renewed (a later award of the same certification lasts
longer), revoked or already expired is not reminded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.notifications.models import NotificationKind
from afterdesk.notifications.selectors import supervisors_for_team
from afterdesk.notifications.services import Draft, notifications_create
from afterdesk.training.models import AgentCertification, CertificationReminder

MAX_DAYS = 365


def reminder_days(raw: object = None) -> list[int]:
    """The thresholds, in days before expiry, from the setting: whole numbers 1–365, smallest
    first. An empty setting turns the reminders off; anything else is refused."""
    values = settings.AFTERDESK_CERTIFICATION_REMINDER_DAYS if raw is None else raw
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    days: set[int] = set()
    for value in values:  # type: ignore[attr-defined]
        text = str(value).strip()
        if not text.isdecimal() or not 1 <= int(text) <= MAX_DAYS:
            raise ImproperlyConfigured(
                "AFTERDESK_CERTIFICATION_REMINDER_DAYS must list whole numbers of days 1–365 "
                f"(e.g. 30 or 30,7), not {text!r}"
            )
        days.add(int(text))
    return sorted(days)


def _supervisors(agent: User) -> list[User]:
    """The supervisors of the agent's teams (without any: every supervisor and admin, as
    for the desk's other notifications), the agent left out."""
    team_ids: list[int | None] = [*agent.teams.values_list("pk", flat=True)] or [None]
    found: dict[int, User] = {}
    for team_id in team_ids:
        for person in supervisors_for_team(team_id):
            found.setdefault(person.pk, person)
    found.pop(agent.pk, None)
    return list(found.values())


def _drafts(award: AgentCertification, days_before: int) -> list[Draft]:
    agent, name = award.user, award.certification.name
    assert award.expires_at is not None  # noqa: S101 - only expiring awards are reminded
    when = timezone.localtime(award.expires_at).date().isoformat()
    key = f"certification-expiry:{award.pk}:{days_before}"
    body = _("Renew it before then: pass its exam again or ask a trainer to grant it.")
    return [
        Draft(
            users=[agent],
            kind=NotificationKind.CERTIFICATION_EXPIRY,
            title=format_lazy(
                _("Your certification {name} expires on {date}"),
                name=name,
                date=when,
            ),
            body=body,
            url="/training/",
            dedupe_key=key,
        ),
        Draft(
            users=_supervisors(agent),
            kind=NotificationKind.CERTIFICATION_EXPIRY,
            title=format_lazy(
                _("{agent}'s certification {name} expires on {date}"),
                agent=str(agent),
                name=name,
                date=when,
            ),
            body=body,
            url="/training/manage/#m-expiring",
            dedupe_key=key,
        ),
    ]


def expiring_awards(*, now: datetime, within_days: int) -> list[AgentCertification]:
    """Awards in force that expire within `within_days`, not renewed by a later award of
    the same certification that lasts longer, of active agents."""
    renewed = AgentCertification.objects.filter(
        user=OuterRef("user"),
        certification=OuterRef("certification"),
        revoked_at__isnull=True,
        earned_at__lte=now,
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=OuterRef("expires_at")))
    return list(
        AgentCertification.objects.filter(
            revoked_at__isnull=True,
            earned_at__lte=now,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=within_days),
            user__is_active=True,
        )
        .filter(~Exists(renewed))
        .select_related("user", "certification")
        .order_by("expires_at", "pk")
    )


def expiry_reminders_send(*, now: datetime | None = None, days: list[int] | None = None) -> int:
    """Remind each expiring award once per threshold; returns how many awards were reminded
    by this run. When several thresholds apply at once (the task did not run for a while),
    only the nearest is sent: one reminder, not a burst."""
    now = now or timezone.now()
    thresholds = reminder_days() if days is None else sorted(set(days))
    if not thresholds:
        return 0
    awards = expiring_awards(now=now, within_days=thresholds[-1])
    sent: dict[int, int] = {}
    for award_id, days_before in CertificationReminder.objects.filter(
        award_id__in=[a.pk for a in awards]
    ).values_list("award_id", "days_before"):
        sent[award_id] = min(days_before, sent.get(award_id, days_before))
    count = 0
    for award in awards:
        assert award.expires_at is not None  # noqa: S101 - filtered above
        left = award.expires_at - now
        threshold = min(d for d in thresholds if left <= timedelta(days=d))
        if award.pk in sent and sent[award.pk] <= threshold:
            continue  # reminded at this threshold or a nearer one
        try:
            with transaction.atomic():
                CertificationReminder.objects.create(
                    award=award, days_before=threshold, sent_at=now
                )
                notifications_create(_drafts(award, threshold), at=now)
        except IntegrityError:
            continue  # another run reminded it at the same moment
        count += 1
    return count
