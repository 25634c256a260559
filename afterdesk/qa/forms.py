"""The QA pages' forms (docs/qa.md, "Pages and API"). They only shape the input: the services check
the values, so a page and the API refuse alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.qa.checks import Finding
from afterdesk.qa.models import SCALE_RANGE, Category, Check, Cycle, Rubric, Scale
from afterdesk.tickets.models import Message

NA = "na"
# Who may be named a reviewer (qa.access.REVIEWER_ROLES), re-read by each form.
REVIEWERS = User.objects.filter(
    is_active=True, role__in=("qa_reviewer", "supervisor", "admin")
).order_by("username")


class ReviewForm(forms.Form):
    """A rubric's categories (a choice each, N/A where allowed, a comment each), the agent
    reviewed, an overall comment and one comment field per message (pinned to it)."""

    comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[Category],
        agents: Sequence[User],
        messages: Sequence[Message],
        findings: dict[str, Finding] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        self.messages = list(messages)
        self.fields["agent"] = forms.ChoiceField(
            label=_("Agent reviewed"), choices=[(a.username, str(a)) for a in agents]
        )
        self.rows: list[dict[str, Any]] = []
        for category in self.categories:
            choices: list[tuple[str, str]] = [(str(v), str(v)) for v in category.values]
            if category.scale == Scale.BINARY:
                choices = [("1", str(_("Yes"))), ("0", str(_("No")))]
            if category.allow_na:
                choices.append((NA, str(_("N/A"))))
            name = f"cat_{category.pk}"
            self.fields[name] = forms.ChoiceField(
                label=category.name, choices=choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{category.pk}"] = forms.CharField(
                label=_("Comment on %(name)s") % {"name": category.name},
                required=False,
                max_length=5000,
            )
            finding = (findings or {}).get(category.auto_check) if category.auto_check else None
            if finding is not None and not self.is_bound:
                low, high = SCALE_RANGE[category.scale]
                if finding.passed is True:
                    self.initial[name] = str(high)
                elif finding.passed is False:
                    self.initial[name] = str(low)
                elif category.allow_na:
                    self.initial[name] = NA
            self.rows.append(
                {
                    "category": category,
                    "field": self[name],
                    "note": self[f"note_{category.pk}"],
                    "finding": finding,
                }
            )
        for message in self.messages:
            self.fields[f"pin_{message.pk}"] = forms.CharField(
                label=_("Comment on this message"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def pin_field(self, message: Message) -> forms.BoundField:
        return self[f"pin_{message.pk}"]

    def ratings(self) -> list[dict[str, Any]]:
        return [
            {
                "category": c.pk,
                "value": None
                if self.cleaned_data[f"cat_{c.pk}"] == NA
                else int(self.cleaned_data[f"cat_{c.pk}"]),
                "comment": self.cleaned_data[f"note_{c.pk}"],
            }
            for c in self.categories
        ]

    def pins(self) -> list[dict[str, Any]]:
        return [
            {"message": m.pk, "body": self.cleaned_data[f"pin_{m.pk}"]}
            for m in self.messages
            if self.cleaned_data.get(f"pin_{m.pk}", "").strip()
        ]


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you dispute it?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SettingsForm(forms.Form):
    self_review = forms.BooleanField(
        label=_("Reviewers may review their own conversations"), required=False
    )
    dispute_days = forms.IntegerField(
        label=_("Days to dispute a review"), min_value=0, max_value=90
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category"), max_length=100, required=False)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=0, max_value=1000, decimal_places=2, required=False
    )
    scale = forms.ChoiceField(
        label=_("Scale"), choices=Scale.choices, initial=Scale.FIVE, required=False
    )
    critical = forms.BooleanField(label=_("Critical"), required=False)
    allow_na = forms.BooleanField(label=_("N/A allowed"), required=False, initial=True)
    check = forms.ChoiceField(label=_("Pre-filled by"), choices=Check.choices, required=False)


CategoryFormSet = forms.formset_factory(CategoryForm, extra=6, max_num=30)


class RubricForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000)


def categories_from(formset: Any) -> list[dict[str, Any]]:
    """The filled category rows (a row without a name is left out)."""
    return [
        {
            "name": row["name"],
            "weight": row["weight"] if row["weight"] is not None else 0,
            "scale": row["scale"] or Scale.FIVE,
            "critical": row["critical"],
            "allow_na": row["allow_na"],
            "check": row["check"],
        }
        for row in (form.cleaned_data for form in formset.forms)
        if row.get("name")
    ]


class AssignmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.filter(active=True))
    cycle = forms.ChoiceField(label=_("Cycle"), choices=Cycle.choices, initial=Cycle.WEEKLY)
    per_agent = forms.IntegerField(
        label=_("Conversations per agent"), min_value=1, max_value=100, initial=2
    )
    reviewers = forms.ModelMultipleChoiceField(label=_("Reviewers"), queryset=REVIEWERS)
    team = forms.IntegerField(label=_("Team id"), required=False)
    channel = forms.CharField(label=_("Channel"), required=False, max_length=32)
    category = forms.CharField(label=_("Issue category"), required=False, max_length=50)
    csat_max = forms.IntegerField(label=_("CSAT at most"), required=False)
    risk_min = forms.IntegerField(label=_("Risk at least"), required=False)
    min_messages = forms.IntegerField(label=_("Long: messages at least"), required=False)
    reopened = forms.BooleanField(label=_("Reopened only"), required=False)

    def filters(self) -> dict[str, Any]:
        keys = ("team", "channel", "category", "csat_max", "risk_min", "min_messages", "reopened")
        return {
            k: self.cleaned_data[k]
            for k in keys
            if self.cleaned_data.get(k) not in (None, "", False)
        }


class CalibrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.filter(active=True))
    tickets = forms.CharField(label=_("Ticket numbers, separated by commas"), max_length=500)
    reviewers = forms.ModelMultipleChoiceField(label=_("Reviewers"), queryset=REVIEWERS)

    def clean_tickets(self) -> list[int]:
        try:
            numbers = [
                int(part)
                for part in self.cleaned_data["tickets"].replace(" ", "").split(",")
                if part
            ]
        except ValueError:
            raise forms.ValidationError(_("Give ticket numbers, e.g. 12, 15")) from None
        if not numbers:
            raise forms.ValidationError(_("Give ticket numbers, e.g. 12, 15"))
        return numbers
