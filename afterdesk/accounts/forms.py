"""The position form of the positions page (one per agent)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import POSITION_MAX_LENGTH, Team


class PositionForm(forms.Form):
    # Blank (or only spaces) is "no position"; the service checks the rest.
    position = forms.CharField(label=_("Position"), max_length=POSITION_MAX_LENGTH, required=False)


class TokenForm(forms.Form):
    """A new API token on the tokens page: a name and how long it lives."""

    LIFETIMES = [
        ("", _("Never expires")),
        ("7", _("7 days")),
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
    ]

    name = forms.CharField(label=_("Name"), max_length=100)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=LIFETIMES,
        coerce=int,
        empty_value=None,
        required=False,
    )


class PersonForm(forms.Form):
    """A person on the people page: new (with a username) or changed (without one)."""

    username = forms.CharField(label=_("Username (agent id)"), max_length=150, required=False)
    display_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    position = forms.CharField(label=_("Position"), max_length=POSITION_MAX_LENGTH, required=False)
    admin = forms.BooleanField(label=_("Administrator"), required=False)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.order_by("name"), required=False
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_("Language codes the person answers in, separated by commas: en, es, de"),
    )
    active = forms.BooleanField(label=_("Can sign in"), required=False, initial=True)
    password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the current one. A new person without one cannot sign in yet."
        ),
    )

    def languages_list(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["languages"].split(",") if code.strip()]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
