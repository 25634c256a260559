"""A rule's conditions: checked when saved, and applied as one SQL filter, so a firing and a
dry run ask the very same question (docs/automations.md, "Conditions").

The fields are routing's and SLA's (channel, platform, store, market, language, issue type,
priority, tags, order value, risk) plus status and VIP (the buyer's ticket carries the `vip`
tag, as routing reads it)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Priority, Status, Ticket, TicketEvent

LIST_KEYS = (
    "channels",
    "platforms",
    "markets",
    "languages",
    "categories",
    "priorities",
    "statuses",
    "tags",
)
CONDITION_KEYS = (*LIST_KEYS, "stores", "order_value_min", "order_value_max", "vip", "risk_min")
VIP_TAG = "vip"


def _strings(key: str, value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"{key} must be a list of strings", field=key)
    lower = key in ("languages", "categories", "tags", "priorities", "statuses")
    return sorted({item.strip().lower() if lower else item.strip() for item in value if item})


def _money(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{key} must be a number", field=key) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{key} must be a number of at least 0", field=key)
    return str(amount)


def conditions_clean(data: Any) -> dict[str, Any]:
    """The conditions as stored: only the fields that narrow something; 422 naming the field."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("conditions must be an object"), field="conditions")
    unknown = sorted(set(data) - set(CONDITION_KEYS))
    if unknown:
        raise ValidationError(
            f"unknown condition {unknown[0]!r}; use {', '.join(CONDITION_KEYS)}", field=unknown[0]
        )
    clean: dict[str, Any] = {}
    for key in LIST_KEYS:
        values = _strings(key, data.get(key))
        if values:
            clean[key] = values
    bad = [p for p in clean.get("priorities", []) if p not in Priority.values]
    if bad:
        raise ValidationError(f"unknown priority {bad[0]!r}", field="priorities")
    bad = [s for s in clean.get("statuses", []) if s not in Status.values]
    if bad:
        raise ValidationError(f"unknown status {bad[0]!r}", field="statuses")
    stores = data.get("stores") or []
    if not isinstance(stores, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in stores
    ):
        raise ValidationError(_("stores must be a list of store ids"), field="stores")
    if stores:
        clean["stores"] = sorted(set(stores))
    for key in ("order_value_min", "order_value_max"):
        amount = _money(key, data.get(key))
        if amount is not None:
            clean[key] = amount
    low, high = clean.get("order_value_min"), clean.get("order_value_max")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise ValidationError(
            _("order_value_min is above order_value_max"), field="order_value_min"
        )
    vip = data.get("vip")
    if vip is not None:
        if not isinstance(vip, bool):
            raise ValidationError(_("vip must be true or false"), field="vip")
        clean["vip"] = vip
    risk = data.get("risk_min")
    if risk is not None:
        if isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 100:
            raise ValidationError(_("risk_min must be an integer from 0 to 100"), field="risk_min")
        clean["risk_min"] = risk
    return clean


def conditions_filter(tickets: QuerySet[Ticket], conditions: dict[str, Any]) -> QuerySet[Ticket]:
    """The tickets of `tickets` for which every condition holds."""
    for key, column in (
        ("channels", "channel__in"),
        ("platforms", "platform__in"),
        ("markets", "market__in"),
        ("languages", "language__in"),
        ("categories", "category__in"),
        ("priorities", "priority__in"),
        ("statuses", "status__in"),
        ("stores", "store_id__in"),
    ):
        if conditions.get(key):
            tickets = tickets.filter(**{column: conditions[key]})
    if conditions.get("tags"):
        # At least one of the tags (as routing reads them).
        tickets = tickets.filter(
            pk__in=Ticket.tags.through.objects.filter(tag__name__in=conditions["tags"]).values(
                "ticket_id"
            )
        )
    if conditions.get("order_value_min") is not None:
        tickets = tickets.filter(order_value__gte=Decimal(conditions["order_value_min"]))
    if conditions.get("order_value_max") is not None:
        tickets = tickets.filter(order_value__lte=Decimal(conditions["order_value_max"]))
    vip = conditions.get("vip")
    if vip is not None:
        vip_ids = Ticket.tags.through.objects.filter(tag__name=VIP_TAG).values("ticket_id")
        tickets = tickets.filter(pk__in=vip_ids) if vip else tickets.exclude(pk__in=vip_ids)
    if conditions.get("risk_min") is not None:
        # The latest triage decides (an agent's correction after the automatic one).
        latest = (
            TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind="triage")
            .order_by("-at", "-id")
            .values("score")[:1]
        )
        tickets = tickets.alias(triage_risk=Subquery(latest)).filter(
            triage_risk__gte=conditions["risk_min"]
        )
    return tickets


def conditions_hold(ticket_id: int, conditions: dict[str, Any]) -> bool:
    return conditions_filter(Ticket.objects.filter(pk=ticket_id), conditions).exists()


def conditions_words(conditions: dict[str, Any]) -> str:
    """The conditions in a line, for the pages ("every ticket" when none)."""
    parts = []
    for key in CONDITION_KEYS:
        value = conditions.get(key)
        if value is None or value == []:
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts) or "every ticket"
