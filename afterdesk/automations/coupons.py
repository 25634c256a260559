"""Coupon pools: codes made elsewhere (a shop's discount codes), each handed out once
(docs/automations.md, "Coupons")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.automations.access import configure_require
from afterdesk.automations.models import Coupon, CouponPool
from afterdesk.core.errors import ValidationError

CODE_MAX = 64
TRIES = 20


class PoolEmpty(Exception):
    pass


def coupon_issue(*, pool: CouponPool, ticket_id: int, at: datetime | None = None) -> Coupon:
    """Hand out one free code of `pool` to the ticket. Race-safe: the code is taken with a
    conditional UPDATE (only while it is still free), so two firings at once never get the same
    code; on PostgreSQL the candidates are read with SKIP LOCKED so they do not wait for each
    other. PoolEmpty when no code is left."""
    at = at or timezone.now()
    for _attempt in range(TRIES):
        free = Coupon.objects.filter(pool=pool, issued_at__isnull=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            with transaction.atomic():
                candidate = free.select_for_update(skip_locked=True).values_list("pk", flat=True)
                picked = candidate.first()
                if picked is None:
                    raise PoolEmpty(pool.name)
                taken = Coupon.objects.filter(pk=picked, issued_at__isnull=True).update(
                    issued_at=at, ticket_id=ticket_id
                )
        else:
            picked = free.values_list("pk", flat=True).first()
            if picked is None:
                raise PoolEmpty(pool.name)
            taken = Coupon.objects.filter(pk=picked, issued_at__isnull=True).update(
                issued_at=at, ticket_id=ticket_id
            )
        if taken:
            return Coupon.objects.get(pk=picked)
    raise PoolEmpty(pool.name)  # pragma: no cover - only under a storm of takers


def pool_free(pool: CouponPool) -> int:
    return Coupon.objects.filter(pool=pool, issued_at__isnull=True).count()


@transaction.atomic
def pool_save(*, by: User, name: str, description: str = "") -> CouponPool:
    configure_require(by)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError("a pool needs a name of at most 100 characters", field="name")
    pool, _created = CouponPool.objects.update_or_create(
        name=name, defaults={"description": description.strip()[:300]}
    )
    return pool


@transaction.atomic
def codes_add(*, by: User, pool: CouponPool, codes: Iterable[str]) -> int:
    """Add codes (one per line or item; blanks ignored, a code already in the pool kept once).
    Returns how many were new."""
    configure_require(by)
    clean = []
    for code in codes:
        code = code.strip()
        if not code:
            continue
        if len(code) > CODE_MAX or any(ch.isspace() for ch in code):
            raise ValidationError(
                f"a code is one word of at most {CODE_MAX} characters: {code[:80]!r}",
                field="codes",
            )
        clean.append(code)
    have = set(Coupon.objects.filter(pool=pool, code__in=clean).values_list("code", flat=True))
    new = sorted(set(clean) - have)
    Coupon.objects.bulk_create([Coupon(pool=pool, code=code) for code in new])
    return len(new)
