"""Certifications and the awards that say who holds one (docs/training.md,
"Certifications")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError
from afterdesk.training.models import AgentCertification, AwardSource, Certification, ExamAttempt

CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ALLOWANCE = Decimal("1000000")


def allowance_parse(amount: object, currency: str) -> tuple[Decimal | None, str]:
    """An allowance is an amount ≥ 0 with at most 2 decimals and its ISO 4217 currency, or
    nothing (no amount and no currency)."""
    if amount in (None, ""):
        if currency:
            raise ValidationError("a currency needs an allowance amount", field="allowance_amount")
        return None, ""
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValidationError(
            "allowance_amount must be a number", field="allowance_amount"
        ) from None
    if (
        not value.is_finite()
        or not 0 <= value <= MAX_ALLOWANCE
        or value != value.quantize(Decimal("0.01"))
    ):
        raise ValidationError(
            f"allowance_amount must be 0–{MAX_ALLOWANCE} with at most 2 decimals",
            field="allowance_amount",
        )
    if not CURRENCY.fullmatch(currency or ""):
        raise ValidationError(
            "allowance_currency must be an ISO 4217 code like EUR", field="allowance_currency"
        )
    return value.quantize(Decimal("0.01")), currency


def certification_save(
    *,
    certification: Certification | None = None,
    name: str,
    description: str = "",
    valid_days: int | None = None,
    allowance_amount: object = None,
    allowance_currency: str = "",
) -> Certification:
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise ValidationError("name must be 1–120 characters", field="name")
    if valid_days is not None and not 1 <= valid_days <= 3650:
        raise ValidationError("valid_days must be 1–3650 (or empty: no expiry)", field="valid_days")
    amount, currency = allowance_parse(allowance_amount, allowance_currency)
    taken = Certification.objects.filter(name=name)
    if certification is not None:
        taken = taken.exclude(pk=certification.pk)
    if taken.exists():
        raise Conflict(f"a certification named {name!r} exists", field="name")
    target = certification or Certification()
    target.name, target.description, target.valid_days = (
        name,
        (description or "").strip(),
        valid_days,
    )
    target.allowance_amount, target.allowance_currency = amount, currency
    target.save()
    return target


def award_grant(
    *,
    user: User,
    certification: Certification,
    by: User | None = None,
    attempt: ExamAttempt | None = None,
    note: str = "",
    now: datetime | None = None,
) -> AgentCertification:
    """Give `user` the certification from now until now + its validity. From an exam
    (`attempt`) or granted by a trainer (`by`), who cannot grant it to themselves."""
    now = now or timezone.now()
    if by is not None and by.pk == user.pk:
        raise PermissionDenied("nobody grants a certification to themselves")
    if len(note) > 300:
        raise ValidationError("note must be at most 300 characters", field="note")
    expires = now + timedelta(days=certification.valid_days) if certification.valid_days else None
    return AgentCertification.objects.create(
        user=user,
        certification=certification,
        earned_at=now,
        expires_at=expires,
        source=AwardSource.EXAM if attempt is not None else AwardSource.GRANTED,
        attempt=attempt,
        granted_by=by,
        note=note.strip(),
    )


@transaction.atomic
def award_revoke(*, award: AgentCertification, now: datetime | None = None) -> AgentCertification:
    award = AgentCertification.objects.select_for_update().get(pk=award.pk)
    if award.revoked_at is None:
        award.revoked_at = now or timezone.now()
        award.save(update_fields=["revoked_at"])
    return award
