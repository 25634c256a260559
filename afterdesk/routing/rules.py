"""Routing rules: which rule a new ticket matches (first match wins), and their writes
(docs/routing.md, "Rules")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import Role, Team, User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.routing.access import configure_require
from afterdesk.routing.models import RoutingRule
from afterdesk.tickets.models import Priority


@dataclass(frozen=True)
class TicketFacts:
    """What rules look at, read once per new ticket."""

    channel: str
    platform: str
    store_id: int | None
    market: str
    language: str
    category: str
    priority: str
    tags: frozenset[str]
    order_value: Decimal | None
    risk: Callable[[], int]  # the triage's risk, read only when a rule asks
    # The customer's tags (commerce.Customer.tags), read only when a rule asks.
    customer_tags: Callable[[], frozenset[str]] = frozenset


def rule_matches(rule: RoutingRule, facts: TicketFacts) -> list[str]:
    """The conditions that held, in words ("language es"), or [] when one failed; a rule
    without conditions matches with ["every ticket"]."""
    held: list[str] = []
    for name, values, value in (
        ("channel", rule.channels, facts.channel),
        ("platform", rule.platforms, facts.platform),
        ("market", rule.markets, facts.market),
        ("language", rule.languages, facts.language),
        ("issue", rule.categories, facts.category),
        ("priority", rule.priorities, facts.priority),
    ):
        if values:
            if value not in values:
                return []
            held.append(f"{name} {value}")
    if rule.stores:
        if facts.store_id not in rule.stores:
            return []
        held.append(f"store {facts.store_id}")
    if rule.tags:
        common = sorted(facts.tags & set(rule.tags))
        if not common:
            return []
        held.append(f"tag {', '.join(common)}")
    if rule.customer_tags:
        common = sorted(facts.customer_tags() & set(rule.customer_tags))
        if not common:
            return []
        held.append(f"customer tag {', '.join(common)}")
    if rule.order_value_min is not None or rule.order_value_max is not None:
        amount = facts.order_value
        if amount is None:
            return []
        if rule.order_value_min is not None and amount < rule.order_value_min:
            return []
        if rule.order_value_max is not None and amount > rule.order_value_max:
            return []
        held.append(f"order value {amount.normalize():f}")
    if rule.risk_min is not None:
        risk = facts.risk()
        if risk < rule.risk_min:
            return []
        held.append(f"risk {risk}")
    return held or ["every ticket"]


def rule_first(rules: Sequence[RoutingRule], facts: TicketFacts) -> tuple[RoutingRule, list[str]]:
    for rule in rules:
        if rule.enabled:
            held = rule_matches(rule, facts)
            if held:
                return rule, held
    raise LookupError("no rule matches")


_cache: dict[str, Any] = {"stamp": None, "rules": []}


def rules_stamp_sql() -> str:
    """Two scalar subqueries giving the rule table's stamp: its row count and newest
    `updated_at` (each write goes through `save`, which sets `updated_at`; a deletion changes
    the count). The candidates' query of `assign` carries them too, so a routed ticket learns
    whether its rules were current without a statement of its own."""
    table = connection.ops.quote_name(RoutingRule._meta.db_table)
    newest = connection.ops.quote_name("updated_at")
    return f"(SELECT COUNT(*) FROM {table}), (SELECT MAX({newest}) FROM {table})"  # noqa: S608


def rules_cached() -> tuple[list[RoutingRule], Any]:
    """The rules this process read last and their stamp (None: never read), no query: the
    caller checks the stamp (`rules_current`) before trusting a decision taken with them."""
    return list(_cache["rules"]), _cache["stamp"]


def rules_current(stamp: Any) -> bool:
    return stamp is not None and _cache["stamp"] == stamp


def rules_load() -> list[RoutingRule]:
    """The enabled rules in the order they are tried, with the teams and agents they name.
    Every new ticket needs them: they are kept in the process and read again only when the
    table's stamp changed (`rules_stamp_sql`: one small statement)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rules_stamp_sql()}")
        key = tuple(cursor.fetchone() or ())
    if _cache["stamp"] != key:
        rows = RoutingRule.objects.filter(enabled=True).select_related("set_team", "set_agent")
        _cache["rules"], _cache["stamp"] = list(rows), key
    return list(_cache["rules"])


