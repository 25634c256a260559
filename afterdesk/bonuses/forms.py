"""Forms of the bonus pages: they parse input; `bonuses.services` validates the rule itself
(`bonus_rule_validate`, errors naming the field) and the views put its errors on the form."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.bonuses.models import DEFAULT_MAX_SHARE, BonusRule, TargetKind
from afterdesk.bonuses.selectors import positions_in_use
from afterdesk.core.errors import DomainError
from afterdesk.core.rule_text import RULE_TEXT
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
RULE_FIELDS = (
    "name",
    "target_kind",
    "position",
    "template_key",
    "currency",
    "budget",
    "labour_cost",
    "max_share",
)


def pretty(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class PayoutPeriodForm(PeriodForm):
    """The scorecard page's period (week, month or custom); the rule names the template."""

    with_template = False


class BonusRuleForm(forms.Form):
    """A rule pays the agents scored under its template: all of them, or one position's
    (docs/bonuses.md, "Whom a rule pays"). Positions offered: those in use, plus the edited
    rule's own."""

    name = forms.CharField(label=_("Name"), max_length=150)
    template_key = forms.ChoiceField(
        label=_("Scorecard template"),
        help_text=_("The rule pays only agents scored under this template."),
    )
    target_kind = forms.ChoiceField(
        label=_("Pays"),
        choices=TargetKind.choices,
        initial=TargetKind.TEMPLATE,
        widget=forms.RadioSelect,
    )
    position = forms.ChoiceField(
        label=_("Position"),
        required=False,
        help_text=_(
            "Only when the rule pays one position. Agents of the position scored under "
            "another template are listed as not eligible."
        ),
    )
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

    def __init__(self, *args: Any, rule: BonusRule | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["template_key"])
        field.choices = [
            (key, f"{name} ({key})")
            for key, name in ScorecardTemplate.objects.order_by("name", "key").values_list(
                "key", "name"
            )
        ]
        positions = positions_in_use()
        if rule is not None and rule.position and rule.position not in positions:
            positions = sorted([*positions, rule.position])
        choices = cast(forms.ChoiceField, self.fields["position"])
        choices.choices = [("", "—"), *((position, position) for position in positions)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target_kind") == TargetKind.POSITION and not data.get("position"):
            self.add_error("position", _("Pick the position the rule pays."))
        return data

    @classmethod
    def for_rule(cls, rule: BonusRule | None) -> BonusRuleForm:
        if rule is None:
            return cls(initial={"definition": pretty(EXAMPLE_DEFINITION)})
        return cls(
            rule=rule,
            initial={
                "name": rule.name,
                "target_kind": rule.target_kind,
                "position": rule.position,
                "template_key": rule.template_key,
                "currency": rule.currency,
                "budget": "" if rule.budget is None else str(rule.budget),
                "labour_cost": "" if rule.labour_cost is None else str(rule.labour_cost),
                "max_share": str(rule.max_share),
                "active": rule.active,
                "definition": pretty(rule.definition),
            },
        )

    def clean_definition(self) -> object:
        text = self.cleaned_data["definition"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(reason)s (line %(line)s, column %(column)s).")
                % {
                    "reason": RULE_TEXT.shown(error.msg),
                    "line": error.lineno,
                    "column": error.colno,
                }
            ) from error

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned values as `bonus_rule_save` takes them (an empty amount is null)."""
        data = self.cleaned_data
        by_position = data["target_kind"] == TargetKind.POSITION
        return {
            "name": data["name"],
            "target_kind": data["target_kind"],
            "position": data["position"] if by_position else "",
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
        shown = RULE_TEXT.shown(error.message)  # in the reader's language; the path as is
        if field in RULE_FIELDS:
            self.add_error(field, shown)
        elif field == "definition" or field.startswith("definition."):
            named = error.message.startswith(field)
            self.add_error("definition", shown if named else f"{field}: {shown}")
        else:
            self.add_error(None, f"{field}: {shown}" if field else shown)
