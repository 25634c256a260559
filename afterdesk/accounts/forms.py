"""The position form of the positions page (one per agent)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import POSITION_MAX_LENGTH


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
