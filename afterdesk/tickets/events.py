"""The event types of the history format (docs/history.md, "Event types"): their fields,
canonical form and fingerprint. Used by the ticket services and by history import/export
alike, so an event written by a click and the same event read from a file are one and the
same."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from afterdesk.core.timeutil import format_instant, parse_instant


@dataclass(frozen=True)
class EventSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # required fields that may be null (an assignment's agent: null unassigns)
    nullable: tuple[str, ...] = ()


# Fields besides `type`, `ticket` and `at`.
EVENT_SPECS: dict[str, EventSpec] = {
    "message": EventSpec(required=("kind",), optional=("agent", "body")),
    "assign": EventSpec(required=("agent",), optional=("team",), nullable=("agent",)),
    "status": EventSpec(required=("status",), optional=("agent",)),
    "escalate": EventSpec(required=("agent",), optional=("to", "reason")),
    "complaint": EventSpec(required=("agent",), optional=("body",)),
    "csat": EventSpec(required=("rating",), optional=("comment",)),
    "return": EventSpec(required=("outcome",), optional=("amount", "currency")),
    "qa_review": EventSpec(required=("agent", "score"), optional=("reviewer", "rubric")),
    # Written by Afterdesk itself (an SLA clock); exported and imported like the others.
    "sla_warning": EventSpec(required=("target",), optional=("policy", "due")),
    "sla_breach": EventSpec(required=("target",), optional=("policy", "due")),
    # An agent decided the buyer's messages so far need no answer ("no response needed"):
    # the running reply clock stops without a reply (docs/sla.md, "Clocks").
    "no_reply": EventSpec(required=("agent",), optional=()),
    # Written by Afterdesk (triage of a buyer's first message) or, with `agent`, an agent's
    # correction of it (docs/history.md, "Events Afterdesk writes itself").
    "triage": EventSpec(
        required=("language", "issue_type", "risk", "risk_flags", "priority", "reason"),
        optional=("agent",),
    ),
    # Written by Afterdesk's routing (docs/routing.md): why a new ticket went to its team and
    # agent, or why it was moved; the assignment itself is the `assign` event beside it.
    "routing": EventSpec(required=("reason",), optional=("rule", "priority", "tags")),
    # Written by Afterdesk's automations (docs/automations.md): a rule fired on the ticket, what
    # started it and what its actions did (in words), or why it failed (`error`).
    "automation": EventSpec(required=("rule", "trigger", "actions"), optional=("error",)),
    # A step of a return case (docs/returns.md): `rma` names the case, `step` one of
    # RETURN_STEPS; the final outcome is the `return` event beside the `resolved` step.
    "return_step": EventSpec(
        required=("rma", "step"),
        optional=("agent", "note", "amount", "currency", "refund_id", "error"),
    ),
}
# The event types Afterdesk writes itself rather than a person or a channel (docs/history.md,
# "Events Afterdesk writes itself"); the facts and KPIs ignore them.
SLA_EVENT_TYPES = frozenset({"sla_warning", "sla_breach"})
SYSTEM_EVENT_TYPES = SLA_EVENT_TYPES | {"triage", "routing", "automation", "return_step"}
# The steps of a return case (docs/returns.md, "Steps"), as `return_step` events name them.
RETURN_STEPS = (
    "requested",
    "approval_requested",
    "approved",
    "rejected",
    "label_sent",
    "in_transit",
    "received",
    "inspected",
    "retention_offered",
    "retention_answered",
    "refunded",
    "refund_failed",
    "manual_refund_due",
    "manual_refund_confirmed",
    "resolved",
    "withdrawn",
    "policy_override",
)
SLA_TARGETS = ("first_reply", "next_reply", "periodic_update", "resolution")
# A triage event's issue types and risk flags: the ones `afterdesk.triage` decides on (the
# tickets app does not import it; tests/triage/test_triage_events.py keeps the lists equal).
TRIAGE_ISSUE_TYPES = (
    "not_received",
    "size_issue",
    "quality_issue",
    "wrong_item",
    "missing_item",
    "damaged",
    "usage_question",
    "return_request",
    "refund_request",
    "dispute",
    "presale_question",
    "other",
)
TRIAGE_RISK_FLAGS = (
    "chargeback",
    "atoz_claim",
    "paypal_dispute",
    "platform_claim",
    "legal",
    "bad_review",
    "negative_sentiment",
)
TRIAGE_LANGUAGE_MAX_LENGTH = 10  # Ticket.language
TRIAGE_REASON_MAX_LENGTH = 4000

RETURN_OUTCOMES_RETAINED = frozenset({"kept_no_refund", "kept_partial_refund", "withdrawn"})
RETURN_OUTCOMES = RETURN_OUTCOMES_RETAINED | frozenset(
    {"exchange", "return_refund", "refund_no_return", "reship"}
)
MESSAGE_KINDS = ("inbound", "reply", "auto", "note")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
# Which field of each event type is copied to TicketEvent.subtype / TicketEvent.score.
SUBTYPE_FIELD = {
    "message": "kind",
    "status": "status",
    "return": "outcome",
    "sla_warning": "target",
    "sla_breach": "target",
    "triage": "issue_type",
    "return_step": "step",
}
SCORE_FIELD = {"csat": "rating", "qa_review": "score", "triage": "risk"}
# Fields that name an agent id (username) and must reference a known agent.
AGENT_FIELDS = ("agent", "reviewer")


def canonical_value(value: Any) -> Any:
    """JSON values compared as values: 5 and 5.0 are the same number."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: canonical_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical_value(item) for item in value]
    return value


def canonical_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Drop null optional fields (docs/history.md, "Idempotence": null is the same as left out)."""
    spec = EVENT_SPECS[kind]
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None and key not in spec.nullable:
            continue
        if kind == "message" and key == "body" and value == "":
            # A message's body lives in its Message row, where "" and no body look alike;
            # treating them as one keeps export → import idempotent (docs/history.md).
            continue
        result[key] = canonical_value(value)
    return result


def event_fingerprint(kind: str, at: datetime, fields: dict[str, Any]) -> str:
    """Identity of an event within its ticket: type, instant and canonical fields."""
    payload = {"type": kind, "at": format_instant(at), "fields": canonical_fields(kind, fields)}
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def event_columns(kind: str, fields: dict[str, Any]) -> tuple[str, float | None]:
    """The (subtype, score) columns copied out of the fields for indexed SQL."""
    subtype_field = SUBTYPE_FIELD.get(kind)
    score_field = SCORE_FIELD.get(kind)
    subtype = str(fields.get(subtype_field, "")) if subtype_field else ""
    score = fields.get(score_field) if score_field else None
    return subtype, float(score) if score is not None else None


def sla_deadline(fields: dict[str, Any]) -> tuple[str, datetime | None]:
    """What identifies an `sla_breach` within its ticket: its target and its deadline (`due`
    as an instant, whatever the offset; None when left out, a deadline of its own). At most
    one `sla_breach` exists per ticket and deadline (docs/history.md). `due` must be valid."""
    due = fields.get("due")
    return str(fields["target"]), parse_instant(due) if due is not None else None
