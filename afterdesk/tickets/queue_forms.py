"""Forms of the work queue: the inbox's view, sort and filters (GET), the bulk actions and the
saved views (POST). They parse; the selectors and services decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Store
from afterdesk.tickets.forms import InboxFilterForm
from afterdesk.tickets.models import SavedView, Status
from afterdesk.tickets.queue import SORTS, VIEWS, default_view, view_filters
from afterdesk.tickets.selectors import InboxFilters, assignable_agents

# The query keys the inbox understands; anything else is dropped from links and saved views.
QUERY_KEYS = (
    "view",
    "sort",
    "q",
    "status",
    "assignee",
    "team",
    "channel",
    "platform",
    "store",
    "category",
    "priority",
    "language",
    "tag",
)

LABELS = {
    "view": _("View"),
    "sort": _("Sort by"),
    "q": _("Search"),
    "status": _("Status"),
    "assignee": _("Assignee"),
    "team": _("Team"),
    "channel": _("Channel"),
    "platform": _("Platform"),
    "store": _("Store"),
    "category": _("Issue type"),
    "priority": _("Priority"),
    "language": _("Language"),
    "tag": _("Tag"),
}


def clean_query(raw: str) -> str:
    """An inbox query string with only the inbox's own keys (page dropped): safe to put after
    the inbox's address, whatever a link or a saved view carried."""
    given = QueryDict(raw[:2000])
    kept = QueryDict(mutable=True)
    for key in QUERY_KEYS:
        value = given.get(key, "")
        if value:
            kept[key] = value[:200]
    return kept.urlencode()


class QueueFilterForm(InboxFilterForm):
    """The inbox's filters plus the queue's view, sort and store."""

    view = forms.ChoiceField(required=False, choices=[(k, v.label) for k, v in VIEWS.items()])
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()))
    store = forms.ChoiceField(required=False)

    field_order = ["view", "sort", "q", "status", "assignee", "team", "channel", "platform"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        stores = [(str(store.pk), store.name) for store in Store.objects.order_by("name")]
        store_field = cast(forms.ChoiceField, self.fields["store"])
        store_field.choices = [("", _("Any store")), *stores]
        for name, label in LABELS.items():
            self.fields[name].label = label
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("Any issue type")),
            *list(self.fields["category"].choices)[1:],  # type: ignore[attr-defined]
        ]

    def explicit_view(self) -> str:
        """The view the URL names, "" when none (or an unknown one)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return "" if "view" in self.errors else str(data.get("view") or "")

    def current_view(self) -> str:
        """The URL's view; without one, a search looks through every ticket one may see (a
        tracking number is found whoever has the ticket), else the person's default."""
        if self.explicit_view():
            return self.explicit_view()
        if self.filters().text:
            return "all"
        return default_view(sees_all_tickets=self.user.sees_all_tickets)

    def queue_filters(self, *, now: datetime) -> InboxFilters:
        """The view's filters, each replaced by the one the URL names explicitly."""
        explicit = self.filters()
        data = getattr(self, "cleaned_data", {})
        merged: dict[str, Any] = view_filters(self.current_view(), now=now)
        named = ("status", "assignee", "team", "channel", "platform", "language", "category")
        for name in (*named, "priority", "tag", "text"):
            if getattr(explicit, name):
                merged[name] = getattr(explicit, name)
        if data.get("store") and "store" not in self.errors:
            merged["store"] = int(data["store"])
        if data.get("sort") and "sort" not in self.errors:
            merged["sort"] = data["sort"]
        return replace(InboxFilters(), **merged)


class TicketIdsField(forms.TypedMultipleChoiceField):
    """Any ticket id: whether the user may see the ticket is the selector's question."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class BulkForm(forms.Form):
    """One action on the ticked tickets of the list."""

    ACTIONS = [
        ("assign", _("Assign")),
        ("status", _("Set status")),
        ("tag", _("Add tag")),
        ("merge", _("Merge into the first ticked")),
    ]

    ticket = TicketIdsField(coerce=int, label=_("Tickets"))
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    # By username: the page lists the agents the filters already read (no second query).
    agent = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
        empty_label=_("Nobody"),
    )
    status = forms.ChoiceField(
        label=_("New status"),
        required=False,
        choices=[("", "—"), *((v, lbl) for v, lbl in Status.choices if v != "new")],
    )
    tag = forms.CharField(label=_("Tag to add"), required=False, max_length=50)
    inbox = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = assignable_agents()

    def clean_ticket(self) -> list[int]:
        return list(dict.fromkeys(self.cleaned_data["ticket"]))  # in the order ticked

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Type the tag to add."))
        if action == "merge" and len(data.get("ticket") or []) < 2:
            self.add_error("ticket", _("Tick at least two tickets to merge."))
        return data


class SavedViewForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ["name", "query"]
        labels = {"name": _("Name of this view")}
        widgets = {"query": forms.HiddenInput}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.user = user

    def clean_query(self) -> str:
        return clean_query(self.cleaned_data.get("query") or "")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if SavedView.objects.filter(user=self.instance.user, name=name).exists():
            raise forms.ValidationError(_("You already have a view with this name."))
        return name
