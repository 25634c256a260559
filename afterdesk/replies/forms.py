"""Forms of the replies pages: they parse input; the services check and decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.replies.models import (
    ARTICLE_BODY_MAX_CHARS,
    TEMPLATE_BODY_MAX_CHARS,
    AssignMode,
    Macro,
    ReplyTemplate,
)
from afterdesk.replies.services import MacroIn, VariantIn
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS, Status
from afterdesk.tickets.selectors import assignable_agents, teams_all
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS


class TemplateForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=80)
    name = forms.CharField(label=_("Name"), max_length=200)
    default_language = forms.CharField(label=_("Default language"), max_length=10, initial="en")


class VariantForm(forms.Form):
    language = forms.CharField(label=_("Language"), max_length=10, required=False)
    body = forms.CharField(
        label=_("Text"),
        max_length=TEMPLATE_BODY_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


# One empty row more than the template has: each save can add a language (no JavaScript).
VariantFormSet = forms.formset_factory(VariantForm, extra=1, max_num=50)


def variants_of(formset: Any) -> list[VariantIn]:
    """The filled rows (a row with no text is left out: that removes a language)."""
    return [
        VariantIn(language=row["language"], body=row["body"])
        for row in (form.cleaned_data for form in formset.forms)
        if row.get("body", "").strip()
    ]


def template_initial(template: ReplyTemplate) -> list[dict[str, str]]:
    return [{"language": v.language, "body": v.body} for v in template.variants.all()]


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    template = forms.ModelChoiceField(
        label=_("Reply template"), queryset=ReplyTemplate.objects.all(), required=False
    )
    send = forms.BooleanField(
        label=_("Send the reply at once (else it fills the reply box)"), required=False
    )
    set_status = forms.ChoiceField(
        label=_("Set status"), choices=[("", _("Leave as it is")), *Status.choices], required=False
    )
    add_tags = forms.CharField(
        label=_("Add tags"), max_length=500, required=False, help_text=_("Comma-separated")
    )
    assign_mode = forms.ChoiceField(
        label=_("Assign to"), choices=AssignMode.choices, required=False
    )
    assign_agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False
    )
    assign_team = forms.ModelChoiceField(label=_("Team"), queryset=teams_all(), required=False)
    shared = forms.BooleanField(label=_("Shared with everyone"), required=False)

    def __init__(self, *args: Any, can_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assign_agent"]).queryset = assignable_agents()
        if not can_share:
            del self.fields["shared"]

    @classmethod
    def initial_of(cls, macro: Macro) -> dict[str, Any]:
        return {
            "name": macro.name,
            "template": macro.template_id,
            "send": macro.send,
            "set_status": macro.set_status,
            "add_tags": ", ".join(macro.add_tags),
            "assign_mode": macro.assign_mode,
            "assign_agent": macro.assign_agent_id,
            "assign_team": macro.assign_team_id,
            "shared": macro.owner_id is None,
        }

    def data_in(self) -> MacroIn:
        data = self.cleaned_data
        return MacroIn(
            name=data["name"],
            template=data["template"],
            send=data["send"],
            set_status=data["set_status"],
            add_tags=[t for t in data["add_tags"].split(",") if t.strip()],
            assign_mode=data["assign_mode"],
            assign_agent=data["assign_agent"],
            assign_team=data["assign_team"],
            shared=bool(data.get("shared")),
        )


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.CharField(label=_("Language"), max_length=10, initial="en")
    tags = forms.CharField(label=_("Tags"), max_length=300, required=False)
    issue_types = forms.MultipleChoiceField(
        label=_("Suggested for"),
        choices=list(ISSUE_TYPE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=ARTICLE_BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 16}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


class MacroReplyForm(forms.Form):
    """The reply box a macro filled: the agent may edit the text before sending."""

    body = forms.CharField(
        label=_("Reply"),
        max_length=MESSAGE_BODY_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
