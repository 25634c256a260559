"""Return policies (docs/returns.md, "Policies"): which one applies to an order, and what in a
requested return breaks it, each reason in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from afterdesk.commerce.models import Order, OrderLine, Store
from afterdesk.core.errors import ValidationError
from afterdesk.returns.models import ReturnPolicy

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half up (as shops round: 7.485 → 7.49)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def policy_for(order: Order) -> ReturnPolicy | None:
    """The most specific policy: store + market, store, market, default; None without one
    (then nothing is refused)."""
    store = order.store
    rows = list(
        ReturnPolicy.objects.filter(
            (Q(store=store) | Q(store__isnull=True)) & Q(market__in=[store.market, ""])
        )
    )

    def rank(policy: ReturnPolicy) -> tuple[int, int]:
        return (0 if policy.store_id else 1, 0 if policy.market else 1)

    return min(rows, key=rank) if rows else None


@dataclass(frozen=True)
class PolicyCheck:
    policy: ReturnPolicy | None
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def policy_check(
    order: Order, lines: Sequence[tuple[OrderLine, int]], *, now: datetime | None = None
) -> PolicyCheck:
    """Each reason the return breaks its policy: outside the window, a non-returnable SKU or
    category (a SKU prefix)."""
    policy = policy_for(order)
    if policy is None:
        return PolicyCheck(None, ())
    now = now or timezone.now()
    violations: list[str] = []
    age = (now - order.placed_at).days
    if age > policy.window_days:
        violations.append(
            f"outside the {policy.window_days}-day return window: ordered "
            f"{order.placed_at.date().isoformat()}, {age} days ago"
        )
    skus = {sku.strip().upper() for sku in policy.non_returnable_skus if str(sku).strip()}
    prefixes = [str(c).strip().upper() for c in policy.non_returnable_categories if str(c).strip()]
    for line, _quantity in lines:
        sku = line.sku.upper()
        if sku in skus:
            violations.append(f"{line.sku} ({line.title}) is not returnable")
        else:
            prefix = next((p for p in prefixes if sku.startswith(p)), None)
            if prefix:
                violations.append(
                    f"{line.sku} ({line.title}) is in the non-returnable category {prefix}"
                )
    return PolicyCheck(policy, tuple(violations))


def restocking_fee(policy: ReturnPolicy | None, value: Decimal) -> Decimal:
    if policy is None or not policy.restocking_fee_percent:
        return Decimal("0.00")
    return money(value * policy.restocking_fee_percent / 100)


def policy_save(
    *,
    store_id: int | None,
    market: str,
    window_days: int,
    shipping_paid_by: str,
    restocking_fee_percent: Decimal,
    non_returnable_skus: Sequence[str],
    non_returnable_categories: Sequence[str],
) -> ReturnPolicy:
    """Create or replace the policy of a store and market (checked; the caller checked who)."""
    if window_days < 0 or window_days > 3650:
        raise ValidationError("window_days must be from 0 to 3650", field="window_days")
    if not Decimal(0) <= restocking_fee_percent <= Decimal(100):
        raise ValidationError(
            "restocking_fee_percent must be from 0 to 100", field="restocking_fee_percent"
        )
    if shipping_paid_by not in ("buyer", "seller"):
        raise ValidationError("shipping_paid_by is buyer or seller", field="shipping_paid_by")
    policy, _created = ReturnPolicy.objects.update_or_create(
        store=Store.objects.filter(pk=store_id).first() if store_id is not None else None,
        market=market.strip().upper(),
        defaults={
            "window_days": window_days,
            "shipping_paid_by": shipping_paid_by,
            "restocking_fee_percent": restocking_fee_percent,
            "non_returnable_skus": [s.strip() for s in non_returnable_skus if s.strip()],
            "non_returnable_categories": [
                c.strip() for c in non_returnable_categories if c.strip()
            ],
        },
    )
    return policy
