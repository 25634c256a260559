"""Writes of the notifications app (docs/notifications.md): storing notifications once per
person and occasion, reading them, the email copies, and each person's email choices.

`notify` is what the apps above call, inside their own transaction: the rows are written with
their change (a rolled-back change notifies nobody), the emails go after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User, user_language
from afterdesk.core.errors import ValidationError

from .models import Notification, NotificationKind, Preference

logger = logging.getLogger(__name__)

# Loop protection, as the other mails of the desk: auto-responders must not answer.
MAIL_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
EMAIL_MAX_TRIES = 5
EMAIL_CLAIM_TIMEOUT = timedelta(minutes=10)
EMAIL_BATCH = 200


@dataclass(frozen=True)
class Draft:
    """One occasion to tell some people about."""

    users: Sequence[User]
    kind: str
    # Plain text, or a lazy translation (`gettext_lazy`, `format_lazy`): each person's copy is
    # then written in their own language (`User.language`).
    title: str | Promise
    body: str | Promise = ""
    url: str = ""
    ticket_id: int | None = None
    actor: User | None = None
    # Names the occasion (e.g. "mention:<event id>"): each person gets it once.
    dedupe_key: str = ""
    extra_emails: Sequence[str] = field(default_factory=tuple)


def _checked(draft: Draft) -> None:
    if draft.kind not in NotificationKind.values:
        raise ValidationError(f"unknown notification kind {draft.kind!r}", field="kind")
    if not str(draft.title).strip():
        raise ValidationError("a notification needs a title", field="title")
    if draft.url and (not draft.url.startswith("/") or draft.url.startswith("//")):
        # Only paths inside the desk: the notifications page links to it.
        raise ValidationError("a notification links to a path inside the desk", field="url")


def notifications_create(
    drafts: Sequence[Draft], *, email: bool = True, at: datetime | None = None
) -> list[Notification]:
    """Store each draft's notifications (one per active person, the actor left out, those
    already told about the same `dedupe_key` left out) and queue their emails after commit.
    With `email=False` no copy is mailed (the caller mails its own). Three queries for any
    number of drafts: the ones already stored, the email choices, the insert."""
    for draft in drafts:
        _checked(draft)
    now = at or timezone.now()
    wanted: list[tuple[Draft, User]] = []
    for draft in drafts:
        actor_id = draft.actor.pk if draft.actor is not None else None
        seen: set[int] = set()
        for user in draft.users:
            if user.is_active and user.pk != actor_id and user.pk not in seen:
                seen.add(user.pk)
                wanted.append((draft, user))
    if not wanted:
        return []
    keys = {draft.dedupe_key for draft, _user in wanted if draft.dedupe_key}
    told: set[tuple[int, str]] = set()
    if keys:
        # Two IN lists, not an OR per draft (SQLite refuses expressions nested 1,000 deep).
        told = set(
            Notification.objects.filter(
                dedupe_key__in=keys, recipient_id__in={user.pk for _draft, user in wanted}
            ).values_list("recipient_id", "dedupe_key")
        )
    wanted = [(d, u) for d, u in wanted if not d.dedupe_key or (u.pk, d.dedupe_key) not in told]
    muted: set[tuple[int, str]] = set()
    if email and wanted:
        muted = set(
            Preference.objects.filter(
                user_id__in={u.pk for _d, u in wanted},
                kind__in={d.kind for d, _u in wanted},
                email=False,
            ).values_list("user_id", "kind")
        )
    rows = []
    for draft, user in wanted:
        with translation.override(user_language(user)):
            title, body = str(draft.title).strip()[:200], str(draft.body).strip()
        rows.append(
            Notification(
                recipient=user,
                kind=draft.kind,
                title=title,
                body=body,
                url=draft.url,
                ticket_id=draft.ticket_id,
                actor=draft.actor,
                dedupe_key=draft.dedupe_key,
                created_at=now,
                email_to=(
                    user.email.strip()
                    if email and user.email.strip() and (user.pk, draft.kind) not in muted
                    else ""
                ),
            )
        )
    if not rows:
        return []
    # A concurrent run of the same occasion may have stored a row since the read above: the
    # unique (recipient, dedupe_key) keeps one, and this insert skips it.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.email_to for row in rows):
        from afterdesk.notifications.tasks import notification_emails_task

        transaction.on_commit(lambda: notification_emails_task())
    return rows


def notify(
    *,
    users: Iterable[User],
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    ticket_id: int | None = None,
    actor: User | None = None,
    dedupe_key: str = "",
    email: bool = True,
    at: datetime | None = None,
) -> list[Notification]:
    """Tell `users` about one occasion, in the app and (unless they turned it off) by email."""
    draft = Draft(
        users=list(users),
        kind=kind,
        title=title,
        body=body,
        url=url,
        ticket_id=ticket_id,
        actor=actor,
        dedupe_key=dedupe_key,
    )
    return notifications_create([draft], email=email, at=at)


def notification_mark_read(
    *, notification: Notification, at: datetime | None = None
) -> Notification:
    """Mark one read; marking it again keeps the first time."""
    if notification.read_at is None:
        notification.read_at = at or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: User, at: datetime | None = None) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )


@transaction.atomic
def preferences_set(*, user: User, email_kinds: Iterable[str]) -> dict[str, bool]:
    """Email on for the kinds in `email_kinds`, off for the others."""
    chosen = set(email_kinds)
    unknown = chosen - set(NotificationKind.values)
    if unknown:
        raise ValidationError(
            f"unknown notification kind {sorted(unknown)[0]!r}; "
            f"use {', '.join(NotificationKind.values)}",
            field="email_kinds",
        )
    for kind in NotificationKind.values:
        Preference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": kind in chosen}
        )
    return {kind: kind in chosen for kind in NotificationKind.values}


def notification_mail(row: Notification) -> EmailMessage:
    """The email copy, its frame in the recipient's language (the title and body were
    written in it when the notification was stored)."""
    base = settings.AFTERDESK_PUBLIC_URL.rstrip("/")
    lines = [row.title]
    if row.body:
        lines += ["", row.body]
    with translation.override(user_language(row.recipient)):
        if row.url:
            lines += ["", _("Open it: %(url)s") % {"url": f"{base}{row.url}"}]
        lines += [
            "",
            "--",
            _("Choose which notifications you get by email: %(url)s")
            % {"url": f"{base}/notifications/settings/"},
        ]
    return EmailMessage(
        subject=f"[Afterdesk] {row.title}",
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.email_to],
        headers=MAIL_HEADERS,
    )


def notification_emails_send(*, now: datetime | None = None) -> int:
    """Mail the email copies not sent yet (each claimed first, so two workers never mail the
    same one, and no lock is held while the mail server talks); returns how many went. A
    failed send is counted and tried again by the next run, up to EMAIL_MAX_TRIES."""
    claimed = _claim(now=now or timezone.now())
    if not claimed:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        for row in claimed:
            try:
                message = notification_mail(row)
                message.connection = connection
                message.send(fail_silently=False)
            except Exception as error:
                logger.warning("notification %s: the email failed: %s", row.pk, error)
                Notification.objects.filter(pk=row.pk).update(
                    email_claimed_at=None,
                    email_tries=row.email_tries + 1,
                    email_error=str(error)[:500] or type(error).__name__,
                )
                continue
            Notification.objects.filter(pk=row.pk).update(
                emailed_at=timezone.now(), email_claimed_at=None, email_error=""
            )
            sent += 1
    finally:
        connection.close()
    return sent


@transaction.atomic
def _claim(*, now: datetime) -> list[Notification]:
    rows = list(
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(emailed_at__isnull=True, email_tries__lt=EMAIL_MAX_TRIES)
        .exclude(email_to="")
        .filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_CLAIM_TIMEOUT)
        )
        .order_by("created_at", "id")[:EMAIL_BATCH]
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(email_claimed_at=now)
    return rows
