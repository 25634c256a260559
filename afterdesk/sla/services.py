"""Writes of SLA policies (docs/sla.md, "Policies"): one validation for the pages and the API;
admins only. A saved policy moves the deadlines of the tickets: every ticket's state is
recomputed after commit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.calendars.models import Calendar
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.sla.clock import TARGETS
from afterdesk.sla.models import DEFAULT_PAUSE_STATUSES, Hours, Policy
from afterdesk.tickets.events import STATUSES
from afterdesk.tickets.models import Priority

LIST_FIELDS = (
    "channels",
    "platforms",
    "markets",
    "languages",
    "categories",
    "priorities",
    "tags",
    "customer_tags",
)
PAUSABLE = tuple(status for status in STATUSES if status not in ("solved", "closed"))
MAX_MINUTES = 365 * 24 * 60  # a year
VALUE_LIMIT = Decimal(10) ** 10


def _strings(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"{name} must be a list of strings", field=name)
    clean = sorted({item.strip() for item in value if item.strip()})
    if any(len(item) > 50 for item in clean):
        raise ValidationError(f"{name}: values are at most 50 characters", field=name)
    return clean


def _minutes(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise ValidationError(
            _("%(name)s must be whole minutes from 1 to %(most)s")
            % {"name": name, "most": MAX_MINUTES},
            field=name,
        )
    return value


def _targets(value: object) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict):
        raise ValidationError(
            "targets must be an object: priority → {target → minutes}", field="targets"
        )
    clean: dict[str, dict[str, int]] = {}
    for priority, targets in value.items():
        if priority not in Priority.values:
            raise ValidationError(f"targets: unknown priority {priority!r}", field="targets")
        if not isinstance(targets, dict):
            raise ValidationError(f"targets.{priority} must be an object", field="targets")
        row: dict[str, int] = {}
        for target, minutes in targets.items():
            if target not in TARGETS:
                raise ValidationError(
                    f"targets.{priority}: unknown target {target!r} ({', '.join(TARGETS)})",
                    field="targets",
                )
            if minutes is not None:
                row[target] = _minutes(f"targets.{priority}.{target}", minutes)
        if row:
            clean[priority] = row
    return clean


def _money(name: str, value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(_("%(name)s must be a number") % {"name": name}, field=name) from exc
    if not amount.is_finite() or not -VALUE_LIMIT < amount < VALUE_LIMIT:
        raise ValidationError(f"{name} must be a number below 10¹⁰", field=name)
    return amount


def policy_fields_validate(data: dict[str, Any]) -> dict[str, Any]:
    """A policy's fields checked and normalised (missing ones: their defaults), or a
    ValidationError naming the field."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise ValidationError(_("name is required (at most 100 characters)"), field="name")
    fields: dict[str, Any] = {"name": name.strip()}
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 10**6:
        raise ValidationError(_("position must be a whole number from 0"), field="position")
    fields["position"] = position
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationError(_("enabled must be true or false"), field="enabled")
    fields["enabled"] = enabled
    for key in LIST_FIELDS:
        fields[key] = _strings(key, data.get(key, []))
    # Customer tags are stored lowercase (commerce.services.customer_tags_clean).
    fields["customer_tags"] = sorted({tag.lower() for tag in fields["customer_tags"]})
    bad = [p for p in fields["priorities"] if p not in Priority.values]
    if bad:
        raise ValidationError(f"priorities: unknown {bad[0]!r}", field="priorities")
    stores = data.get("stores", [])
    if not isinstance(stores, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in stores
    ):
        raise ValidationError(_("stores must be a list of store ids"), field="stores")
    fields["stores"] = sorted(set(stores))
    fields["order_value_min"] = _money("order_value_min", data.get("order_value_min"))
    fields["order_value_max"] = _money("order_value_max", data.get("order_value_max"))
    low, high = fields["order_value_min"], fields["order_value_max"]
    if low is not None and high is not None and low > high:
        raise ValidationError(
            _("order_value_min is above order_value_max"), field="order_value_min"
        )
    fields["targets"] = _targets(data.get("targets", {}))
    hours = data.get("hours", Hours.BUSINESS)
    if hours not in Hours.values:
        raise ValidationError(_("hours must be business, team or calendar"), field="hours")
    fields["hours"] = hours
    calendar = data.get("calendar")
    if calendar in (None, ""):
        fields["calendar"] = None
    else:
        found = Calendar.objects.filter(key=calendar).first()
        if found is None:
            raise ValidationError(f"unknown calendar {calendar!r}", field="calendar")
        fields["calendar"] = found
    pause = _strings("pause_statuses", data.get("pause_statuses", DEFAULT_PAUSE_STATUSES))
    bad = [status for status in pause if status not in PAUSABLE]
    if bad:
        raise ValidationError(
            f"pause_statuses: {bad[0]!r} cannot pause a clock ({', '.join(PAUSABLE)})",
            field="pause_statuses",
        )
    fields["pause_statuses"] = pause
    warning = data.get("warning_minutes", 60)
    if isinstance(warning, bool) or not isinstance(warning, int) or not 0 <= warning <= MAX_MINUTES:
        raise ValidationError(
            _("warning_minutes must be whole minutes from 0"), field="warning_minutes"
        )
    fields["warning_minutes"] = warning
    return fields


def _states_refresh() -> None:
    """Every ticket's deadlines under the policies as they are now, after commit."""
    from afterdesk.sla.tasks import sla_rebuild_task

    transaction.on_commit(lambda: sla_rebuild_task())


def _save(policy: Policy) -> Policy:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise Conflict(_("a policy named %(name)s exists") % {"name": repr(policy.name)}) from exc
    _states_refresh()
    return policy


@transaction.atomic
def policy_create(*, by: User, data: dict[str, Any]) -> Policy:
    user_require_configure(user=by)
    return _save(Policy(**policy_fields_validate(data)))


@transaction.atomic
def policy_update(*, by: User, policy: Policy, data: dict[str, Any]) -> Policy:
    """Replace the policy's fields with `data` (missing ones: their defaults)."""
    user_require_configure(user=by)
    for key, value in policy_fields_validate(data).items():
        setattr(policy, key, value)
    return _save(policy)


@transaction.atomic
def policy_delete(*, by: User, policy: Policy) -> None:
    user_require_configure(user=by)
    policy.delete()
    _states_refresh()
