"""Message intelligence on arrival, before routing: language, issue type, risk and a suggested
priority, each with its reason (docs/triage.md). Pure logic: imports nothing from the desk.

    from afterdesk.triage import triage_message
    result = triage_message(subject, body)  # a frozen Triage
"""

from afterdesk.triage.engine import Match, Triage, priority_raise, triage_message

__all__ = ["Match", "Triage", "priority_raise", "triage_message"]