# ---------------------------------------------------------------------------- writes

LIST_FIELDS = ("channels", "platforms", "markets", "languages", "categories", "priorities")


def _strings(name: str, value: Any, *, lower: bool = False) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"{name} must be a list of strings", field=name)
    items = [item.strip().lower() if lower else item.strip() for item in value]
    return sorted({item for item in items if item})


def _money(name: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{name} must be a number", field=name) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{name} must be a number of at least 0", field=name)
    return amount


def rule_clean(data: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields from a form's or the API's data, checked (422 naming the field)."""
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("a rule needs a name of at most 100 characters"), field="name")
    fields: dict[str, Any] = {"name": name}
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError(_("position must be a whole number of at least 0"), field="position")
    fields["position"] = position
    fields["enabled"] = bool(data.get("enabled", True))
    for key in LIST_FIELDS:
        fields[key] = _strings(key, data.get(key), lower=key in ("languages", "categories"))
    unknown = [p for p in fields["priorities"] if p not in Priority.values]
    if unknown:
        raise ValidationError(f"unknown priority {unknown[0]!r}", field="priorities")
    stores = data.get("stores") or []
    if not isinstance(stores, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in stores
    ):
        raise ValidationError(_("stores must be a list of store ids"), field="stores")
    fields["stores"] = sorted(set(stores))
    fields["tags"] = _strings("tags", data.get("tags"), lower=True)
    fields["customer_tags"] = _strings("customer_tags", data.get("customer_tags"), lower=True)
    fields["add_tags"] = _strings("add_tags", data.get("add_tags"), lower=True)
    fields["order_value_min"] = _money("order_value_min", data.get("order_value_min"))
    fields["order_value_max"] = _money("order_value_max", data.get("order_value_max"))
    low, high = fields["order_value_min"], fields["order_value_max"]
    if low is not None and high is not None and low > high:
        raise ValidationError(
            _("order_value_min is above order_value_max"), field="order_value_min"
        )
    risk = data.get("risk_min")
    if risk is not None and (
        isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 100
    ):
        raise ValidationError(_("risk_min must be an integer from 0 to 100"), field="risk_min")
    fields["risk_min"] = risk
    priority = data.get("set_priority") or ""
    if priority and priority not in Priority.values:
        raise ValidationError(f"unknown priority {priority!r}", field="set_priority")
    fields["set_priority"] = priority
    fields["set_team"] = _team(data.get("set_team"))
    fields["set_agent"] = _agent(data.get("set_agent"))
    actions = ("set_team", "set_priority", "add_tags", "set_agent")
    if not any(fields[key] for key in actions):
        raise ValidationError(
            _("a rule sets a team, a priority, tags or an agent"), field="set_team"
        )
    return fields


def _team(value: Any) -> Team | None:
    if value in (None, ""):
        return None
    if isinstance(value, Team):
        return value
    team = Team.objects.filter(name=str(value)).first()
    if team is None:
        raise ValidationError(f"no team named {value!r}", field="set_team")
    return team


def _agent(value: Any) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        user: User | None = value
    else:
        user = User.objects.filter(username=str(value)).first()
    if user is None or not user.is_active or user.role == Role.QA_REVIEWER:
        raise ValidationError(f"no agent {value!s} who can be assigned", field="set_agent")
    return user


@transaction.atomic
def rule_create(*, by: User, data: dict[str, Any]) -> RoutingRule:
    configure_require(by)
    fields = rule_clean(data)
    if RoutingRule.objects.filter(name=fields["name"]).exists():
        raise Conflict(f"a rule named {fields['name']!r} exists", field="name")
    return RoutingRule.objects.create(**fields)


@transaction.atomic
def rule_update(*, by: User, rule: RoutingRule, data: dict[str, Any]) -> RoutingRule:
    configure_require(by)
    fields = rule_clean(data)
    if RoutingRule.objects.filter(name=fields["name"]).exclude(pk=rule.pk).exists():
        raise Conflict(f"a rule named {fields['name']!r} exists", field="name")
    for key, value in fields.items():
        setattr(rule, key, value)
    rule.save()
    return rule


def rule_delete(*, by: User, rule: RoutingRule) -> None:
    configure_require(by)
    rule.delete()
