"""The ticket page's "Correct" form: an agent's correction of a ticket's triage (language,
issue type, risk flags, priority), written by `services.ticket_triage_correct`."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from afterdesk.tickets.events import TRIAGE_ISSUE_TYPES, TRIAGE_RISK_FLAGS
from afterdesk.tickets.models import Priority, Ticket
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS, LANGUAGE_LABELS, RISK_FLAG_LABELS

NOTE_MAX_LENGTH = 500
# A language code the list does not offer is kept when a ticket already has it ("cs").
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class LanguageField(forms.ChoiceField):
    """The offered languages, or another ISO 639 code the ticket already had."""

    def valid_value(self, value: Any) -> bool:
        return super().valid_value(value) or bool(LANGUAGE_CODE.fullmatch(str(value)))


class TriageForm(forms.Form):
    language = LanguageField(label=_("Language"))
    issue_type = forms.ChoiceField(
        label=_("Issue type"),
        choices=[(code, ISSUE_TYPE_LABELS[code]) for code in TRIAGE_ISSUE_TYPES],
    )
    risk_flags = forms.MultipleChoiceField(
        label=_("Risk flags"),
        required=False,
        choices=[(code, RISK_FLAG_LABELS[code]) for code in TRIAGE_RISK_FLAGS],
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    note = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("Optional: what triage got wrong")}),
    )

    def __init__(self, *args: Any, ticket: Ticket | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages: list[tuple[str, str | Promise]] = list(LANGUAGE_LABELS.items())
        if ticket is not None and ticket.language and ticket.language not in LANGUAGE_LABELS:
            languages.append((ticket.language, ticket.language))  # kept: it may be right
        cast(forms.ChoiceField, self.fields["language"]).choices = languages

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> TriageForm:
        """The form as the ticket stands: its language, category and priority, and the risk
        flags of its latest triage (from the events the ticket page has read already)."""
        latest = None
        for event in ticket.events.all():
            if event.kind == "triage":
                latest = event
        initial = {
            "language": ticket.language,
            "issue_type": ticket.category if ticket.category in TRIAGE_ISSUE_TYPES else "other",
            "risk_flags": list(latest.fields.get("risk_flags", [])) if latest else [],
            "priority": ticket.priority,
        }
        return cls(ticket=ticket, initial=initial)
