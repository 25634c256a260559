"""The alert settings form (admins): every threshold of `AlertSettings`, with translated labels.
The model's validators check the values; `services.alert_settings_update` writes them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.metrics.models import ScorecardTemplate

from .models import AlertSettings
from .services import SETTINGS_FIELDS


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = SETTINGS_FIELDS
        labels = {
            "long_open_factor": _("Long-open: multiple of the team's average handling time"),
            "long_open_window_days": _("Long-open: days of solved tickets in the average"),
            "complaint_rate_rise": _("Complaint rate rise per week (per handled ticket)"),
            "reopen_rate_rise": _("Reopen rate rise per week (0.05 = 5 points)"),
            "sla_drop": _("SLA compliance drop per week (0.05 = 5 points)"),
            "min_n": _("Weekly rates: minimum sample size in both weeks"),
            "template_key": _("Template for SLA targets (blank: the built-in default)"),
            "escalation_window_days": _("Escalation rate: window in days"),
            "escalation_rate_max": _("Escalation rate: threshold per handled ticket (0: off)"),
            "escalation_peer_factor": _("Escalation rate: multiple of the peers' median (0: off)"),
            "escalation_min_handled": _("Escalation rate: minimum handled tickets in the window"),
        }
        help_texts = dict.fromkeys(SETTINGS_FIELDS, "")

    def clean_template_key(self) -> str:
        key: str = self.cleaned_data["template_key"]
        if key and not ScorecardTemplate.objects.filter(key=key).exists():
            raise forms.ValidationError(_("There is no scorecard template with this id."))
        return key
