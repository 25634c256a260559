"""The history's lines of the events Afterdesk writes itself (routing, automations, return
steps): their codes by label, and their English texts in the reader's language through the
sentences the writing apps registered (`afterdesk.core.event_text`; the tickets app does not
import them). The event itself keeps its English and codes (docs/history.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from afterdesk.core.event_text import event_text_shown
from afterdesk.tickets.triage_reasons import TRIAGE_REASON

# The steps of a return case (events.RETURN_STEPS) and the outcomes of a `return` event
# (events.RETURN_OUTCOMES), as the history names them.
RETURN_STEP_LABELS = {
    "requested": gettext_lazy("Return requested"),
    "approval_requested": gettext_lazy("Approval requested"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "label_sent": gettext_lazy("Return label sent"),
    "in_transit": gettext_lazy("In transit"),
    "received": gettext_lazy("Parcel received"),
    "inspected": gettext_lazy("Items inspected"),
    "retention_offered": gettext_lazy("Offer to keep the item"),
    "retention_answered": gettext_lazy("Buyer answered the offer"),
    "refunded": gettext_lazy("Refunded"),
    "refund_failed": gettext_lazy("Refund failed"),
    "manual_refund_due": gettext_lazy("Marketplace refund due"),
    "manual_refund_confirmed": gettext_lazy("Marketplace refund confirmed"),
    "resolved": gettext_lazy("Resolved"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "policy_override": gettext_lazy("Policy overridden"),
}
RETURN_OUTCOME_LABELS = {
    "kept_no_refund": gettext_lazy("Kept without refund"),
    "kept_partial_refund": gettext_lazy("Kept with partial refund"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "exchange": gettext_lazy("Exchange shipped"),
    "return_refund": gettext_lazy("Returned and refunded"),
    "refund_no_return": gettext_lazy("Refund without return"),
    "reship": gettext_lazy("Reship"),
}


def _label(labels: dict[str, Any], code: Any) -> str:
    return str(labels.get(str(code), code))


def routing_line(fields: dict[str, Any]) -> str:
    # The reason is the decision in words, written by the routing app (docs/routing.md).
    reason = event_text_shown("routing", "reason", str(fields.get("reason", "")))
    return _("Routing: %(reason)s") % {"reason": reason}


def automation_line(fields: dict[str, Any]) -> str:
    # The rule and what its actions did, or why it failed (docs/automations.md).
    actions = [
        event_text_shown("automation", "actions", str(a)) for a in fields.get("actions") or []
    ]
    done = pgettext("between clauses", "; ").join(actions)
    if not done:
        done = event_text_shown("automation", "error", str(fields.get("error", "")))
    return _("Automation %(rule)s: %(done)s") % {"rule": fields.get("rule", ""), "done": done}


def return_step_line(fields: dict[str, Any]) -> str:
    # A return case's step (docs/returns.md); the note or the platform's error beside it,
    # each read with the sentences of its step.
    step = str(fields.get("step", ""))
    if fields.get("note"):
        detail = event_text_shown("return_step", f"note.{step}", str(fields["note"]))
    else:
        detail = event_text_shown("return_step", "error", str(fields.get("error") or ""))
    return _("Return %(rma)s: %(step)s %(detail)s") % {
        "rma": fields.get("rma", ""),
        "step": _label(RETURN_STEP_LABELS, step),
        "detail": detail,
    }


def triage_reason_shown(reason: str) -> str:
    # The engine's reasons, or an agent's note or correction (docs/triage.md).
    return TRIAGE_REASON.shown(reason)


def return_outcome_line(fields: dict[str, Any]) -> str:
    line = _("Return outcome: %(outcome)s") % {
        "outcome": _label(RETURN_OUTCOME_LABELS, fields.get("outcome"))
    }
    if fields.get("amount") is not None:
        amount = f"{fields['amount']} {fields.get('currency', '')}".strip()
        line += f" ({amount})"
    return line
