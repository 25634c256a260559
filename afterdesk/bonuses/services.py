"""Writes of the bonuses app: bonus rules, payout computation and frozen statements.

A rule pays the agents of one template (docs/metrics.md, "Positions and templates": each
agent is scored under their own template in force at the period's end), all of them or only
one position's; it never ranks or pays agents of different templates together
(docs/bonuses.md, "Whom a rule pays").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import POSITION_MAX_LENGTH, User
from afterdesk.bonuses.definition import decimal_value, definition_parse, money
from afterdesk.bonuses.models import (
    DEFAULT_MAX_SHARE,
    BonusRule,
    PayoutStatement,
    TargetKind,
)
from afterdesk.bonuses.payouts import (
    AllowanceResult,
    Exclusion,
    PayoutResult,
    RuleTarget,
    payout_line,
    payout_summary,
)
from afterdesk.core.errors import Conflict, NotFound, ValidationError
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.assignments import AGENT, agent_templates, version_in_force
from afterdesk.metrics.kpis import compute_kpis, period_validate
from afterdesk.metrics.models import ScorecardTemplate, ScorecardTemplateVersion
from afterdesk.metrics.scorecards import ScorecardRow, scorecard_compute
from afterdesk.metrics.templates import template_parse
from afterdesk.training.selectors import certification_allowances

CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class BonusRuleData:
    """A validated rule, its definition in the normalised stored form."""

    name: str
    target_kind: str
    position: str
    template_key: str
    currency: str
    definition: dict[str, Any]
    budget: Decimal | None
    labour_cost: Decimal | None
    max_share: Decimal
    active: bool


def _target_check(target_kind: object, position: object, current: str | None) -> str:
    """The position of a valid target ("" for a template target). A position must be one in
    use (some user has it), or the rule's own position when it is edited."""
    if target_kind not in TargetKind.values:
        raise ValidationError(
            f"target_kind must be one of {', '.join(TargetKind.values)}", field="target_kind"
        )
    position = position.strip() if isinstance(position, str) else ""
    if target_kind == TargetKind.TEMPLATE:
        if position:
            raise ValidationError(
                _("a rule that targets a template has no position (leave it empty)"),
                field="position",
            )
        return ""
    if not 1 <= len(position) <= POSITION_MAX_LENGTH:
        raise ValidationError(
            f"position must be 1–{POSITION_MAX_LENGTH} characters", field="position"
        )
    if position != current and not User.objects.filter(position=position).exists():
        raise ValidationError(f"no user has the position {position!r}", field="position")
    return position


