"""The alerts page for supervisors and admins: open alerts, each with an acknowledge button
(htmx POST swapping the row). Agents and QA reviewers get 403. Admins also edit the
thresholds on the alert settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.core.htmx import wants_partial
from afterdesk.metrics.access import Access

from . import selectors, services
from .forms import AlertSettingsForm
from .models import Alert, AlertKind, AlertSettings

PAGE_SIZE = 200


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not selectors.alerts_can_view(request.user):
        raise PermissionDenied
    return request.user


def _alert_or_404(user: User, alert_id: int) -> Alert:
    try:
        return selectors.alert_get_for_user(user=user, alert_id=alert_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def alerts_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kind = request.GET.get("kind") or None
    if kind not in AlertKind.values:
        kind = None  # an unknown filter value is ignored, as in the inbox
    alerts = selectors.alerts_for_user(user=user, kind=kind, acknowledged=False)
    context = {"alerts": alerts[:PAGE_SIZE], "count": alerts.count(), "kinds": AlertKind.choices}
    return render(request, "alerts/pages/alerts.html", {**context, "kind": kind})


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _user(request)
    alert = services.alert_acknowledge(alert=_alert_or_404(user, alert_id), by=user)
    if not wants_partial(request):
        return redirect("alerts:list")
    alert = _alert_or_404(user, alert.pk)
    return render(request, "alerts/partials/alert_row.html", {"alert": alert})


@login_required
@require_http_methods(["GET", "POST"])
def alerts_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not Access(user).admin:
        raise PermissionDenied
    current = AlertSettings.load()
    posted = request.method == "POST"
    form = AlertSettingsForm(request.POST if posted else None, instance=current)
    if posted and form.is_valid():
        try:
            services.alert_settings_update(by=user, **form.cleaned_data)
        except errors.ValidationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("alerts:settings")
    return render(request, "alerts/pages/settings.html", {"form": form})
