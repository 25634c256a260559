"""Forms of the bonus pages: they parse input; `bonuses.services` validates the rule itself
(`bonus_rule_validate`, errors naming the field) and the views put its errors on the form."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Role
from afterdesk.core.errors import DomainError
from afterdesk.metrics.bonuses.models import DEFAULT_MAX_SHARE, BonusRule
from afterdesk.metrics.forms import PeriodForm
from afterdesk.metrics.models import ScorecardTemplate

EXAMPLE_DEFINITION: dict[str, Any] = {
    "tiers": [
        {"name": "gold", "min_total": 90, "amount": "300"},
        {"name": "silver", "min_total": 80, "amount": "100"},
    ],
    "extras": [
        {
            "name": "csat",
            "amount": "50",
            "when": [{"kpi": "csat_rate", "op": ">=", "value": "0.98"}],
        }
    ],
}
# Form fields that are rule fields of the same name (a service error on one lands on it).
RULE_FIELDS = ("name", "role", "template_key", "currency", "budget", "labour_cost", "max_share")


def pretty(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class PayoutPeriodForm(PeriodForm):
    """The scorecard page's period (week, month or custom); the rule names the template."""

    with_template = False


class BonusRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.CharField(
        label=_("Role"),
        max_length=50,
        help_text=_("A user role (agent, supervisor, qa_reviewer, admin) or the template's role"),
        widget=forms.TextInput(attrs={"list": "bonus-roles"}),
    )
    template_key = forms.ChoiceField(label=_("Scorecard template"))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    budget = forms.CharField(
        label=_("Budget per period"), required=False, max_length=20, help_text=_("Optional")
    )
    labour_cost = forms.CharField(
        label=_("Labour cost per period"), required=False, max_length=20, help_text=_("Optional")
    )
    max_share = forms.CharField(
        label=_("Highest share of labour cost"), max_length=10, initial=str(DEFAULT_MAX_SHARE)
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    definition = forms.CharField(
        label=_("Definition (JSON: tiers, extras, gate)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "perf-json"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["template_key"])
        field.choices = [
            (key, f"{name} ({key})")
            for key, name in ScorecardTemplate.objects.values_list("key", "name")
        ]
        self.role_suggestions = [
            *Role.values,
            *ScorecardTemplate.objects.exclude(role="").values_list("role", flat=True).distinct(),
        ]

    @classmethod
    def for_rule(cls, rule: BonusRule | None) -> BonusRuleForm:
        if rule is None:
            return cls(initial={"definition": pretty(EXAMPLE_DEFINITION)})
        return cls(
            initial={
                "name": rule.name,
                "role": rule.role,
                "template_key": rule.template_key,
                "currency": rule.currency,
                "budget": "" if rule.budget is None else str(rule.budget),
                "labour_cost": "" if rule.labour_cost is None else str(rule.labour_cost),
                "max_share": str(rule.max_share),
                "active": rule.active,
                "definition": pretty(rule.definition),
            }
        )

    def clean_definition(self) -> object:
        text = self.cleaned_data["definition"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(reason)s (line %(line)s, column %(column)s).")
                % {"reason": error.msg, "line": error.lineno, "column": error.colno}
            ) from error

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned values as `bonus_rule_save` takes them (an empty amount is null)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "role": data["role"].strip(),
            "template_key": data["template_key"],
            "currency": data["currency"].strip().upper(),
            "definition": data["definition"],
            "budget": data["budget"].strip() or None,
            "labour_cost": data["labour_cost"].strip() or None,
            "max_share": data["max_share"].strip(),
            "active": data["active"],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """A service error on the field it names (`definition.tiers[0].amount` goes on the
        definition, with its path), else on the form."""
        field = error.field or ""
        if field in RULE_FIELDS:
            self.add_error(field, error.message)
        elif field == "definition" or field.startswith("definition."):
            named = error.message.startswith(field)
            self.add_error("definition", error.message if named else f"{field}: {error.message}")
        else:
            self.add_error(None, f"{field}: {error.message}" if field else error.message)
