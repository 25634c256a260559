"""Template helpers of the ticket UI: readable history lines and choice labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.db.models import TextChoices
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from afterdesk.commerce.models import Platform
from afterdesk.core.timeutil import parse_instant
from afterdesk.tickets.history_text import (
    automation_line,
    return_outcome_line,
    return_step_line,
    routing_line,
    triage_reason_shown,
)
from afterdesk.tickets.models import Category, Channel, Priority, Status, TicketEvent
from afterdesk.tickets.triage_labels import (
    ISSUE_TYPE_LABELS,
    issue_type_label,
    language_label,
    risk_flag_label,
)

register = template.Library()

CHOICES: dict[str, type[TextChoices]] = {
    "channel": Channel,
    "category": Category,
    "platform": Platform,
    "priority": Priority,
    "status": Status,
}


@register.filter
def choice_label(value: str, kind: str) -> str:
    """The translated label of a free-string field (channel, category) or the value itself."""
    labels: dict[str, object] = dict(CHOICES[kind].choices)
    if kind == "category":  # triage's issue types are categories too
        labels = {**ISSUE_TYPE_LABELS, **labels}
    return str(labels.get(value, value))


@register.filter
def choice_labels(values: Iterable[str], kind: str) -> str:
    """A list of codes (a rule's conditions) as their translated labels, comma-separated;
    `kind` as `choice_label`'s, or "language"."""
    if kind == "language":
        return ", ".join(language_label(value) for value in values)
    return ", ".join(choice_label(value, kind) for value in values)


def _who(event: TicketEvent) -> str:
    if event.agent is not None:
        return str(event.agent)
    return str(event.fields.get("agent") or _("Someone"))


def _message_line(event: TicketEvent) -> str:
    who = _who(event)
    return {
        "inbound": _("Customer wrote"),
        "reply": _("%(who)s replied") % {"who": who},
        "auto": _("Automatic message sent"),
        "note": _("%(who)s added an internal note") % {"who": who},
    }.get(event.subtype, _("Message"))


def _assign_line(event: TicketEvent) -> str:
    team = event.fields.get("team")
    if event.fields.get("agent") is None:
        line = _("Unassigned")
    else:
        line = _("Assigned to %(agent)s") % {"agent": _who(event)}
    if team:
        line += " (" + _("team %(team)s") % {"team": team} + ")"
    return line


def _status_line(event: TicketEvent, previous: str) -> str:
    labels = dict(Status.choices)
    line = _("Status: %(old)s → %(new)s") % {
        "old": labels.get(previous, previous),
        "new": labels.get(event.subtype, event.subtype),
    }
    if event.fields.get("agent"):
        line += " · " + _who(event)
    return line


SLA_TARGET_LABELS = {
    "first_reply": gettext_lazy("first reply"),
    "next_reply": gettext_lazy("next reply"),
    "periodic_update": gettext_lazy("periodic update"),
    "resolution": gettext_lazy("resolution"),
}


def _sla_line(event: TicketEvent) -> str:
    """ "SLA warning: first reply due 10-01 10:00" (the due in the page's time zone, written
    as the event times are), "SLA breach: resolution"; the policy, when named, after a dot."""
    fields = event.fields
    values = {"target": str(SLA_TARGET_LABELS.get(event.subtype, event.subtype))}
    breach = event.kind == "sla_breach"
    if fields.get("due"):
        values["due"] = dateformat.format(
            timezone.localtime(parse_instant(fields["due"])), "m-d H:i"
        )
        if breach:
            line = _("SLA breach: %(target)s due %(due)s") % values
        else:
            line = _("SLA warning: %(target)s due %(due)s") % values
    elif breach:
        line = _("SLA breach: %(target)s") % values
    else:
        line = _("SLA warning: %(target)s") % values
    if fields.get("policy"):
        line += f" · {fields['policy']}"
    return line


def _triage_line(event: TicketEvent) -> str:
    """ "Triage: Wrong item · German · risk 45: Legal threat · priority High", or "Anna
    corrected the triage: …" for an agent's correction; the reason is shown under the line
    (tickets/partials/history.html)."""
    fields = event.fields
    values = {
        "issue": issue_type_label(str(fields.get("issue_type", ""))),
        "language": language_label(str(fields.get("language", ""))),
    }
    if fields.get("agent"):
        values["who"] = _who(event)
        line = _("%(who)s corrected the triage: %(issue)s · %(language)s") % values
    else:
        line = _("Triage: %(issue)s · %(language)s") % values
    risk = _("risk %(risk)s") % {"risk": fields.get("risk", 0)}
    flags = [risk_flag_label(str(flag)) for flag in fields.get("risk_flags", [])]
    line += f" · {risk}" + (f": {', '.join(flags)}" if flags else "")
    priority = str(dict(Priority.choices).get(fields.get("priority", ""), fields.get("priority")))
    return line + " · " + _("priority %(priority)s") % {"priority": priority}


def _other_line(event: TicketEvent) -> str:
    fields = event.fields
    if event.kind == "escalate":
        line = _("%(who)s escalated") % {"who": _who(event)}
        if fields.get("to"):
            line += " " + _("to %(to)s") % {"to": fields["to"]}
        return f"{line}: {fields['reason']}" if fields.get("reason") else line
    if event.kind == "csat":
        line = _("CSAT %(rating)s") % {"rating": fields.get("rating")}
        return f"{line}: “{fields['comment']}”" if fields.get("comment") else line
    if event.kind == "complaint":
        return _("Complaint about %(who)s") % {"who": _who(event)}
    if event.kind == "return":
        return return_outcome_line(fields)
    if event.kind in ("sla_warning", "sla_breach"):
        return _sla_line(event)
    if event.kind == "triage":
        return _triage_line(event)
    if event.kind == "qa_review":
        return _("QA review of %(who)s: %(score)s") % {"who": _who(event), "score": fields["score"]}
    if event.kind == "no_reply":
        return _("%(who)s: no response needed") % {"who": _who(event)}
    if event.kind == "routing":
        return routing_line(fields)
    if event.kind == "automation":
        return automation_line(fields)
    if event.kind == "return_step":
        return return_step_line(fields)
    return str(event.get_kind_display())


@register.filter
def triage_reason(value: object) -> str:
    """A triage event's reason (English in the event) in the reader's language."""
    return triage_reason_shown(str(value or ""))


@register.simple_tag
def history_lines(events: Iterable[TicketEvent]) -> list[tuple[TicketEvent, str]]:
    """Each event with a readable line, in event order; status lines show the transition."""
    lines: list[tuple[TicketEvent, str]] = []
    status = Status.NEW.value
    for event in events:
        text: Any
        if event.kind == "message":
            text = _message_line(event)
        elif event.kind == "assign":
            text = _assign_line(event)
        elif event.kind == "status":
            text = _status_line(event, status)
            status = event.subtype
        else:
            text = _other_line(event)
        lines.append((event, str(text)))
    return lines
