"""Writes of the recognition app: storing a month's awards (once) and sending the monthly
performance emails (once per agent and month). docs/recognition.md."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from afterdesk.accounts.models import User, user_language
from afterdesk.core.errors import ValidationError
from afterdesk.recognition.awards import awards_compute
from afterdesk.recognition.models import Award, PerformanceEmail
from afterdesk.recognition.months import month_complete
from afterdesk.recognition.report import AgentReport, agent_reports

logger = logging.getLogger(__name__)

EMAIL_CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class StoredAward:
    award: Award
    created: bool  # False: the month already had this award (kept as it was)


def month_require_complete(month: date, now: datetime) -> None:
    if not month_complete(month, now):
        raise ValidationError(
            f"{month:%Y-%m} is not over yet: awards are for finished months", field="month"
        )


def awards_store(*, month: date, now: datetime | None = None) -> list[StoredAward]:
    """Compute the month's awards and store each one not stored yet; an award already stored
    for the month is kept as it was (what was announced stays announced). Running it twice, or
    twice at once, stores each award once (the unique (month, kind) constraint decides)."""
    month_require_complete(month, now or timezone.now())
    out = []
    for result in awards_compute(month):
        if result.winner is None:
            continue
        with transaction.atomic():
            award, created = Award.objects.get_or_create(
                month=month,
                kind=result.kind,
                defaults={
                    "agent_id": result.winner.agent_id,
                    "figures": result.figures(),
                    "candidates": result.candidates,
                },
            )
        out.append(StoredAward(award, created))
    return out


@dataclass(frozen=True)
class EmailOutcome:
    sent: list[str]  # usernames
    skipped: list[str]  # already sent, or being sent by another run
    failed: list[str]
    no_address: list[str]


def performance_emails_send(*, month: date, now: datetime | None = None) -> EmailOutcome:
    """Email each agent with figures in the month their figures against their team's median.

    Each (agent, month) has one row: claimed in its own short UPDATE before the mail server is
    talked to, stamped `sent_at` after; a failed send releases the claim and keeps the error,
    so the next run tries that agent again and nobody gets the email twice."""
    moment = now or timezone.now()
    month_require_complete(month, moment)
    sent, skipped, failed, no_address = [], [], [], []
    reports = agent_reports(month)
    awards = _awards_by_agent(month)
    for report in reports:
        agent = report.agent
        if not agent.email or not agent.is_active:
            no_address.append(agent.username)
            continue
        row, _created = PerformanceEmail.objects.get_or_create(agent=agent, month=month)
        claimed = (
            PerformanceEmail.objects.filter(pk=row.pk, sent_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=moment - EMAIL_CLAIM_TIMEOUT))
            .update(claimed_at=moment)
        )
        if not claimed:
            skipped.append(agent.username)
            continue
        try:
            performance_mail(report=report, month=month, awards=awards.get(agent.pk, [])).send(
                fail_silently=False
            )
        except Exception as exc:  # the mail server's error, whatever it is: retried next run
            logger.warning("performance email to %s not sent: %s", agent.username, exc)
            PerformanceEmail.objects.filter(pk=row.pk).update(claimed_at=None, error=str(exc)[:300])
            failed.append(agent.username)
            continue
        PerformanceEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now(), error="")
        sent.append(agent.username)
    return EmailOutcome(sent, skipped, failed, no_address)


def _awards_by_agent(month: date) -> dict[int, list[Award]]:
    out: dict[int, list[Award]] = {}
    for award in Award.objects.filter(month=month).order_by("kind"):
        out.setdefault(award.agent_id, []).append(award)
    return out


def performance_mail(*, report: AgentReport, month: date, awards: list[Award]) -> EmailMessage:
    """The monthly email of one agent, in their language (`User.language`, else the desk's)."""
    with translation.override(user_language(report.agent)):
        context = {"report": report, "month": month, "awards": awards, "agent": report.agent}
        subject = render_to_string("recognition/email/performance_subject.txt", context).strip()
        body = render_to_string("recognition/email/performance.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[report.agent.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def agent_of(username: str) -> User | None:
    return User.objects.filter(username=username).first()
