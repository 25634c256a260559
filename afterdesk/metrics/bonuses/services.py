"""Writes of the bonuses app: bonus rules, payout computation and frozen statements."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.metrics.bonuses.definition import decimal_value, definition_parse, money
from afterdesk.metrics.bonuses.models import DEFAULT_MAX_SHARE, BonusRule, PayoutStatement
from afterdesk.metrics.bonuses.payouts import PayoutResult, payout_line, payout_summary
from afterdesk.metrics.kpis import compute_kpis, period_validate
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import template_parse

CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class BonusRuleData:
    """A validated rule, its definition in the normalised stored form."""

    name: str
    role: str
    template_key: str
    currency: str
    definition: dict[str, Any]
    budget: Decimal | None
    labour_cost: Decimal | None
    max_share: Decimal
    active: bool


def bonus_rule_validate(
    *,
    name: str,
    role: str,
    template_key: str,
    currency: str,
    definition: object,
    budget: object = None,
    labour_cost: object = None,
    max_share: object = DEFAULT_MAX_SHARE,
    active: bool = True,
) -> BonusRuleData:
    """Check every field of a rule; raise ValidationError naming the first bad one."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 150:
        raise ValidationError("name must be 1–150 characters", field="name")
    template = ScorecardTemplate.objects.filter(key=template_key).first()
    if template is None:
        raise ValidationError(f"no scorecard template {template_key!r}", field="template_key")
    if role not in Role.values and not (role and role == template.role):
        allowed = ", ".join([*Role.values, *([template.role] if template.role else [])])
        raise ValidationError(
            f"role must be a user role or the template's role ({allowed})", field="role"
        )
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise ValidationError("currency must be an ISO 4217 code like EUR", field="currency")
    parsed = definition_parse(definition)
    budget_value = money(budget, "budget") if budget is not None else None
    labour = money(labour_cost, "labour_cost") if labour_cost is not None else None
    if labour is not None and labour == 0:
        raise ValidationError("labour_cost must be > 0 (or null)", field="labour_cost")
    share = decimal_value(max_share, "max_share")
    if not 0 < share <= 1 or share != share.quantize(Decimal("0.0001")):
        raise ValidationError(
            "max_share must be > 0 and ≤ 1 with at most 4 decimals", field="max_share"
        )
    return BonusRuleData(
        name,
        role,
        template_key,
        currency,
        parsed.as_json(),
        budget_value,
        labour,
        share,
        bool(active),
    )


@transaction.atomic
def bonus_rule_save(
    *,
    rule: BonusRule | None = None,
    name: str,
    role: str,
    template_key: str,
    currency: str,
    definition: object,
    budget: object = None,
    labour_cost: object = None,
    max_share: object = DEFAULT_MAX_SHARE,
    active: bool = True,
) -> BonusRule:
    """Create a rule, or replace every field of `rule`. Frozen statements keep the rule as
    it was when they were made, so editing a rule never changes a paid statement."""
    data = bonus_rule_validate(
        name=name,
        role=role,
        template_key=template_key,
        currency=currency,
        definition=definition,
        budget=budget,
        labour_cost=labour_cost,
        max_share=max_share,
        active=active,
    )
    taken = BonusRule.objects.filter(name=data.name)
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise Conflict(f"a bonus rule named {data.name!r} exists", field="name")
    target = rule or BonusRule()
    for field, value in vars(data).items():
        setattr(target, field, value)
    target.save()
    return target


@transaction.atomic
def bonus_rule_delete(*, rule: BonusRule) -> None:
    """Delete a rule that has no statement; one with statements can only be deactivated."""
    if rule.statements.exists():
        raise Conflict("this rule has payout statements: deactivate it instead")
    rule.delete()


def _eligible_agents(role: str, agent_ids: list[int]) -> set[int]:
    """A user role pays only agents with that role; a template role pays every agent of the
    template's scorecard."""
    if role not in Role.values:
        return set(agent_ids)
    return set(User.objects.filter(pk__in=agent_ids, role=role).values_list("pk", flat=True))


def payout_compute(*, rule: BonusRule, start: datetime, end: datetime) -> PayoutResult:
    """The payout of every agent of the rule's role in [start, end), from the scorecard of the
    latest version of the rule's template. Reads only; nothing is stored."""
    period_validate(start, end)
    definition = definition_parse(rule.definition)
    version = template_version_latest(key=rule.template_key)
    spec = template_parse(version.definition)
    rows = scorecard_compute(start=start, end=end, template=spec)
    eligible = _eligible_agents(rule.role, [row.agent_id for row in rows])
    rows = [row for row in rows if row.agent_id in eligible]
    outside = definition.kpis - set(spec.kpi_ids)
    others = compute_kpis(start=start, end=end, template=spec) if outside and rows else {}
    lines = tuple(
        payout_line(
            row=row,
            definition=definition,
            others=others.get(row.agent_id, {}),
            min_samples=spec.min_samples,
        )
        for row in rows
    )
    summary = payout_summary(
        lines=lines,
        role=rule.role,
        currency=rule.currency,
        budget=rule.budget,
        labour_cost=rule.labour_cost,
        max_share=rule.max_share,
    )
    return PayoutResult(
        rule_id=rule.pk,
        rule_name=rule.name,
        role=rule.role,
        currency=rule.currency,
        template_key=rule.template_key,
        template_version=version.number,
        template_version_id=version.pk,
        definition=definition.as_json(),
        start=start,
        end=end,
        lines=lines,
        summary=summary,
    )


def payout_statement_create(
    *, rule: BonusRule, start: datetime, end: datetime, by: User | None = None
) -> PayoutStatement:
    """Freeze the payout of a period. One statement per rule and period: a second is a 409,
    so a period is never paid twice."""
    if not rule.active:
        raise Conflict(f"bonus rule {rule.name!r} is not active", field="rule")
    result = payout_compute(rule=rule, start=start, end=end)
    duplicate = Conflict("a statement for this rule and period exists", field="from")
    try:
        with transaction.atomic():
            if PayoutStatement.objects.filter(
                rule=rule, period_start=start, period_end=end
            ).exists():
                raise duplicate
            statement = PayoutStatement.objects.create(
                rule=rule,
                period_start=start,
                period_end=end,
                template_version_id=result.template_version_id,
                document=result.as_json(),
                total=result.summary.total,
                currency=result.currency,
                created_by=by,
            )
            statement.agents.set([line.agent_id for line in result.lines])
    except IntegrityError as exc:  # a concurrent freeze of the same period won
        raise duplicate from exc
    return statement
