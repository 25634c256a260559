"""The month picker of the awards page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.core.errors import ValidationError
from afterdesk.recognition.months import month_parse


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
    )

    def __init__(self, data: Any, *, default: date) -> None:
        super().__init__(data)
        self.default = default

    def clean_month(self) -> date:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return self.default
        try:
            return month_parse(text)
        except ValidationError as error:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-11.")) from error
