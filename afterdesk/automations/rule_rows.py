"""The rows of the rule form (docs/automations.md, "Pages and API"): which fields a condition
row offers (with their operators and, where the values are known, their choices) and which
inputs each action type has; a row as posted, turned into the API's shape.

Nothing here decides what is valid: `forms.form_clean` hands each row to the API's checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Platform, Store
from afterdesk.tickets.models import Channel, Priority, Status
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS

Choices = list[tuple[str, Any]]


def _store_choices() -> Choices:
    return [
        (str(pk), name) for pk, name in Store.objects.order_by("name").values_list("pk", "name")
    ]


def _market_choices() -> Choices:
    markets = Store.objects.exclude(market="").values_list("market", flat=True).distinct()
    return [(m, m) for m in sorted(set(markets))]


def _agent_choices() -> Choices:
    users = (
        User.objects.filter(is_active=True).order_by("username").values_list("username", flat=True)
    )
    return [(u, u) for u in users]


def _team_choices() -> Choices:
    return [(t, t) for t in Team.objects.order_by("name").values_list("name", flat=True)]


def _template_choices() -> Choices:
    from afterdesk.replies.models import ReplyTemplate

    rows = ReplyTemplate.objects.order_by("key").values_list("key", "name")
    return [(key, f"{name} ({key})") for key, name in rows]


def _pool_choices() -> Choices:
    from afterdesk.automations.models import CouponPool

    return [(n, n) for n in CouponPool.objects.order_by("name").values_list("name", flat=True)]


@dataclass(frozen=True)
class ConditionField:
    """A field a condition row can test: its operators (operator → the condition's key) and
    its values: `choices` (a list to pick several from), `suggest` (free text with
    suggestions), else free text (`multiple`: several, comma-separated)."""

    label: str | Promise
    ops: dict[str, tuple[str | Promise, str]]  # operator → (label, condition key)
    choices: Callable[[], Choices] | None = None
    suggest: Callable[[], Choices] | None = None
    multiple: bool = True
    number: bool = False


IS_ONE_OF = _("is one of")
CONDITION_FIELDS: dict[str, ConditionField] = {
    "channel": ConditionField(
        _("Channel"), {"in": (IS_ONE_OF, "channels")}, choices=lambda: Channel.choices
    ),
    "platform": ConditionField(
        _("Platform"), {"in": (IS_ONE_OF, "platforms")}, choices=lambda: Platform.choices
    ),
    "store": ConditionField(_("Store"), {"in": (IS_ONE_OF, "stores")}, choices=_store_choices),
    "market": ConditionField(_("Market"), {"in": (IS_ONE_OF, "markets")}, suggest=_market_choices),
    "language": ConditionField(_("Language"), {"in": (IS_ONE_OF, "languages")}),
    "category": ConditionField(
        # Triage's issue types (a superset of the ticket's categories: "damaged", …).
        _("Issue type"),
        {"in": (IS_ONE_OF, "categories")},
        choices=lambda: list(ISSUE_TYPE_LABELS.items()),
    ),
    "priority": ConditionField(
        _("Priority"), {"in": (IS_ONE_OF, "priorities")}, choices=lambda: Priority.choices
    ),
    "status": ConditionField(
        _("Status"), {"in": (IS_ONE_OF, "statuses")}, choices=lambda: Status.choices
    ),
    "tags": ConditionField(_("Tags"), {"in": (_("has one of"), "tags")}),
    "order_value": ConditionField(
        _("Order value"),
        {"gte": (_("at least"), "order_value_min"), "lte": (_("at most"), "order_value_max")},
        multiple=False,
        number=True,
    ),
    "customer_tag": ConditionField(
        _("Customer tag"),
        {"is": (_("is"), "vip"), "is_not": (_("is not"), "vip")},
        choices=lambda: [("vip", "VIP")],
        multiple=False,
    ),
    "risk": ConditionField(
        _("Triage risk"), {"gte": (_("at least"), "risk_min")}, multiple=False, number=True
    ),
}
# A stored condition key → (row field, operator).
_KEY_ROWS = {
    key: (name, op)
    for name, spec in CONDITION_FIELDS.items()
    for op, (_label, key) in spec.ops.items()
    if key != "vip"
}


@dataclass(frozen=True)
class Input:
    """One input of an action row: `kind` is select, text, textarea, number, checkbox or
    password; `optional` selects offer "—"."""

    name: str
    label: str | Promise
    kind: str = "text"
    choices: Callable[[], Choices] | None = None
    optional: bool = False
    help: str | Promise = ""


@dataclass(frozen=True)
class ActionType:
    label: str | Promise
    inputs: tuple[Input, ...]


_STATUS = Input("status", _("Then set status"), "select", lambda: Status.choices, optional=True)
ACTION_TYPES: dict[str, ActionType] = {
    "set": ActionType(
        _("Set fields"),
        (
            Input("priority", _("Priority"), "select", lambda: Priority.choices, optional=True),
            Input("status", _("Status"), "select", lambda: Status.choices, optional=True),
        ),
    ),
    "assign": ActionType(
        _("Assign"),
        (
            Input("agent", _("Agent"), "select", _agent_choices, optional=True),
            Input("team", _("Team"), "select", _team_choices, optional=True),
            Input("unassign", _("Unassign"), "checkbox"),
        ),
    ),
    "tag": ActionType(
        _("Add tags"), (Input("tags", _("Tags"), help=_("Several: separate with commas.")),)
    ),
    "reply": ActionType(
        _("Reply with a template"),
        (Input("template", _("Template"), "select", _template_choices, optional=True), _STATUS),
    ),
    "note": ActionType(_("Add a note"), (Input("body", _("Note"), "textarea"),)),
    "notify": ActionType(
        _("Notify by email"),
        (
            Input(
                "to",
                _("To"),
                help=_("supervisors, assignee or email addresses, separated with commas"),
            ),
            Input("subject", _("Subject")),
            Input("body", _("Message"), "textarea"),
        ),
    ),
    "webhook": ActionType(
        _("Call a webhook"),
        (
            Input("url", _("URL")),
            Input(
                "secret",
                _("Signing secret"),
                "password",
                help=_("Left empty when editing: the stored secret is kept."),
            ),
        ),
    ),
    "survey": ActionType(
        _("Schedule a CSAT survey"),
        (Input("delay_hours", _("Hours after the solve"), "number"),),
    ),
    "coupon": ActionType(
        _("Coupon from a pool"),
        (
            Input("pool", _("Pool"), "select", _pool_choices, optional=True),
            Input("template", _("Reply with template"), "select", _template_choices, optional=True),
        ),
    ),
}


def _words(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]


@dataclass
class Row:
    """One condition row (`kind` "c": field, operator, values) or one action row (`kind`
    "a": the action's type and its inputs), with the messages about it."""

    kind: str
    index: str
    name: str  # the condition's field, or the action's type
    op: str = ""
    values: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    was: int | None = None  # the stored action this row started as
    error: str = ""
    input_errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.error or self.input_errors)

    def set_error(self, name: str | None, message: str) -> None:
        short = (name or "").removeprefix("actions.")
        if self.kind == "a" and short in {i.name for i in ACTION_TYPES[self.name].inputs}:
            self.input_errors[short] = message
        else:
            self.error = message

    def condition_keys(self) -> set[str]:
        spec = CONDITION_FIELDS.get(self.name)
        return {key for _label, key in spec.ops.values()} if spec else set()

    # --- what the template shows -------------------------------------------------------

    def spec(self) -> ConditionField | ActionType | None:
        return (CONDITION_FIELDS if self.kind == "c" else ACTION_TYPES).get(self.name)

    def value_text(self) -> str:
        return ", ".join(self.values)

    def widgets(self) -> list[dict[str, Any]]:
        """The action row's inputs with their values, choices and messages."""
        spec = ACTION_TYPES.get(self.name)
        if spec is None:
            return []
        return [
            {
                "name": item.name,
                "id": f"a-{self.index}-{item.name}",
                "label": item.label,
                "kind": item.kind,
                "choices": item.choices() if item.choices else [],
                "optional": item.optional,
                "value": self.inputs.get(item.name, ""),
                "help": item.help,
                "error": self.input_errors.get(item.name, ""),
            }
            for item in spec.inputs
        ]

    def choices(self) -> Choices:
        """The known values, plus any the rule holds that are not among them (a category
        named by a store's own issue types): a stored rule loses nothing in the form."""
        spec = CONDITION_FIELDS.get(self.name)
        if not spec or not spec.choices:
            return []
        known = list(spec.choices())
        values = {str(value) for value, _label in known}
        return known + [(v, v) for v in self.values if v not in values]

    def suggestions(self) -> Choices:
        spec = CONDITION_FIELDS.get(self.name)
        return spec.suggest() if spec and spec.suggest else []

    # --- the API's shape ---------------------------------------------------------------

    def condition(self) -> dict[str, Any] | None:
        """The row as a piece of the conditions object (None, with a message, when it
        cannot be one)."""
        spec = CONDITION_FIELDS.get(self.name)
        if spec is None:
            self.error = gettext("Choose a field.")
            return None
        if self.op not in spec.ops:
            self.error = gettext("Choose an operator.")
            return None
        key = spec.ops[self.op][1]
        values = (
            [v for value in self.values for v in _words(value)] if spec.multiple else self.values
        )
        if not values:
            self.error = gettext("Give a value, or remove the row.")
            return None
        if key == "vip":
            return {"vip": self.op == "is"}
        if key == "stores":
            return {key: [int(v) if v.isdigit() else v for v in values]}
        if key == "risk_min":
            text = values[0].strip()
            return {key: int(text) if re.fullmatch(r"\d{1,9}", text) else text}
        return {key: values[0] if spec.number else values}

    def action(self) -> dict[str, Any] | None:
        """The row as one action object (the service checks it)."""
        if self.name not in ACTION_TYPES:
            self.error = gettext("Choose what the action does.")
            return None
        action: dict[str, Any] = {"type": self.name}
        for item in ACTION_TYPES[self.name].inputs:
            raw = self.inputs.get(item.name, "")
            if item.kind == "checkbox":
                action[item.name] = bool(raw)
            elif item.name in ("tags", "to"):
                action[item.name] = _words(raw)
            elif item.kind == "number":
                text = raw.strip()
                action[item.name] = int(text) if re.fullmatch(r"-?\d{1,9}", text) else text
            elif raw.strip() or item.kind != "password":
                action[item.name] = raw.strip()
        return action


def condition_row(index: str, name: str, op: str = "", values: list[str] | None = None) -> Row:
    spec = CONDITION_FIELDS.get(name)
    if spec is not None and op not in spec.ops:
        op = next(iter(spec.ops))
    return Row("c", index, name, op=op, values=values or [])


def action_row(index: str, kind: str, inputs: dict[str, str], was: int | None = None) -> Row:
    if was is None and inputs.get("was", "").isdigit():
        was = int(inputs["was"])
    return Row("a", index, kind, inputs=inputs, was=was)


def condition_rows_of(conditions: dict[str, Any]) -> list[Row]:
    """A stored rule's conditions as rows, one per condition key."""
    rows: list[Row] = []
    for key, value in conditions.items():
        index = str(len(rows))
        if key == "vip":
            rows.append(condition_row(index, "customer_tag", "is" if value else "is_not", ["vip"]))
        elif key in _KEY_ROWS:
            name, op = _KEY_ROWS[key]
            values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            if CONDITION_FIELDS[name].choices is None and CONDITION_FIELDS[name].multiple:
                values = [", ".join(values)]
            rows.append(condition_row(index, name, op, values))
    return rows


def action_rows_of(actions: list[dict[str, Any]]) -> list[Row]:
    """A stored rule's actions as rows (never the webhook's secret)."""
    rows = []
    for position, action in enumerate(actions):
        kind = action.get("type", "")
        inputs: dict[str, str] = {}
        for item in ACTION_TYPES[kind].inputs if kind in ACTION_TYPES else ():
            value = action.get(item.name)
            if item.kind == "password" or value is None:
                continue
            if isinstance(value, list):
                inputs[item.name] = ", ".join(str(v) for v in value)
            elif isinstance(value, bool):
                inputs[item.name] = "on" if value else ""
            else:
                inputs[item.name] = str(value)
        rows.append(action_row(str(position), kind, inputs, was=position))
    return rows


def conditions_shown(conditions: dict[str, Any]) -> str:
    """A rule's conditions in a line in the reader's language, for the pages: each field's
    label and operator as the form names them, values with a label by their label (a status,
    an issue type), the rest as stored (codes, tags); "every ticket" when there is none. The
    stored conditions stay codes; only this line is translated."""
    parts = []
    for key, value in conditions.items():
        if value is None or value == [] or value == "":
            continue
        if key == "vip":
            spec = CONDITION_FIELDS["customer_tag"]
            op_label = spec.ops["is" if value else "is_not"][0]
            shown = "VIP"
        elif key in _KEY_ROWS:
            name, op = _KEY_ROWS[key]
            spec = CONDITION_FIELDS[name]
            op_label = spec.ops[op][0]
            labels = dict(spec.choices()) if spec.choices is not None else {}
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(labels.get(str(v), v)) for v in values)
        else:  # a key this page does not know: shown as stored
            parts.append(f"{key}: {value}")
            continue
        parts.append(
            gettext("%(field)s %(operator)s %(values)s")
            % {"field": spec.label, "operator": op_label, "values": shown}
        )
    return "; ".join(parts) or gettext("every ticket")