def bonus_rule_validate(
    *,
    name: str,
    target_kind: str,
    position: str = "",
    template_key: str,
    currency: str,
    definition: object,
    budget: object = None,
    labour_cost: object = None,
    max_share: object = DEFAULT_MAX_SHARE,
    active: bool = True,
    current_position: str | None = None,
) -> BonusRuleData:
    """Check every field of a rule; raise ValidationError naming the first bad one.
    `current_position`: the position of the rule being edited (accepted even if no user has
    it any more)."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 150:
        raise ValidationError(_("name must be 1–150 characters"), field="name")
    if not ScorecardTemplate.objects.filter(key=template_key).exists():
        raise ValidationError(f"no scorecard template {template_key!r}", field="template_key")
    position = _target_check(target_kind, position, current_position)
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise ValidationError(_("currency must be an ISO 4217 code like EUR"), field="currency")
    parsed = definition_parse(definition)
    budget_value = money(budget, "budget") if budget is not None else None
    labour = money(labour_cost, "labour_cost") if labour_cost is not None else None
    if labour is not None and labour == 0:
        raise ValidationError(_("labour_cost must be > 0 (or null)"), field="labour_cost")
    share = decimal_value(max_share, "max_share")
    if not 0 < share <= 1 or share != share.quantize(Decimal("0.0001")):
        raise ValidationError(
            _("max_share must be > 0 and ≤ 1 with at most 4 decimals"), field="max_share"
        )
    return BonusRuleData(
        name,
        str(target_kind),
        position,
        template_key,
        currency,
        parsed.as_json(),
        budget_value,
        labour,
        share,
        bool(active),
    )


@transaction.atomic
def bonus_rule_save(*, rule: BonusRule | None = None, **fields: Any) -> BonusRule:
    """Create a rule, or replace every field of `rule`, from the fields `bonus_rule_validate`
    checks (all of them; the same defaults). Frozen statements keep the rule as it was when
    they were made, so editing a rule never changes a paid statement."""
    data = bonus_rule_validate(
        **fields,
        current_position=rule.position if rule is not None and rule.position else None,
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
        raise Conflict(_("this rule has payout statements: deactivate it instead"))
    rule.delete()


def template_version_in_force(*, key: str, end: datetime) -> ScorecardTemplateVersion:
    """The version of template `key` that scores a period ending at `end` (the one the
    scorecard uses); NotFound if the template is gone."""
    versions = list(
        ScorecardTemplateVersion.objects.filter(template__key=key).select_related("template")
    )
    if not versions:
        raise NotFound(f"no scorecard template {key!r}")
    return version_in_force(versions, end)


def _exclusion(
    row: ScorecardRow, position: str, rule: BonusRule, sources: dict[int, str]
) -> Exclusion:
    if row.template is None:
        reason = (
            "no scorecard template at the period's end (none assigned to the agent or the "
            "position): not scored"
        )
    else:
        how = "personal assignment" if sources.get(row.agent_id) == AGENT else "position"
        reason = (
            f"scored under template {row.template} ({how}), not {rule.template_key}: a rule "
            "never ranks agents of different templates together"
        )
    return Exclusion(row.agent_id, row.agent, position, row.template, reason)


def _allowances(
    agent_ids: list[int], end: datetime, currency: str
) -> dict[int, tuple[AllowanceResult, ...]]:
    """The certification allowances of each agent, held at the period's end (training's
    selector, one query). One in another currency than the rule's is listed, not paid: a
    rule never converts money."""
    held = certification_allowances(agent_ids=agent_ids, at=end)
    result: dict[int, tuple[AllowanceResult, ...]] = {}
    for agent_id, allowances in held.items():
        lines = []
        for a in allowances:
            until = f" until {format_instant(a.expires_at)}" if a.expires_at else ""
            if a.currency == currency:
                reason = f"certification {a.certification} held at the period's end{until}"
                lines.append(AllowanceResult(a.certification, a.amount, a.currency, True, reason))
            else:
                reason = f"allowance in {a.currency}, not the rule's {currency}: not paid"
                lines.append(AllowanceResult(a.certification, a.amount, a.currency, False, reason))
        result[agent_id] = tuple(lines)
    return result


def payout_compute(*, rule: BonusRule, start: datetime, end: datetime) -> PayoutResult:
    """The payout for [start, end) of the rule's target: the agents scored under the rule's
    template (each agent's own template in force at the period's end), all of them or only
    the rule's position. The template version in force at the period's end scores; ranks
    are within the template. Agents of the position scored under another template (or none)
    are listed as excluded, with the reason. Reads only; nothing is stored."""
    period_validate(start, end)
    definition = definition_parse(rule.definition)
    version = template_version_in_force(key=rule.template_key, end=end)
    spec = template_parse(version.definition)
    rows = scorecard_compute(start=start, end=end, template=None)
    positions = dict(
        User.objects.filter(pk__in=[row.agent_id for row in rows]).values_list("pk", "position")
    )
    target = RuleTarget(rule.target_kind, rule.position, rule.template_key)
    chosen = [row for row in rows if row.template == rule.template_key]
    excluded: tuple[Exclusion, ...] = ()
    if rule.target_kind == TargetKind.POSITION:
        chosen = [row for row in chosen if positions.get(row.agent_id) == rule.position]
        others = [
            row
            for row in rows
            if row.template != rule.template_key and positions.get(row.agent_id) == rule.position
        ]
        elsewhere = [row.agent_id for row in others if row.template is not None]
        sources = {
            agent_id: assigned.source
            for agent_id, assigned in agent_templates(agent_ids=elsewhere, end=end).items()
            if assigned is not None
        }
        excluded = tuple(_exclusion(row, rule.position, rule, sources) for row in others)
    outside = definition.kpis - set(spec.kpi_ids)
    extra_kpis = compute_kpis(start=start, end=end, template=spec) if outside and chosen else {}
    allowances = (
        _allowances([row.agent_id for row in chosen], end, rule.currency)
        if definition.certification_allowances and chosen
        else {}
    )
    lines = tuple(
        payout_line(
            row=row,
            definition=definition,
            others=extra_kpis.get(row.agent_id, {}),
            min_samples=spec.min_samples,
            position=positions.get(row.agent_id, ""),
            allowances=allowances.get(row.agent_id, ()),
        )
        for row in chosen
    )
    summary = payout_summary(
        lines=lines,
        target=target,
        currency=rule.currency,
        budget=rule.budget,
        labour_cost=rule.labour_cost,
        max_share=rule.max_share,
        excluded=len(excluded),
    )
    return PayoutResult(
        rule_id=rule.pk,
        rule_name=rule.name,
        target=target,
        currency=rule.currency,
        template_version=version.number,
        template_version_id=version.pk,
        definition=definition.as_json(),
        start=start,
        end=end,
        lines=lines,
        excluded=excluded,
        summary=summary,
    )


def payout_statement_create(
    *, rule: BonusRule, start: datetime, end: datetime, by: User | None = None
) -> PayoutStatement:
    """Freeze the payout of a period with the template version in force at its end. One
    statement per rule and period: a second is a 409, so a period is never paid twice."""
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
