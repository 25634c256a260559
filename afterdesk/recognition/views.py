"""The recognition pages: the month's awards (a tab of the Performance pages), and the two
fragments other pages load after they are shown (htmx, `hx-trigger="load"`): the awards
announcement on the performance dashboard and an agent's badges on their scorecard.

Loading them after the page keeps the metrics app free of any import of recognition (it sits
below it) and its pages' pinned query counts unchanged (docs/recognition.md, "On the
dashboard")."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from afterdesk.accounts.models import User
from afterdesk.metrics.views.access import page_access
from afterdesk.recognition import selectors
from afterdesk.recognition.forms import MonthForm
from afterdesk.recognition.months import last_complete_month


@login_required
@require_GET
def awards_page(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "self")
    form = MonthForm(request.GET, default=last_complete_month(timezone.now()))
    context = {
        "access": access,
        "form": form,
        "section": "awards",
        "months": selectors.award_months(),
    }
    if not form.is_valid():
        return render(request, "recognition/pages/awards.html", context, status=422)
    month = form.cleaned_data["month"]
    context.update(month=month, awards=selectors.awards_of_month(month))
    return render(request, "recognition/pages/awards.html", context)


@login_required
@require_GET
def announcement(request: HttpRequest) -> HttpResponse:
    """The latest month's awards, short, for the dashboard; nothing when none were given."""
    page_access(request, "self")
    month = selectors.latest_award_month()
    awards = selectors.awards_of_month(month) if month else []
    return render(
        request, "recognition/partials/announcement.html", {"month": month, "awards": awards}
    )


@login_required
@require_GET
def badges(request: HttpRequest, username: str) -> HttpResponse:
    page_access(request, "self")
    agent = User.objects.filter(username=username).first()
    if agent is None:
        raise Http404("unknown agent")
    awards = list(selectors.awards_of_agent(agent))
    return render(request, "recognition/partials/badges.html", {"agent": agent, "awards": awards})
