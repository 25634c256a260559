"""Desk-wide metrics settings (admins): the public leaderboard switch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from afterdesk.metrics.forms import MetricsSettingsForm
from afterdesk.metrics.models import MetricsSettings
from afterdesk.metrics.services import metrics_settings_update
from afterdesk.metrics.views.access import page_access


@login_required
@require_http_methods(["GET", "POST"])
def metrics_settings(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "configure")
    if request.method == "POST":
        form = MetricsSettingsForm(request.POST)
        if form.is_valid():
            metrics_settings_update(public_leaderboard=form.cleaned_data["public_leaderboard"])
            messages.success(request, _("Settings saved."))
            return redirect("metrics:settings")
    else:
        current = MetricsSettings.load()
        form = MetricsSettingsForm(initial={"public_leaderboard": current.public_leaderboard})
    context = {"access": access, "form": form, "section": "settings"}
    return render(request, "metrics/pages/settings.html", context)
