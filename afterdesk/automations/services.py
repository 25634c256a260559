"""Writing rules (docs/automations.md, "Rules"): checked as a whole, admins only."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from afterdesk.accounts.models import User
from afterdesk.automations.access import configure_require
from afterdesk.automations.actions import actions_clean
from afterdesk.automations.conditions import conditions_clean
from afterdesk.automations.models import Rule, Trigger
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.tickets.models import Status

MAX_PER_TICKET = 100


def _int(data: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{key} must be a whole number from {low} to {high}", field=key)
    return value


def rule_clean(
    data: dict[str, Any],
    rule: Rule | None = None,
    previous_actions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The rule's fields from a form's or the API's data (422 naming the field).
    `previous_actions`: the stored action each new one was (a webhook left without its
    secret keeps that one's); by default the rule's actions at the same positions."""
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("a rule needs a name of at most 100 characters", field="name")
    trigger = data.get("trigger")
    if trigger not in Trigger.values:
        raise ValidationError(
            f"trigger must be one of {', '.join(Trigger.values)}", field="trigger"
        )
    fields: dict[str, Any] = {
        "name": name,
        "trigger": trigger,
        "enabled": bool(data.get("enabled", True)),
        "position": _int(data, "position", 0, 0, 1_000_000),
        "max_per_ticket": _int(data, "max_per_ticket", 3, 1, MAX_PER_TICKET),
        "conditions": conditions_clean(data.get("conditions")),
        "actions": actions_clean(
            data.get("actions"),
            previous_actions if previous_actions is not None else (rule.actions if rule else None),
        ),
        "time_status": "",
        "time_hours": None,
        "time_without_buyer_reply": False,
    }
    if trigger == Trigger.TIME:
        status = data.get("time_status")
        if status not in Status.values:
            raise ValidationError("a time rule names the status it waits in", field="time_status")
        fields["time_status"] = status
        fields["time_hours"] = _int(data, "time_hours", -1, 0, 24 * 365)
        fields["time_without_buyer_reply"] = bool(data.get("time_without_buyer_reply"))
    send_as = data.get("send_as") or None
    if send_as is not None:
        user = User.objects.filter(username=send_as, is_active=True).first()
        if user is None:
            raise ValidationError(f"no active agent {send_as!r}", field="send_as")
        send_as = user
    fields["send_as"] = send_as
    return fields


@transaction.atomic
def rule_save(
    *,
    by: User,
    data: dict[str, Any],
    rule: Rule | None = None,
    previous_actions: list[dict[str, Any]] | None = None,
) -> Rule:
    configure_require(by)
    fields = rule_clean(data, rule, previous_actions)
    clash = Rule.objects.filter(name=fields["name"])
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise Conflict(f"a rule named {fields['name']!r} exists", field="name")
    if rule is None:
        return Rule.objects.create(**fields)
    for key, value in fields.items():
        setattr(rule, key, value)
    rule.save()
    return rule


@transaction.atomic
def rule_enable(*, by: User, rule: Rule, enabled: bool) -> Rule:
    configure_require(by)
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


@transaction.atomic
def rule_delete(*, by: User, rule: Rule) -> None:
    configure_require(by)
    rule.delete()
