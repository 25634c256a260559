"""The routing pages' forms; the services check the values, so the pages and the API refuse
alike (lists are typed comma- or space-separated)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from afterdesk.accounts.models import Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.routing.models import AgentRouting, AssignMode, RoutingRule, TeamRouting
from afterdesk.tickets.models import Priority

LISTS = {
    "channels": _("Channels"),
    "platforms": _("Platforms"),
    "markets": _("Markets"),
    "languages": _("Languages (detected)"),
    "categories": _("Issue types"),
    "priorities": _("Priorities"),
    "tags": _("Ticket tags (any of them)"),
    "customer_tags": _("Customer tags (any of them; e.g. vip)"),
}


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(
        label=pgettext_lazy("order in a list", "Position"), min_value=0, initial=0
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    channels = forms.CharField(label=LISTS["channels"], required=False)
    platforms = forms.CharField(label=LISTS["platforms"], required=False)
    stores = forms.CharField(label=_("Store ids"), required=False)
    markets = forms.CharField(label=LISTS["markets"], required=False)
    languages = forms.CharField(label=LISTS["languages"], required=False)
    categories = forms.CharField(label=LISTS["categories"], required=False)
    priorities = forms.CharField(label=LISTS["priorities"], required=False)
    tags = forms.CharField(label=LISTS["tags"], required=False)
    customer_tags = forms.CharField(label=LISTS["customer_tags"], required=False)
    order_value_min = forms.DecimalField(label=_("Order value from"), required=False)
    order_value_max = forms.DecimalField(label=_("Order value up to"), required=False)
    risk_min = forms.IntegerField(label=_("Risk at least"), required=False, min_value=0)
    set_team = forms.ModelChoiceField(Team.objects.all(), label=_("Set team"), required=False)
    set_priority = forms.ChoiceField(
        label=_("Set priority"), required=False, choices=[("", "—"), *Priority.choices]
    )
    add_tags = forms.CharField(label=_("Add tags"), required=False)
    set_agent = forms.ModelChoiceField(
        User.objects.filter(is_active=True).exclude(role=Role.QA_REVIEWER),
        label=_("Assign to agent"),
        required=False,
    )

    @classmethod
    def for_rule(cls, data: Any, rule: RoutingRule | None) -> RuleForm:
        initial: dict[str, Any] = {}
        if rule is not None:
            initial = {
                "name": rule.name,
                "position": rule.position,
                "enabled": rule.enabled,
                "stores": " ".join(str(pk) for pk in rule.stores),
                "add_tags": " ".join(rule.add_tags),
                "order_value_min": rule.order_value_min,
                "order_value_max": rule.order_value_max,
                "risk_min": rule.risk_min,
                "set_team": rule.set_team,
                "set_priority": rule.set_priority,
                "set_agent": rule.set_agent,
            }
            initial.update({key: " ".join(getattr(rule, key)) for key in LISTS})
        return cls(data, initial=initial)

    def clean_stores(self) -> list[int]:
        text = self.cleaned_data["stores"].replace(",", " ").split()
        if not all(part.isdigit() for part in text):
            raise forms.ValidationError(_("Store ids are numbers."))
        return [int(part) for part in text]

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AgentRoutingForm(forms.Form):
    languages = forms.CharField(label=_("Languages"), required=False)
    categories = forms.CharField(label=_("Issue types (empty: all)"), required=False)
    platforms = forms.CharField(label=_("Platforms (empty: all)"), required=False)
    capacity = forms.IntegerField(label=_("Capacity (open tickets)"), min_value=0, initial=8)
    shift = forms.ModelChoiceField(
        Calendar.objects.all(),
        label=_("Shift (a business-hours calendar; empty: always)"),
        required=False,
    )
    approval_limit = forms.DecimalField(label=_("Approval limit"), required=False)
    approval_currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    @classmethod
    def for_agent(cls, data: Any, profile: AgentRouting, languages: list[str]) -> AgentRoutingForm:
        return cls(
            data,
            initial={
                "languages": " ".join(languages),
                "categories": " ".join(profile.categories),
                "platforms": " ".join(profile.platforms),
                "capacity": profile.capacity,
                "shift": profile.shift,
                "approval_limit": profile.approval_limit,
                "approval_currency": profile.approval_currency,
            },
        )


class TeamRoutingForm(forms.Form):
    auto_assign = forms.BooleanField(label=_("Assign automatically"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=AssignMode.choices)
    reassign_after_minutes = forms.IntegerField(
        label=_("Reassign after offline (minutes; 0: never)"), min_value=0
    )

    @classmethod
    def for_team(cls, data: Any, row: TeamRouting) -> TeamRoutingForm:
        return cls(
            data,
            initial={
                "auto_assign": row.auto_assign,
                "mode": row.mode,
                "reassign_after_minutes": row.reassign_after_minutes,
            },
        )
