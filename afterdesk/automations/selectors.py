"""Reads of the automations that authorise (docs/automations.md, "Who may do what")."""

from __future__ import annotations

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.automations.access import read_require
from afterdesk.automations.models import CouponPool, Firing, Rule
from afterdesk.core.errors import NotFound

FIRINGS_LIMIT = 200


def rules_list(*, user: User) -> list[Rule]:
    read_require(user)
    return list(Rule.objects.select_related("send_as"))


def rule_get(*, user: User, rule_id: int) -> Rule:
    read_require(user)
    rule = Rule.objects.select_related("send_as").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"no automation rule {rule_id}")
    return rule


def firings_list(
    *,
    user: User,
    rule: Rule | None = None,
    ticket_id: int | None = None,
    limit: int = FIRINGS_LIMIT,
) -> list[Firing]:
    """The newest firings, of a rule or of a ticket."""
    read_require(user)
    firings: QuerySet[Firing] = Firing.objects.select_related("rule", "ticket")
    if rule is not None:
        firings = firings.filter(rule=rule)
    if ticket_id is not None:
        firings = firings.filter(ticket_id=ticket_id)
    return list(firings.order_by("-at", "-id")[: max(1, min(limit, FIRINGS_LIMIT))])


def pools_list(*, user: User) -> list[CouponPool]:
    read_require(user)
    return list(CouponPool.objects.order_by("name"))


def pool_get(*, user: User, pool_id: int) -> CouponPool:
    read_require(user)
    pool = CouponPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(f"no coupon pool {pool_id}")
    return pool
