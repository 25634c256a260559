"""The email choices form: one checkbox per kind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationKind


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me an email for"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
