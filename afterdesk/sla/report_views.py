"""The SLA report pages (docs/sla.md, "Reports"): % met per target by agent, team, policy,
channel or market with the breached tickets, and the "pending abuse" audit; both for a period
(by default the last complete week), both downloadable as CSV or XLSX. They call the API's
readers (`sla.reports`), so the pages and the API count alike and authorise alike."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied
from afterdesk.sla import report_exports, reports
from afterdesk.sla.clock import TARGETS
from afterdesk.sla.selectors import policies_require_read

GROUP_LABELS = {
    "agent": _("Agent"),
    "team": _("Team"),
    "policy": _("Policy"),
    "channel": _("Channel"),
    "market": _("Market"),
}
TARGET_LABELS = {
    "first_reply": _("First reply"),
    "next_reply": _("Next reply"),
    "periodic_update": _("Periodic update"),
    "resolution": _("Resolution"),
}


def last_complete_week(now: datetime | None = None) -> tuple[date, date]:
    """Monday and Sunday of the last week that has ended, in the desk's time zone."""
    today = (now or timezone.now()).astimezone(timezone.get_default_timezone()).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


class PeriodForm(forms.Form):
    """From and to: days in the desk's time zone, both included."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_default_timezone()
        start = datetime.combine(self.cleaned_data["start"], time(), tzinfo=zone)
        end = datetime.combine(self.cleaned_data["end"] + timedelta(days=1), time(), tzinfo=zone)
        return start, end


class ReportForm(PeriodForm):
    by = forms.ChoiceField(label=_("Per"), choices=list(GROUP_LABELS.items()), initial="agent")


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    try:
        policies_require_read(user=user)
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from error
    return user


def _form(request: HttpRequest, form_class: type[PeriodForm]) -> PeriodForm:
    """Bound to the query; without a period, the last complete week."""
    data: dict[str, Any] = request.GET.dict()
    if not data.get("start") and not data.get("end"):
        monday, sunday = last_complete_week()
        data.update(start=monday.isoformat(), end=sunday.isoformat())
    data.setdefault("by", "agent")
    return form_class(data)


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "")
    return fmt if fmt in report_exports.FORMATS else ""


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = _form(request, ReportForm)
    context: dict[str, Any] = {"form": form, "targets": TARGET_LABELS, "rows": None}
    if form.is_valid():
        start, end = form.bounds()
        by = form.cleaned_data["by"]
        try:
            rows = reports.sla_report(user=user, start=start, end=end, by=by)
        except DomainError as error:
            form.add_error("end" if error.field == "to" else None, error.message)
        else:
            fmt = _format(request)
            if fmt:
                sheets = report_exports.report_sheets(rows, by=by)
                return report_exports.download(
                    sheets, fmt=fmt, stem=f"sla-{by}", start=start, end=end
                )
            context.update(
                rows=[_row_view(row) for row in rows],
                group=GROUP_LABELS[by],
                query=form_query(form),
            )
    status = 200 if form.is_valid() else 400
    return render(request, "sla/pages/report.html", context, status=status)


def form_query(form: PeriodForm) -> str:
    """The period (and grouping) of the page, for its download links."""
    return urlencode({k: form.data[k] for k in ("start", "end", "by") if k in form.data})


def _row_view(row: reports.ReportRow) -> dict[str, Any]:
    cells = []
    for target in TARGETS:
        f = row.targets[target]
        rate = f.met_rate
        cells.append(
            {"clocks": f.decided, "met": f.met, "rate": None if rate is None else rate * 100}
        )
    breaches = [
        {"id": pk, "ticket": ticket or f"#{pk}", "target": TARGET_LABELS[target], "due": due}
        for pk, (ticket, target, due) in zip(row.breach_ids, row.breaches, strict=True)
    ]
    return {"key": row.key, "cells": cells, "breaches": breaches}


@login_required
def pending_abuse(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = _form(request, PeriodForm)
    context: dict[str, Any] = {"form": form, "agents": None}
    if form.is_valid():
        start, end = form.bounds()
        try:
            flags = reports.pending_abuse(user=user, start=start, end=end)
        except DomainError as error:
            form.add_error("end" if error.field == "to" else None, error.message)
        else:
            fmt = _format(request)
            if fmt:
                sheets = report_exports.abuse_sheets(flags)
                return report_exports.download(
                    sheets, fmt=fmt, stem="sla-pending-abuse", start=start, end=end
                )
            agents: dict[str, list[dict[str, Any]]] = {}
            for flag in flags:
                agents.setdefault(flag.agent, []).append(
                    {"flag": flag, "target": TARGET_LABELS.get(flag.target, flag.target)}
                )
            context.update(agents=agents, query=form_query(form))
    status = 200 if form.is_valid() else 400
    return render(request, "sla/pages/pending_abuse.html", context, status=status)
