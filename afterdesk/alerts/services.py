"""Writes of the alerts app: the sweep that stores new alerts, acknowledging, and the email
to supervisors. See docs/alerts.md."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import emails_by_language
from afterdesk.core.errors import PermissionDenied, ValidationError
from afterdesk.core.observability import duration_recorded
from afterdesk.metrics.access import Access
from afterdesk.metrics.models import ScorecardTemplate

from .models import Alert, AlertSettings
from .rules import AlertDraft, escalation_drafts, long_open_drafts, rate_drafts
from .selectors import alert_recipients, alerts_can_view

logger = logging.getLogger(__name__)

# Loop protection: auto-responders must not answer this mail (docs/alerts.md).
ALERT_MAIL_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
MAIL_LIST_LIMIT = 50


@duration_recorded("alerts_sweep")
@transaction.atomic
def alerts_sweep(*, now: datetime, config: AlertSettings | None = None) -> list[Alert]:
    """Store the alerts the figures at `now` call for and return the ones not stored before.

    Idempotent: each alert has a dedupe key (kind, subject, period or open spell), so running
    twice, or after downtime, adds nothing that is already there; a sweep running at the same
    time loses the insert race quietly (unique key).
    """
    if now.tzinfo is None:
        raise ValidationError("now needs a time zone", field="now")
    config = config or AlertSettings.load()
    drafts = [
        *long_open_drafts(now=now, config=config),
        *rate_drafts(now=now, config=config),
        *escalation_drafts(now=now, config=config),
    ]
    keys = [d.dedupe_key for d in drafts]
    known: set[str] = set()
    for i in range(0, len(keys), 500):  # bounded IN lists (SQLite's parameter limit)
        chunk = Alert.objects.filter(dedupe_key__in=keys[i : i + 500])
        known.update(chunk.values_list("dedupe_key", flat=True))
    created: list[Alert] = []
    for draft in drafts:
        if draft.dedupe_key in known:
            continue
        known.add(draft.dedupe_key)
        alert = _alert_store(draft=draft, now=now)
        if alert is not None:
            created.append(alert)
    return created


def _alert_store(*, draft: AlertDraft, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the sweep going
            return Alert.objects.create(
                kind=draft.kind,
                severity=draft.severity,
                dedupe_key=draft.dedupe_key,
                message=draft.message,
                figures=draft.figures,
                ticket_id=draft.ticket_id,
                agent_id=draft.agent_id,
                team_id=draft.team_id,
                period_start=draft.period_start,
                period_end=draft.period_end,
                created_at=now,
            )
    except IntegrityError:
        return None


# The thresholds an admin may change (every AlertSettings field but the bookkeeping).
SETTINGS_FIELDS = (
    "long_open_factor",
    "long_open_window_days",
    "complaint_rate_rise",
    "reopen_rate_rise",
    "sla_drop",
    "min_n",
    "template_key",
    "escalation_window_days",
    "escalation_rate_max",
    "escalation_peer_factor",
    "escalation_min_handled",
)


@transaction.atomic
def alert_settings_update(*, by: User, **values: Any) -> AlertSettings:
    """Change the alert thresholds (admins). Unknown names and invalid values are refused as
    a whole (the model's validators and `clean`); the next sweep uses the new values."""
    if not by.is_active or not Access(by).admin:
        raise PermissionDenied("only admins change the alert settings")
    unknown = sorted(set(values) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError(f"unknown alert setting {unknown[0]!r}", field=unknown[0])
    AlertSettings.load()  # the row exists from here on
    row = AlertSettings.objects.select_for_update().get(pk=1)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        row.full_clean(exclude=["updated_at"])
    except DjangoValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        field = None if name == NON_FIELD_ERRORS else name
        raise ValidationError(f"{name}: {' '.join(messages)}", field=field) from error
    if row.template_key and not ScorecardTemplate.objects.filter(key=row.template_key).exists():
        raise ValidationError(f"no template {row.template_key!r}", field="template_key")
    row.save()
    return row


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, at: datetime | None = None) -> Alert:
    """Mark an alert as seen. Acknowledging it again keeps the first acknowledgement."""
    if not alerts_can_view(by):
        raise PermissionDenied("alerts are for supervisors and admins")
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = at or timezone.now()
        locked.acknowledged_by = by
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return locked


def alert_mail(
    *, alerts: Sequence[Alert], recipients: Sequence[str], language: str | None = None
) -> EmailMessage:
    """One message listing a batch of alerts (the first MAIL_LIST_LIMIT of them), its frame,
    kinds and severities in `language` (default: the desk's)."""
    count = len(alerts)
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = (
            _("[Afterdesk] New alert: %(kind)s") % {"kind": alerts[0].get_kind_display()}
            if count == 1
            else _("[Afterdesk] %(count)s new alerts") % {"count": count}
        )
        lines = [
            ngettext(
                "Afterdesk raised %(count)s new alert:",
                "Afterdesk raised %(count)s new alerts:",
                count,
            )
            % {"count": count},
            "",
            *(
                f"- [{alert.get_severity_display()}] {alert.get_kind_display()}: "
                f"{alert.message_shown}"
                for alert in alerts[:MAIL_LIST_LIMIT]
            ),
        ]
        if count > MAIL_LIST_LIMIT:
            lines.append(_("… and %(count)s more.") % {"count": count - MAIL_LIST_LIMIT})
        lines += ["", _("Review and acknowledge them on the Alerts page (/alerts/) of Afterdesk.")]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(recipients),
        headers=ALERT_MAIL_HEADERS,
    )


NOTIFY_CLAIM_TIMEOUT = timedelta(minutes=10)


def alerts_notify(*, now: datetime | None = None) -> list[Alert]:
    """Email the supervisors and admins one message about every alert not yet notified (and
    not yet acknowledged), then stamp `notified_at`; returns the alerts it mailed.

    The alerts are first claimed in a short transaction (so two runs never mail the same
    alert, and no database lock is held while the mail server is talked to); a failed send
    releases the claim so the next run tries again, and a claim left by a worker that died
    expires after NOTIFY_CLAIM_TIMEOUT. Without any recipient nothing is sent or stamped.
    """
    recipients = alert_recipients()
    pending = _claim_pending(now=now or timezone.now(), has_recipients=bool(recipients))
    if not pending:
        return []
    ids = [alert.pk for alert in pending]
    try:
        # One message per language the recipients read the desk in (`User.language`).
        for language, group in emails_by_language(recipients).items():
            alert_mail(alerts=pending, recipients=group, language=language).send(
                fail_silently=False
            )
    except Exception:
        Alert.objects.filter(pk__in=ids).update(notify_claimed_at=None)
        raise
    stamp = now or timezone.now()
    Alert.objects.filter(pk__in=ids).update(notified_at=stamp)
    for alert in pending:
        alert.notified_at = stamp
    return pending


@transaction.atomic
def _claim_pending(*, now: datetime, has_recipients: bool) -> list[Alert]:
    pending = list(
        Alert.objects.select_for_update()
        .filter(notified_at__isnull=True, acknowledged_at__isnull=True)
        .filter(
            Q(notify_claimed_at__isnull=True) | Q(notify_claimed_at__lt=now - NOTIFY_CLAIM_TIMEOUT)
        )
        .order_by("created_at", "id")
    )
    if pending and not has_recipients:
        logger.warning("%d alerts not mailed: no supervisor or admin has an email", len(pending))
        return []
    Alert.objects.filter(pk__in=[a.pk for a in pending]).update(notify_claimed_at=now)
    return pending
