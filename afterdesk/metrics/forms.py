"""Forms of the performance pages: they parse and validate input; selectors and services decide.

Periods are chosen as a week or month containing a date, or as custom `from`/`to` bounds. Dates
mean local midnight in the desk time zone (settings.TIME_ZONE); `from`/`to` also accept an
ISO 8601 instant with an offset (links from published scorecards carry their exact bounds).
The period is [from, to): `to` is not included.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.core.timeutil import MAX_YEAR, MIN_YEAR, parse_instant, year_check
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.selectors import TemplateGroups, period_bounds

DEFAULT_TEMPLATE = "first_line"
TEMPLATE_FILE_MAX_BYTES = 256 * 1024
PERIOD_CHOICES = [("week", _("Week")), ("month", _("Month")), ("custom", _("Custom"))]


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def desk_today() -> date:
    return datetime.now(desk_zone()).date()


def last_complete_day(kind: str) -> date:
    """A day of the last complete week or month (the default period: a period still running
    would show half-made figures, docs/ui.md, "Periods")."""
    today = desk_today()
    if kind == "week":
        return today - timedelta(days=7)
    return today.replace(day=1) - timedelta(days=1)


def _year_check(value: date) -> None:
    """A form error for a date or instant outside the supported years (docs/api.md, "Periods")."""
    try:
        year_check(value)
    except ValueError as error:
        raise forms.ValidationError(
            _("Enter a date in the years %(min)s to %(max)s."),
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        ) from error


def _bound(value: str) -> datetime:
    """A local date (midnight in the desk time zone) or an ISO instant with an offset."""
    try:
        bound = datetime.combine(date.fromisoformat(value), time.min, tzinfo=desk_zone())
    except ValueError:
        try:
            bound = parse_instant(value)
        except ValueError as error:
            with contextlib.suppress(ValueError):  # a time whose offset leaves the calendar
                _year_check(date.fromisoformat(value[:10]))
            raise forms.ValidationError(_("Enter a date (YYYY-MM-DD).")) from error
    _year_check(bound)
    return bound


class PeriodForm(forms.Form):
    """A period (and, with `with_template`, a stored scorecard template). Always bound: missing
    values take their defaults (this week, the first-line template).

    With `own_templates`, `template` may be blank: each agent under their own template
    (docs/metrics.md, "Positions and templates"); a stored template is then the what-if view,
    everyone under it. With `with_groups`, `own_template` picks one template group of the own
    templates (blank: every group, or the view's default group)."""

    template = forms.ChoiceField(label=_("Template"))
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES)
    date = forms.DateField(
        label=_("Containing"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kinds: tuple[str, ...] = ("week", "month", "custom")
    with_template = True
    own_templates = False
    with_groups = False
    defaults: ClassVar[dict[str, str]] = {"period": "week"}

    def __init__(self, query: QueryDict | dict[str, str], **kwargs: Any) -> None:
        data: dict[str, Any] = {key: query.get(key, "") for key in query}
        for name, value in self.defaults.items():
            data[name] = data.get(name) or value
        keys: list[tuple[str, str]] = []
        if self.with_template:
            keys = list(ScorecardTemplate.objects.values_list("key", "name"))
            if not data.get("template") and keys and not self.own_templates:
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
            if self.own_templates:
                template_field.label = _("Score under")
                template_field.required = False
                template_field.choices = [("", _("Each agent’s own template"))] + [
                    (key, _("What-if: everyone under %(template)s") % {"template": label})
                    for key, label in template_field.choices
                ]
        else:
            del self.fields["template"]
        if self.with_groups:
            self.fields["own_template"] = forms.ChoiceField(
                label=_("Template group"),
                required=False,
                choices=[("", _("All template groups"))] + [(key, key) for key, _name in keys],
            )
        self.start: datetime | None = None
        self.end: datetime | None = None

    def clean_date(self) -> Any:
        day = self.cleaned_data.get("date")
        if day is not None:
            _year_check(day)
        return day

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
            day = data.get("date") or last_complete_day(kind)
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

    @property
    def what_if(self) -> str:
        """The what-if template's key ("" when each agent is under their own template)."""
        return str(self.cleaned_data.get("template") or "") if self.with_template else ""

    @property
    def own_template(self) -> str:
        """The chosen template group ("" in the what-if view or when none is chosen)."""
        if not self.with_groups or self.what_if:
            return ""
        return str(self.cleaned_data.get("own_template") or "")

    def period_query(self) -> str:
        """The validated period (and template) as a query string, for links to other pages."""
        if self.start is None or self.end is None:
            raise ValueError("period_query() needs a valid form")
        params = {"period": "custom", "from": _link_bound(self.start), "to": _link_bound(self.end)}
        if self.with_template and (self.what_if or not self.own_templates):
            params = {"template": self.cleaned_data["template"], **params}
        if self.own_template:
            params = {"own_template": self.own_template, **params}
        return urlencode(params)

    def bounds_query(self) -> str:
        """The validated period alone (links that add their own template)."""
        if self.start is None or self.end is None:
            raise ValueError("bounds_query() needs a valid form")
        return urlencode(
            {"period": "custom", "from": _link_bound(self.start), "to": _link_bound(self.end)}
        )

    def groups_show(self, groups: TemplateGroups, shown: str, *, every: bool) -> None:
        """The group picker lists the template groups in use (the viewer's own first) and shows
        `shown` ("" = all groups when `every`); in the what-if view it is disabled."""
        field = cast(forms.ChoiceField, self.fields["own_template"])
        choices: list[tuple[str, str]] = [("", str(_("All template groups")))] if every else []
        for group in groups.groups:
            label = _("%(name)s v%(version)s (%(key)s)") % {
                "name": group.name,
                "version": group.version.number,
                "key": group.key,
            }
            if group.yours:
                label = _("%(template)s · yours") % {"template": label}
            choices.append((group.key, label))
        if shown and groups.get(shown) is None:
            choices.append((shown, shown))
        field.choices = choices
        if self.what_if:
            field.widget.attrs["disabled"] = True
        self.data = {**self.data, "own_template": shown}


def _link_bound(moment: datetime) -> str:
    """A date when the bound is local midnight in the desk zone, else the exact instant."""
    local = moment.astimezone(desk_zone())
    if local.time() == time.min and _bound(local.date().isoformat()) == moment:
        return local.date().isoformat()
    return moment.isoformat()


class ScorecardForm(PeriodForm):
    """The scorecard page and publishing: own templates (all groups or one) or what-if."""

    own_templates = True
    with_groups = True


class LeaderboardForm(ScorecardForm):
    kinds = ("week", "month")


class AgentPeriodForm(PeriodForm):
    """One agent's scorecard: under their own template, or what-if under a stored one."""

    own_templates = True


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
    """The tickets behind a figure, with the template (and version) that scored its row: no
    version is the template's latest (the what-if view); a blank template is the agent's own
    template, else the built-in one (an agent without a template)."""

    own_templates = True
    agent = forms.CharField(max_length=150)
    kpi = forms.ChoiceField(choices=[(kpi, kpi) for kpi in KPI_IDS])
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def back_query(self) -> str:
        """The agent page's query: the what-if template when the figure came from one."""
        if self.what_if and self.cleaned_data.get("version") is None:
            return self.period_query()
        return self.bounds_query()


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
            % {
                "reason": RULE_TEXT.shown(error.msg),
                "line": error.lineno,
                "column": error.colno,
            }
        ) from error
    if not isinstance(data, dict):
        raise forms.ValidationError(_("A template must be a JSON object."))
    return data


class MetricsSettingsForm(forms.Form):
    public_leaderboard = forms.BooleanField(
        label=_("Public leaderboard: agents may see every agent's rank and total score"),
        required=False,
    )


class TemplateAssignmentForm(forms.Form):
    """Assign a template (or none) to a position or to one agent from a date on; the service
    `assignments.template_assign` validates the target and records the change."""

    target = forms.ChoiceField(
        label=_("For"), choices=[("position", _("a position")), ("agent", _("one agent"))]
    )
    position = forms.CharField(
        label=_("Position"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"list": "position-names"}),
    )
    agent = forms.CharField(
        label=_("Agent"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"list": "agent-names"}),
    )
    template = forms.ChoiceField(label=_("Template"), required=False)
    effective_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("00:00 UTC of this day; empty: from the beginning"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = ScorecardTemplate.objects.order_by("name").values_list("key", "name")
        field = cast(forms.ChoiceField, self.fields["template"])
        field.choices = [("", _("— no template —")), *templates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("target")
        if target == "position" and not (data.get("position") or "").strip():
            self.add_error("position", _("Name the position."))
        if target == "agent" and not data.get("agent"):
            self.add_error("agent", _("Name the agent."))
        return data
