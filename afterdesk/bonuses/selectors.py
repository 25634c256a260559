"""Reads of the bonuses app, with the permission rule in one place (the performance rule of
`metrics.access` applied to bonuses):

- supervisors and admins read every rule, preview payouts and read every statement in full;
- admins alone change rules and freeze statements;
- agents and QA reviewers read no rule and no preview; they read the frozen statements that
  have a line for them, showing only their own line, no rule summary and no list of agents
  not eligible (budget, labour cost and colleagues are not theirs to see). A statement
  without their line is a 404.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.core.errors import NotFound
from afterdesk.metrics.access import Access, access_require


def bonus_rule_require_reader(*, user: User) -> None:
    access_require(
        user, "manage", refusal="only supervisors and admins see bonus rules and previews"
    )


def bonus_rule_require_writer(*, user: User) -> None:
    access_require(
        user, "configure", refusal="only admins change bonus rules and freeze statements"
    )


def bonus_rules_for_user(*, user: User) -> QuerySet[BonusRule]:
    bonus_rule_require_reader(user=user)
    return BonusRule.objects.order_by("name")


def bonus_rule_get_for_user(*, user: User, rule_id: int) -> BonusRule:
    """The rule, after the role check (so an agent learns nothing about which ids exist)."""
    bonus_rule_require_reader(user=user)
    rule = BonusRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"bonus rule {rule_id} not found")
    return rule


def positions_in_use() -> list[str]:
    """The positions a rule may target: every non-empty `User.position`, in code-point order
    (the same on every database). One query."""
    positions = User.objects.exclude(position="").values_list("position", flat=True)
    return sorted(set(positions.order_by().distinct()))


def bonus_rule_by_reference(*, reference: str) -> BonusRule:
    """A rule by id (digits) or by name, for the command line."""
    rule = None
    if reference.isdigit():
        rule = BonusRule.objects.filter(pk=int(reference)).first()
    rule = rule or BonusRule.objects.filter(name=reference).first()
    if rule is None:
        raise NotFound(f"no bonus rule with id or name {reference!r}", field="rule")
    return rule


def payout_statements_for_user(
    *, user: User, rule_id: int | None = None
) -> QuerySet[PayoutStatement]:
    statements = PayoutStatement.objects.select_related("rule", "created_by", "template_version")
    if not Access(user).manager:
        statements = statements.filter(agents=user)
    if rule_id is not None:
        statements = statements.filter(rule_id=rule_id)
    return statements.order_by("-period_start", "-created_at", "-pk")


def payout_statement_get_for_user(*, user: User, statement_id: int) -> PayoutStatement:
    statement = payout_statements_for_user(user=user).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(f"payout statement {statement_id} not found")
    return statement


def payout_document_for_user(*, user: User, document: dict[str, Any]) -> dict[str, Any]:
    """The document as this user may see it: whole for supervisors and admins; for anyone
    else only their own line, without the rule summary or the agents not eligible."""
    if Access(user).manager:
        return document
    visible = copy.deepcopy(document)
    visible["lines"] = [line for line in document["lines"] if line["agent_id"] == user.pk]
    visible["summary"] = None
    if "excluded" in visible:  # statements frozen before targets existed have none
        visible["excluded"] = []
    return visible
