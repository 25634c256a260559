"""The buyer's answer form (public page) and the admins' settings form."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from afterdesk.surveys.models import COMMENT_MAX_CHARS, DEFAULT_DELAY_HOURS, DEFAULT_EXPIRY_DAYS
from afterdesk.surveys.services.scheduling import DELAY_HOURS_MAX, EXPIRY_DAYS_MAX

RATING_LABELS = {
    5: _("Very satisfied"),
    4: _("Satisfied"),
    3: _("Neither satisfied nor dissatisfied"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}


class AnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with our help?"),
        # Lazy: the labels are translated when the page renders, in the buyer's language.
        choices=[
            (rating, format_lazy("{} – {}", rating, label))
            for rating, label in RATING_LABELS.items()
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a rating from 1 to 5."),
            "invalid_choice": _("Please choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send surveys"), required=False)
    delay_hours = forms.IntegerField(
        label=_("Hours after the solve"),
        min_value=0,
        max_value=DELAY_HOURS_MAX,
        initial=DEFAULT_DELAY_HOURS,
    )
    expiry_days = forms.IntegerField(
        label=_("Days the link stays valid"),
        min_value=1,
        max_value=EXPIRY_DAYS_MAX,
        initial=DEFAULT_EXPIRY_DAYS,
    )
