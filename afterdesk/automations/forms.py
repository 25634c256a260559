"""The rule form: the rule's fields, its conditions and actions as JSON (the API's shapes,
docs/automations.md), checked by the same service as the API."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.automations.actions import action_public
from afterdesk.automations.models import Rule, Trigger
from afterdesk.tickets.models import Status


class JsonField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "mono"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s") % {"error": error}
            ) from error


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=Trigger.choices)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)
    conditions = JsonField(label=_("Conditions (JSON)"), required=False)
    actions = JsonField(label=_("Actions (JSON)"))
    time_status = forms.ChoiceField(
        label=_("Time rule: status"), choices=[("", "—"), *Status.choices], required=False
    )
    time_hours = forms.IntegerField(label=_("Time rule: hours"), min_value=0, required=False)
    time_without_buyer_reply = forms.BooleanField(
        label=_("Time rule: only without a buyer reply"), required=False
    )
    max_per_ticket = forms.IntegerField(
        label=_("Fires at most this often per ticket"), min_value=1, initial=3
    )
    send_as = forms.CharField(label=_("Send replies as (agent id)"), required=False)

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["conditions"] = data.get("conditions") or {}
        if data.get("time_hours") is None:
            data.pop("time_hours")
        return data


def rule_initial(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "enabled": rule.enabled,
        "position": rule.position,
        "conditions": json.dumps(rule.conditions, ensure_ascii=False, indent=2),
        "actions": json.dumps(
            [action_public(a) for a in rule.actions], ensure_ascii=False, indent=2
        ),
        "time_status": rule.time_status,
        "time_hours": rule.time_hours,
        "time_without_buyer_reply": rule.time_without_buyer_reply,
        "max_per_ticket": rule.max_per_ticket,
        "send_as": rule.send_as.username if rule.send_as else "",
    }
