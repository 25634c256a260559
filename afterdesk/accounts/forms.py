"""The position form of the positions page (one per agent)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import POSITION_MAX_LENGTH


class PositionForm(forms.Form):
    # Blank (or only spaces) is "no position"; the service checks the rest.
    position = forms.CharField(label=_("Position"), max_length=POSITION_MAX_LENGTH, required=False)
