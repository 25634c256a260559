"""The policy form of the SLA pages: text lists and a grid of target minutes, turned into the
data `sla.services.policy_fields_validate` checks (the API sends the same data as JSON)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.calendars.models import Calendar
from afterdesk.sla.clock import TARGETS
from afterdesk.sla.models import Hours, Policy
from afterdesk.sla.services import LIST_FIELDS, PAUSABLE
from afterdesk.tickets.models import Priority, Status

TARGET_LABELS = {
    "first_reply": _("First reply"),
    "next_reply": _("Next reply"),
    "periodic_update": _("Periodic update"),
    "resolution": _("Resolution"),
}
LIST_LABELS = {
    "channels": _("Channels"),
    "platforms": _("Platforms"),
    "markets": _("Markets"),
    "languages": _("Languages"),
    "categories": _("Categories"),
    "priorities": _("Priorities"),
    "tags": _("Ticket tags (any of them)"),
    "customer_tags": _("Customer tags (any of them; e.g. vip)"),
}


def target_field(priority: str, target: str) -> str:
    return f"t_{priority}_{target}"


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(label=_("Position (tried in this order)"), min_value=0)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    stores = forms.CharField(label=_("Store ids"), required=False)
    order_value_min = forms.DecimalField(label=_("Order value from"), required=False)
    order_value_max = forms.DecimalField(label=_("Order value up to"), required=False)
    hours = forms.ChoiceField(label=_("Counted in"), choices=Hours.choices)
    calendar = forms.ChoiceField(label=_("Calendar"), required=False)
    pause_statuses = forms.MultipleChoiceField(
        label=_("Clocks pause in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        # The statuses by their labels in the reader's language (the values stay codes).
        choices=[(status, Status(status).label) for status in PAUSABLE],
    )
    warning_minutes = forms.IntegerField(label=_("Warning minutes before a deadline"), min_value=0)

    def __init__(self, *args: Any, policy: Policy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in LIST_LABELS.items():
            self.fields[name] = forms.CharField(
                label=label, required=False, help_text=_("Comma-separated; empty: any")
            )
        calendar_field = self.fields["calendar"]
        assert isinstance(calendar_field, forms.ChoiceField)  # noqa: S101 - declared above
        calendar_field.choices = [("", _("The ticket's own calendar"))] + [
            (c.key, str(c)) for c in Calendar.objects.order_by("key")
        ]
        for priority in Priority.values:
            for target in TARGETS:
                self.fields[target_field(priority, target)] = forms.IntegerField(
                    required=False, min_value=1
                )
        if policy is not None and not self.is_bound:
            self.initial = {
                "name": policy.name,
                "position": policy.position,
                "enabled": policy.enabled,
                "stores": ", ".join(str(s) for s in policy.stores),
                "order_value_min": policy.order_value_min,
                "order_value_max": policy.order_value_max,
                "hours": policy.hours,
                "calendar": policy.calendar.key if policy.calendar else "",
                "pause_statuses": policy.pause_statuses,
                "warning_minutes": policy.warning_minutes,
                **{name: ", ".join(getattr(policy, name)) for name in LIST_FIELDS},
                **{
                    target_field(priority, target): minutes
                    for priority, targets in policy.targets.items()
                    for target, minutes in targets.items()
                },
            }
        elif not self.is_bound:
            self.initial = {
                "enabled": True,
                "position": 10,
                "warning_minutes": 60,
                "pause_statuses": ["pending", "on_hold"],
            }

    def grid(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The target fields by priority, for the template's table."""
        return [
            (label, [self[target_field(value, target)] for target in TARGETS])
            for value, label in Priority.choices
        ]

    def target_labels(self) -> list[str]:
        return [str(TARGET_LABELS[target]) for target in TARGETS]

    def list_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in LIST_FIELDS]

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        stores: list[Any] = []
        for part in (data["stores"] or "").split(","):
            if part.strip():
                stores.append(int(part) if part.strip().isdigit() else part.strip())
        return {
            "name": data["name"],
            "position": data["position"],
            "enabled": data["enabled"],
            "stores": stores,
            "order_value_min": data["order_value_min"],
            "order_value_max": data["order_value_max"],
            "hours": data["hours"],
            "calendar": data["calendar"] or None,
            "pause_statuses": list(data["pause_statuses"]),
            "warning_minutes": data["warning_minutes"],
            **{
                name: [p.strip() for p in (data[name] or "").split(",") if p.strip()]
                for name in LIST_FIELDS
            },
            "targets": {
                priority: {
                    target: data[target_field(priority, target)]
                    for target in TARGETS
                    if data[target_field(priority, target)] is not None
                }
                for priority in Priority.values
            },
        }
