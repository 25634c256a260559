"""Which template scores which position and agent (docs/metrics.md, "Positions and
templates").

Managers read the page; admins change assignments. Every change goes through
`assignments.template_assign`, which records who changed what, when, and what was in force.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.metrics.assignments import assignment_history, assignments_overview, template_assign
from afterdesk.metrics.forms import TemplateAssignmentForm, desk_today
from afterdesk.metrics.views.access import page_access

HISTORY_ROWS = 50


@login_required
@require_http_methods(["GET", "POST"])
def assignments_page(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "manage")
    form = TemplateAssignmentForm(request.POST or None)
    if request.method == "POST":
        page_access(request, "configure")
        if form.is_valid():
            try:
                _assign(form, by=access.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Assignment saved."))
                return redirect("metrics:assignments")
    today = desk_today()
    context = {
        "access": access,
        "section": "assignments",
        "form": form,
        "today": today,
        "overview": assignments_overview(at=datetime.combine(today, time.max, tzinfo=UTC)),
        "history": assignment_history(limit=HISTORY_ROWS),
        "agents": User.objects.filter(is_active=True).order_by("username").only("username"),
    }
    return render(request, "metrics/pages/assignments.html", context)


def _assign(form: TemplateAssignmentForm, *, by: User) -> None:
    data = form.cleaned_data
    agent = None
    if data["target"] == "agent":
        agent = User.objects.filter(username=data["agent"]).first()
        if agent is None:
            raise DomainError(_("Unknown agent %(name)s.") % {"name": data["agent"]})
    template_assign(
        template_key=data["template"] or None,
        position=data["position"] if agent is None else "",
        agent=agent,
        effective_from=data["effective_from"],
        by=by,
    )
