"""The English sentences of a `triage` event's reason, as msgids: the reasons the triage
engine gives (triage/engine.py, triage/language.py), joined by the intake as "language: …;
issue: …; risk: …" (channels/services/intake.py), and an agent's correction
(services/triage.py). The event keeps English (the history format exports it); the ticket's
history shows the reason in the reader's language (`TRIAGE_REASON.shown`, read as
`afterdesk.core.event_text` reads the other apps' texts). The buyer's words, codes and scores
are shown as written; issue types, risk flags and priorities by their labels."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from afterdesk.core.event_text import EventText
from afterdesk.tickets.models import Priority
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS, RISK_FLAG_LABELS

TRIAGE_REASONS = (
    gettext_noop("language: %(reason)s"),
    gettext_noop("issue: %(reason)s"),
    gettext_noop("risk: %(reason)s"),
    # language.py
    gettext_noop("lingua: %(summary)s"),
    gettext_noop("ambiguous (lingua: %(summary)s)"),
    gettext_noop("%(code)s %(score)s, next %(next)s %(next_score)s"),
    gettext_noop("too short to tell (%(count)s letters)"),
    gettext_noop("%(count)s Chinese characters and no Japanese kana"),
    gettext_noop("Japanese kana in the text"),
    gettext_noop("Korean Hangul in the text"),
    gettext_noop("Arabic script"),
    gettext_noop("Cyrillic script"),
    # engine.py: the issue
    gettext_noop("no issue phrase matched"),
    gettext_noop("matched %(words)s (%(issue)s, score %(score)s)"),
    gettext_noop("before it %(reason)s"),
    gettext_noop("less: %(scores)s"),
    gettext_noop("ignored negated %(words)s"),
    gettext_noop("%(words)s said of the money (%(word)s)"),
    gettext_noop("claim already filed: %(words)s (%(flag)s) with %(word)s"),
    # engine.py: the risk
    gettext_noop("no risk phrase matched"),
    gettext_noop("%(reason)s → risk %(risk)s, priority %(priority)s"),
    gettext_noop("%(flag)s %(points)s: %(why)s"),
    gettext_noop("%(flag)s %(points)s: %(why)s (below %(from)s, no flag)"),
    gettext_noop("%(flag)s %(points)s: %(why)s (part of the A-to-z or PayPal claim, no flag)"),
    gettext_noop("written in capitals"),
    # tickets/services/triage.py: what an agent's correction changed
    gettext_noop("language %(old)s → %(new)s"),
    gettext_noop("issue type %(old)s → %(new)s"),
    gettext_noop("risk flags %(old)s → %(new)s"),
    gettext_noop("confirmed"),
    gettext_noop("none"),
)
LITERAL = (
    "code",
    "score",
    "next",
    "next_score",
    "words",
    "word",
    "scores",
    "points",
)


# An issue type or a risk flag is matched among its codes only (the buyer's words beside it
# may hold anything) and shown by its label.
CHOICES: dict[str, dict[str, Any]] = {
    "priority": dict(Priority.choices),
    "issue": dict(ISSUE_TYPE_LABELS),
    "flag": dict(RISK_FLAG_LABELS),
}
TRIAGE_REASON = EventText(TRIAGE_REASONS, LITERAL, CHOICES)
