"""The calendar form: one text field per weekday ("09:00-12:00, 13:00-18:00")."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from afterdesk.calendars.business_time import WEEKDAY_KEYS
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_validate, markets_validate
from afterdesk.core.errors import ValidationError

WEEKDAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def intervals_text(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals)


class CalendarForm(forms.Form):
    key = forms.SlugField(label=_("Id"), max_length=100)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    tz = forms.ChoiceField(
        label=_("Time zone"), choices=[(z, z) for z in sorted(available_timezones())]
    )
    holidays = forms.CharField(
        label=_("Holidays (one YYYY-MM-DD per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    markets = forms.CharField(
        label=_("Markets"),
        required=False,
        help_text=_("e.g. DE, AT: their public holidays close this calendar too"),
    )

    def __init__(self, *args: Any, calendar: Calendar | None = None, **kwargs: Any) -> None:
        if calendar is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "key": calendar.key,
                "name": calendar.name,
                "tz": calendar.tz,
                "holidays": "\n".join(calendar.own_holidays),
                "markets": ", ".join(calendar.markets),
                **{day: intervals_text(calendar.hours.get(day, [])) for day in WEEKDAY_KEYS},
            }
        super().__init__(*args, **kwargs)
        for day in WEEKDAY_KEYS:
            self.fields[day] = forms.CharField(
                label=WEEKDAY_LABELS[day],
                required=False,
                help_text=_("e.g. 09:00-12:00, 13:00-18:00; empty = closed"),
            )
        if calendar is not None:
            self.fields["key"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAY_KEYS:
            parts = [p for p in (data.get(day) or "").split(",") if p.strip()]
            intervals = []
            for part in parts:
                match = _INTERVAL.match(part)
                if not match:
                    self.add_error(day, _("Write intervals as HH:MM-HH:MM, separated by commas."))
                    break
                intervals.append([_pad(match.group(1)), _pad(match.group(2))])
            hours[day] = intervals
        holidays = [
            line.strip() for line in (data.get("holidays") or "").splitlines() if line.strip()
        ]
        markets = [m.strip().upper() for m in (data.get("markets") or "").split(",") if m.strip()]
        if self.errors:
            return data
        try:
            _tz, data["hours"], data["holiday_list"] = calendar_validate(
                tz=data.get("tz"), hours=hours, holidays=holidays
            )
            data["market_list"] = markets_validate(markets)
        except ValidationError as exc:
            field = (exc.field or "").removeprefix("hours.")
            self.add_error(field if field in self.fields else None, exc.message)
        return data


def _pad(clock: str) -> str:
    hours, minutes = clock.split(":")
    return f"{int(hours):02d}:{minutes}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class MarketHolidaysForm(forms.Form):
    market = forms.CharField(label=_("Market"), max_length=10, help_text=_("e.g. DE"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    dates = forms.CharField(
        label=_("Public holidays (one YYYY-MM-DD per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean_market(self) -> str:
        return str(self.cleaned_data["market"]).strip().upper()

    def clean_dates(self) -> list[str]:
        return _lines(self.cleaned_data.get("dates") or "")


class TeamSchedulesForm(forms.Form):
    schedules = forms.CharField(
        label=_("Schedules"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One per line: calendar id, market (or *), valid from, valid until (or *), "
            "e.g. berlin DE 2026-12-01 2026-12-31"
        ),
    )

    def clean_schedules(self) -> list[dict[str, str | None]]:
        rows: list[dict[str, str | None]] = []
        for line in _lines(self.cleaned_data.get("schedules") or ""):
            parts = line.split()
            if not 1 <= len(parts) <= 4:
                raise forms.ValidationError(_("Write: calendar market from until."))
            parts += ["*"] * (4 - len(parts))
            calendar, market, start, end = (None if p == "*" else p for p in parts)
            rows.append(
                {
                    "calendar": calendar,
                    "market": (market or "").upper(),
                    "valid_from": start,
                    "valid_until": end,
                }
            )
        return rows


def schedules_text(rows: list[Any]) -> str:
    return "\n".join(
        " ".join(
            [
                row.calendar.key,
                row.market or "*",
                row.valid_from.isoformat() if row.valid_from else "*",
                row.valid_until.isoformat() if row.valid_until else "*",
            ]
        )
        for row in rows
    )
