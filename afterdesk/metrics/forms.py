"""Forms of the performance pages: they parse and validate input; selectors and services decide.

Periods are chosen as a week or month containing a date, or as custom `from`/`to` bounds. Dates
mean local midnight in the desk time zone (settings.TIME_ZONE); `from`/`to` also accept an
ISO 8601 instant with an offset (links from published scorecards carry their exact bounds).
The period is [from, to): `to` is not included.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any, ClassVar, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from afterdesk.core.timeutil import parse_instant
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.selectors import period_bounds

DEFAULT_TEMPLATE = "first_line"
TEMPLATE_FILE_MAX_BYTES = 256 * 1024
PERIOD_CHOICES = [("week", _("Week")), ("month", _("Month")), ("custom", _("Custom"))]


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def desk_today() -> date:
    return datetime.now(desk_zone()).date()


def _bound(value: str) -> datetime:
    """A local date (midnight in the desk time zone) or an ISO instant with an offset."""
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=desk_zone())
    except ValueError:
        pass
    try:
        return parse_instant(value)
    except ValueError as error:
        raise forms.ValidationError(_("Enter a date (YYYY-MM-DD).")) from error


class PeriodForm(forms.Form):
    """A period (and, with `with_template`, a stored scorecard template). Always bound: missing
    values take their defaults (this week, the first-line template)."""

    template = forms.ChoiceField(label=_("Template"))
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES)
    date = forms.DateField(
        label=_("Containing"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kinds: tuple[str, ...] = ("week", "month", "custom")
    with_template = True
    defaults: ClassVar[dict[str, str]] = {"period": "week"}

    def __init__(self, query: QueryDict | dict[str, str], **kwargs: Any) -> None:
        data: dict[str, Any] = {key: query.get(key, "") for key in query}
        for name, value in self.defaults.items():
            data[name] = data.get(name) or value
        keys: list[tuple[str, str]] = []
        if self.with_template:
            keys = list(ScorecardTemplate.objects.values_list("key", "name"))
            if not data.get("template") and keys:
                known = any(key == DEFAULT_TEMPLATE for key, _name in keys)
                data["template"] = DEFAULT_TEMPLATE if known else keys[0][0]
        super().__init__(data, **kwargs)
        for name, label in (("from", _("From")), ("to", _("To (not included)"))):
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=40,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        period_field = cast(forms.ChoiceField, self.fields["period"])
        period_field.choices = [c for c in PERIOD_CHOICES if c[0] in self.kinds]
        if self.with_template:
            template_field = cast(forms.ChoiceField, self.fields["template"])
            template_field.choices = [(key, f"{name} ({key})") for key, name in keys]
        else:
            del self.fields["template"]
        self.start: datetime | None = None
        self.end: datetime | None = None

    def clean_from(self) -> datetime | None:
        value = self.cleaned_data.get("from") or ""
        return _bound(value) if value else None

    def clean_to(self) -> datetime | None:
        value = self.cleaned_data.get("to") or ""
        return _bound(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period")
        if kind in ("week", "month"):
            day = data.get("date") or desk_today()
            containing = datetime.combine(day, time(12), tzinfo=desk_zone())
            self.start, self.end = period_bounds(kind=kind, containing=containing)
        elif kind == "custom" and not self.errors:
            start, end = data.get("from"), data.get("to")
            if start is None:
                self.add_error("from", _("Enter the first day of the period."))
            if end is None:
                self.add_error("to", _("Enter the day after the period."))
            if start is not None and end is not None:
                if start >= end:
                    self.add_error("to", _("“To” must be after “from”."))
                else:
                    self.start, self.end = start, end
        return data

    def period_query(self) -> str:
        """The validated period (and template) as a query string, for links to other pages."""
        if self.start is None or self.end is None:
            raise ValueError("period_query() needs a valid form")
        params = {"period": "custom", "from": _link_bound(self.start), "to": _link_bound(self.end)}
        if self.with_template:
            params = {"template": self.cleaned_data["template"], **params}
        return urlencode(params)


def _link_bound(moment: datetime) -> str:
    """A date when the bound is local midnight in the desk zone, else the exact instant."""
    local = moment.astimezone(desk_zone())
    if local.time() == time.min and _bound(local.date().isoformat()) == moment:
        return local.date().isoformat()
    return moment.isoformat()


class LeaderboardForm(PeriodForm):
    kinds = ("week", "month")


class SegmentForm(PeriodForm):
    with_template = False
    defaults: ClassVar[dict[str, str]] = {"period": "week", "dimension": "language"}
    dimension = forms.ChoiceField(
        label=_("By"),
        choices=[
            ("language", _("Language")),
            ("market", _("Market")),
            ("platform", _("Platform")),
            ("channel", _("Channel")),
            ("category", _("Category")),
            ("shift", _("Shift")),
        ],
    )


class DrilldownForm(PeriodForm):
    agent = forms.CharField(max_length=150)
    kpi = forms.ChoiceField(choices=[(kpi, kpi) for kpi in KPI_IDS])


class TemplateJsonForm(forms.Form):
    """A template definition typed as JSON; template_parse (via template_save) checks it."""

    definition = forms.CharField(
        label=_("Template JSON"),
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "perf-json"}),
    )

    def clean_definition(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data["definition"])


class TemplateImportForm(forms.Form):
    file = forms.FileField(label=_("Template file (.json)"))

    def clean_file(self) -> dict[str, Any]:
        upload = cast(UploadedFile, self.cleaned_data["file"])
        if (upload.size or 0) > TEMPLATE_FILE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s KB.")
                % {"size": TEMPLATE_FILE_MAX_BYTES // 1024}
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        return _json_object(text)


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _("Not valid JSON: %(reason)s (line %(line)s, column %(column)s).")
            % {"reason": error.msg, "line": error.lineno, "column": error.colno}
        ) from error
    if not isinstance(data, dict):
        raise forms.ValidationError(_("A template must be a JSON object."))
    return data


class MetricsSettingsForm(forms.Form):
    public_leaderboard = forms.BooleanField(
        label=_("Public leaderboard: agents may see every agent's rank and total score"),
        required=False,
    )
