"""The rule form (docs/automations.md, "Pages and API"): the rule's fields, its conditions as
rows (field, operator, value) and its actions as rows (a type and that type's fields).

The rows are turned into the API's shapes and checked by the same functions as the API
(`conditions.conditions_clean` row by row, `actions.action_clean` row by row, then
`services.rule_save` as a whole), so the page refuses what the API refuses and shows each
message beside the row it is about. The row widgets live in `rule_rows`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.automations.actions import action_clean
from afterdesk.automations.conditions import conditions_clean
from afterdesk.automations.models import Rule, Trigger
from afterdesk.automations.rule_rows import (
    ACTION_TYPES,
    CONDITION_FIELDS,
    Row,
    action_row,
    action_rows_of,
    condition_row,
    condition_rows_of,
)
from afterdesk.core.errors import DomainError, ValidationError
from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.tickets.models import Status

INDEX_RE = re.compile(r"^[a-z0-9]{1,12}$")
RULE_FIELDS = ("name", "position", "max_per_ticket", "send_as", "trigger")
TIME_FIELDS = ("time_status", "time_hours", "time_without_buyer_reply")


@dataclass
class RuleForm:
    """What the page shows and posts: the rule's fields (as text), the rows, the errors."""

    values: dict[str, Any]
    conditions: list[Row]
    actions: list[Row]
    errors: dict[str, str] = field(default_factory=dict)  # rule field → message
    general: list[str] = field(default_factory=list)  # messages about the whole rule

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or self.general
            or any(row.has_errors for row in (*self.conditions, *self.actions))
        )

    def choices(self) -> dict[str, Any]:
        agents = User.objects.filter(is_active=True).order_by("username")
        return {
            "triggers": Trigger.choices,
            "statuses": Status.choices,
            "agents": [(a.username, a.username) for a in agents],
            "condition_fields": [(key, spec.label) for key, spec in CONDITION_FIELDS.items()],
            "action_types": [(key, spec.label) for key, spec in ACTION_TYPES.items()],
        }


def form_initial(rule: Rule | None) -> RuleForm:
    """The form of a stored rule (or a new one), its conditions and actions as rows."""
    if rule is None:
        values: dict[str, Any] = {
            "name": "",
            "trigger": Trigger.TICKET_CREATED.value,
            "enabled": True,
            "position": "0",
            "max_per_ticket": "3",
            "send_as": "",
            "time_status": "",
            "time_hours": "",
            "time_without_buyer_reply": False,
        }
        return RuleForm(values, [], [action_row("0", "tag", {})])
    values = {
        "name": rule.name,
        "trigger": rule.trigger,
        "enabled": rule.enabled,
        "position": str(rule.position),
        "max_per_ticket": str(rule.max_per_ticket),
        "send_as": rule.send_as.username if rule.send_as else "",
        "time_status": rule.time_status,
        "time_hours": "" if rule.time_hours is None else str(rule.time_hours),
        "time_without_buyer_reply": rule.time_without_buyer_reply,
    }
    return RuleForm(values, condition_rows_of(rule.conditions), action_rows_of(rule.actions))


def _indexes(post: QueryDict, prefix: str) -> list[str]:
    """The rows' indexes in the order the page posted them (`c-<index>-field`, …)."""
    found: list[str] = []
    for name in post:
        parts = name.split("-", 2)
        ours = len(parts) == 3 and parts[0] == prefix and INDEX_RE.match(parts[1])
        if ours and parts[1] not in found:
            found.append(parts[1])
    return found


def form_bound(post: QueryDict) -> RuleForm:
    """The form as posted (rows rebuilt from their inputs; nothing checked yet)."""
    values: dict[str, Any] = {name: post.get(name, "").strip() for name in RULE_FIELDS}
    values["enabled"] = bool(post.get("enabled"))
    values["time_status"] = post.get("time_status", "")
    values["time_hours"] = post.get("time_hours", "").strip()
    values["time_without_buyer_reply"] = bool(post.get("time_without_buyer_reply"))
    conditions = [
        condition_row(
            index,
            post.get(f"c-{index}-field", ""),
            post.get(f"c-{index}-op", ""),
            [v for v in post.getlist(f"c-{index}-value") if v.strip()],
        )
        for index in _indexes(post, "c")
    ]
    actions = []
    for index in _indexes(post, "a"):
        kind = post.get(f"a-{index}-type", "")
        inputs = {
            name[len(f"a-{index}-") :]: post.get(name, "")
            for name in post
            if name.startswith(f"a-{index}-")
        }
        actions.append(action_row(index, kind, inputs))
    return RuleForm(values, conditions, actions)


def _number(text: str) -> Any:
    """A whole number as a number; anything else as given, for the service to refuse."""
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def form_clean(form: RuleForm, rule: Rule | None) -> dict[str, Any] | None:
    """The rule's data in the API's shape, each row checked by the API's functions; None
    (and the messages on the form) when something is wrong."""
    conditions: dict[str, Any] = {}
    for row in form.conditions:
        piece = row.condition()
        if row.has_errors or piece is None:
            continue
        clash = set(piece) & set(conditions)
        if clash:
            row.error = _("This condition is already set by another row.")
            continue
        try:
            conditions.update(conditions_clean(piece))
        except ValidationError as error:
            row.error = RULE_TEXT.shown(error.message)
    previous = rule.actions if rule else []
    actions: list[dict[str, Any]] = []
    aligned: list[dict[str, Any]] = []  # the stored action each row was, for webhook secrets
    for row in form.actions:
        action = row.action()
        if row.has_errors or action is None:
            continue
        was = previous[row.was] if row.was is not None and row.was < len(previous) else None
        try:
            action_clean(action, previous=was)
        except ValidationError as error:
            row.set_error(error.field, RULE_TEXT.shown(error.message))
            continue
        actions.append(action)
        aligned.append(was or {})
    if not form.actions:
        form.general.append(_("A rule needs at least one action."))
    if form.has_errors:
        return None
    data: dict[str, Any] = {
        "name": form.values["name"],
        "trigger": form.values["trigger"],
        "enabled": form.values["enabled"],
        "position": _number(form.values["position"] or "0"),
        "max_per_ticket": _number(form.values["max_per_ticket"] or "3"),
        "send_as": form.values["send_as"] or None,
        "conditions": conditions,
        "actions": actions,
        "previous_actions": aligned,
    }
    if form.values["trigger"] == Trigger.TIME:
        data["time_status"] = form.values["time_status"]
        data["time_hours"] = _number(form.values["time_hours"] or "x")
        data["time_without_buyer_reply"] = form.values["time_without_buyer_reply"]
    return data


def error_place(form: RuleForm, error: DomainError) -> None:
    """Put a message from the service as a whole beside what it is about."""
    name = error.field or ""
    if name in RULE_FIELDS or name in TIME_FIELDS:
        form.errors[name] = RULE_TEXT.shown(error.message)
        return
    for row in form.conditions:
        if name and name in row.condition_keys():
            row.error = RULE_TEXT.shown(error.message)
            return
    form.general.append(RULE_TEXT.shown(error.message))
