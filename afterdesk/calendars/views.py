"""Business-hours calendars: supervisors read, admins edit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from afterdesk.accounts.models import Team, User
from afterdesk.calendars.business_time import WEEKDAY_KEYS
from afterdesk.calendars.forms import (
    WEEKDAY_LABELS,
    CalendarForm,
    MarketHolidaysForm,
    TeamSchedulesForm,
    intervals_text,
    schedules_text,
)
from afterdesk.calendars.markets import market_holidays_set
from afterdesk.calendars.models import Calendar, MarketHolidays, TeamCalendar
from afterdesk.calendars.services import calendar_update, calendar_upsert
from afterdesk.calendars.teams import team_calendars_set
from afterdesk.core.errors import DomainError, NotFound


def _reader(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.sees_all_tickets:
        raise PermissionDenied
    return user


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    rows = [
        (c, [(day, intervals_text(c.hours.get(day, []))) for day in WEEKDAY_KEYS])
        for c in Calendar.objects.all()
    ]
    # The columns' heads are the days' names in the reader's language (the keys are codes).
    weekdays = [WEEKDAY_LABELS[day] for day in WEEKDAY_KEYS]
    context = {"rows": rows, "weekdays": weekdays, "can_edit": user.can_configure}
    return render(request, "calendars/pages/list.html", context)


@login_required
def calendar_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    if not _reader(request).can_configure:
        raise PermissionDenied
    calendar = get_object_or_404(Calendar, key=key) if key else None
    form = CalendarForm(request.POST or None, calendar=calendar)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "tz": data["tz"],
            "hours": data["hours"],
            "holidays": data["holiday_list"],
            "markets": data["market_list"],
        }
        try:
            if calendar is not None:  # deleted by someone else meanwhile: a 404, not a 500
                calendar_update(calendar=calendar, **fields)
            else:
                calendar_upsert(key=data["key"], **fields)
        except NotFound as error:
            raise Http404(error.message) from error
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = error.status
        else:
            return redirect("calendars:list")
    return render(
        request, "calendars/pages/edit.html", {"form": form, "calendar": calendar}, status=status
    )


@login_required
def market_holidays(request: HttpRequest) -> HttpResponse:
    """The markets' holiday lists; admins add or replace one with the form below."""
    user = _reader(request)
    form = None
    status = 200
    if user.can_configure:
        existing = MarketHolidays.objects.filter(market=request.GET.get("market", "")).first()
        initial = (
            {"market": existing.market, "name": existing.name, "dates": "\n".join(existing.dates)}
            if existing
            else None
        )
        form = MarketHolidaysForm(request.POST or None, initial=initial)
        if request.method == "POST":
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    market_holidays_set(
                        market=data["market"], name=data["name"], dates=data["dates"]
                    )
                except DomainError as error:
                    field = error.field if error.field in form.fields else None
                    form.add_error("dates" if error.field == "holidays" else field, error.message)
                else:
                    return redirect("calendars:markets")
    elif request.method == "POST":
        raise PermissionDenied
    calendars = list(Calendar.objects.all())
    rows = [
        (row, [c.key for c in calendars if row.market in c.markets])
        for row in MarketHolidays.objects.all()
    ]
    context = {"rows": rows, "form": form, "can_edit": user.can_configure}
    return render(request, "calendars/pages/markets.html", context, status=status)


@login_required
def team_schedules(request: HttpRequest) -> HttpResponse:
    """Each team's schedules as lines of text; admins replace a team's with its form."""
    user = _reader(request)
    if request.method == "POST" and not user.can_configure:
        raise PermissionDenied
    posted = get_object_or_404(Team, pk=request.POST.get("team") or 0) if request.POST else None
    status = 200
    rows = []
    for team in Team.objects.all():
        schedules = TeamCalendar.objects.filter(team=team).select_related("calendar")
        text = schedules_text(list(schedules))
        form = None
        if user.can_configure:
            if posted is not None and posted.pk == team.pk:
                form = TeamSchedulesForm(request.POST)
                status = 422
                if form.is_valid():
                    try:
                        team_calendars_set(team=team, schedules=form.cleaned_data["schedules"])
                    except DomainError as error:
                        form.add_error("schedules", error.message)
                    else:
                        return redirect("calendars:teams")
            else:
                form = TeamSchedulesForm(initial={"schedules": text}, prefix=None)
        rows.append((team, text, form))
    return render(request, "calendars/pages/teams.html", {"rows": rows}, status=status)
