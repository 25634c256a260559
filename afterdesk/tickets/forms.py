"""Forms of the ticket UI: they parse and validate input; the services decide."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Platform
from afterdesk.tickets.models import (
    MESSAGE_BODY_MAX_CHARS,
    Category,
    Channel,
    Priority,
    Status,
)
from afterdesk.tickets.selectors import InboxFilters, assignable_agents, teams_all
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS

UNSOLVED = ",".join([Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD])


class InboxFilterForm(forms.Form):
    """The inbox's GET filters; an unknown value is ignored rather than failing the page."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", _("Any status")), (UNSOLVED, _("Unsolved")), *Status.choices],
    )
    assignee = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", _("Any channel")), *Channel.choices])
    platform = forms.ChoiceField(
        required=False, choices=[("", _("Any platform")), *Platform.choices]
    )
    language = forms.CharField(required=False, max_length=10)
    category = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any category")),
            *Category.choices,
            # triage's issue types that are not among the categories above (damaged, …)
            *((code, label) for code, label in ISSUE_TYPE_LABELS.items() if code not in Category),
        ],
    )
    priority = forms.ChoiceField(
        required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    tag = forms.CharField(required=False, max_length=50)
    q = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = [(user.username, str(user)) for user in assignable_agents()]
        assignee_field = cast(forms.ChoiceField, self.fields["assignee"])
        assignee_field.choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *agents,
        ]
        team_field = cast(forms.ChoiceField, self.fields["team"])
        team_field.choices = [("", _("Any team")), *((t.name, t.name) for t in teams_all())]
        self.fields["language"].widget.attrs.update(placeholder=_("Language"), size=4)
        self.fields["tag"].widget.attrs.update(placeholder=_("Tag"), size=8)
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("Search subject, text, #number"), "size": 24}
        )

    def filters(self) -> InboxFilters:
        self.is_valid()
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors and value
        }
        return InboxFilters(
            status=data.get("status"),
            assignee=data.get("assignee"),
            team=data.get("team"),
            channel=data.get("channel"),
            platform=data.get("platform"),
            language=data.get("language"),
            category=data.get("category"),
            priority=data.get("priority"),
            tag=data.get("tag"),
            text=data.get("q"),
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        max_length=MESSAGE_BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Write a reply to the buyer…")}),
    )
    status = forms.ChoiceField(
        label=_("and set status"),
        required=False,
        choices=[("", _("keep status")), *((v, lbl) for v, lbl in Status.choices if v != "new")],
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=MESSAGE_BODY_MAX_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "Only agents see notes. The buyer never does. Type @username to notify a "
                    "colleague."
                ),
            }
        ),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("Unassigned")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Keep team")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = assignable_agents()
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams_all()


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[(v, lbl) for v, lbl in Status.choices if v != "new"]
    )


class _ChoicesOnce(CallableChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if not hasattr(self, "_read"):
            self._read = list(super().__iter__())
        return iter(self._read)


def _escalation_choices() -> list[Any]:
    """Teams, then people who can take tickets: read when the form renders or validates."""
    return [
        ("", _("Choose a team or a person")),
        (_("Teams"), [(f"team:{team.pk}", team.name) for team in teams_all()]),
        (_("People"), [(f"user:{user.pk}", str(user)) for user in assignable_agents()]),
    ]


class EscalateForm(forms.Form):
    """Escalate to a team (its supervisors are notified) or a person (notified), with a reason
    (docs/notifications.md, "Escalations"). `to` cleans to the Team or the User."""

    to = forms.ChoiceField(label=_("Escalate to"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Why this needs someone else")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once per form, when first rendered or validated (a fresh form that is never
        # shown reads nothing): the select and its `required` check share the list.
        cast(forms.ChoiceField, self.fields["to"]).choices = _ChoicesOnce(_escalation_choices)

    def clean_to(self) -> Team | User:
        kind, _sep, pk = str(self.cleaned_data["to"]).partition(":")
        found: Team | User | None = (
            teams_all().filter(pk=pk).first()
            if kind == "team"
            else assignable_agents().filter(pk=pk).first()
        )
        if found is None:  # gone since the page was shown
            raise forms.ValidationError(_("Choose a team or a person from the list."))
        return found
