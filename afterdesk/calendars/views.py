"""Business-hours calendars: supervisors read, admins edit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from afterdesk.accounts.models import User
from afterdesk.calendars.business_time import WEEKDAY_KEYS
from afterdesk.calendars.forms import CalendarForm, intervals_text
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_update, calendar_upsert
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
    return render(
        request, "calendars/pages/list.html", {"rows": rows, "can_edit": user.can_configure}
    )


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
