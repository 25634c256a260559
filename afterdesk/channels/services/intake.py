"""What a new email ticket is linked to: the buyer (a `commerce.Customer` found or made by
email address), the orders the mail names, and the triage of its first message."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from afterdesk.channels.models import Mailbox
from afterdesk.channels.order_refs import order_numbers, order_refs_find
from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.commerce.services import customer_for_email as commerce_customer_for_email
from afterdesk.tickets.events import TRIAGE_REASON_MAX_LENGTH
from afterdesk.tickets.models import Priority
from afterdesk.triage import Triage, triage_message

logger = logging.getLogger(__name__)

# The store of buyers whose mailbox names none (a customer always belongs to a store).
FALLBACK_STORE_CODE = "email"


def customer_for_email(*, address: str, name: str, store: Store | None) -> Customer:
    """The customer with this email address (in `store` first, else the most recent one
    anywhere), or a new customer of `store` (of the fallback store without one); race-safe
    (`commerce.services.customer_for_email`: two first mails of a new buyer at once make
    one customer)."""
    return commerce_customer_for_email(
        address=address, name=name, store=store, fallback_store=FALLBACK_STORE_CODE
    )


def orders_named(*texts: str) -> list[Order]:
    """The orders whose numbers appear in `texts` (`order_refs`), in the order written."""
    numbers = order_numbers(order_refs_find(*texts))
    if not numbers:
        return []
    found = list(Order.objects.filter(number__in=numbers).select_related("store"))
    rank = {number: index for index, number in enumerate(numbers)}
    return sorted(found, key=lambda order: (rank.get(order.number, len(rank)), order.pk))


@dataclass
class TriageResult:
    language: str = ""
    category: str = ""
    priority: str = Priority.NORMAL
    details: dict[str, Any] = field(default_factory=dict)
    # The decision as `tickets.services.ticket_create(triage=…)` and `ticket_triage_record`
    # take it: the new ticket's `triage` event. None when triage failed.
    decision: dict[str, Any] | None = None


def triage_first_message(*, subject: str, body: str) -> TriageResult:
    """Language, category (the issue type) and priority of a new ticket from its first
    message (`afterdesk.triage.triage_message`), with the reasons kept in `details`. Triage
    failing must not keep a buyer's mail out of the desk: the ticket opens without it, and the
    failure is in `details`."""
    try:
        result = triage_message(subject, body)
    except Exception as error:
        logger.exception("triage failed")
        return TriageResult(details={"error": f"{type(error).__name__}: {error}"})
    details = {key: _plain(value) for key, value in asdict(result).items() if key != "matches"}
    return TriageResult(
        language=result.language[:10],
        category=result.issue_type[:50],
        priority=result.priority if result.priority in Priority.values else Priority.NORMAL,
        details=details,
        decision=triage_decision(result),
    )


def triage_decision(result: Triage) -> dict[str, Any]:
    """A Triage as the arguments of `tickets.services.ticket_triage_record`: the reason is
    the three reasons in one text (language, issue, risk), cut to what the event keeps."""
    reason = (
        f"language: {result.language_reason}; issue: {result.issue_reason}; "
        f"risk: {result.risk_reason}"
    )
    if len(reason) > TRIAGE_REASON_MAX_LENGTH:
        reason = reason[: TRIAGE_REASON_MAX_LENGTH - 1] + "…"
    return {
        "language": result.language[:10],
        "issue_type": result.issue_type,
        "risk": result.risk,
        "risk_flags": list(result.risk_flags),
        "priority": result.priority if result.priority in Priority.values else Priority.NORMAL,
        "reason": reason,
    }


def _plain(value: Any) -> Any:
    """A triage value as JSON (tuples as lists, anything else as text)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def store_of(mailbox: Mailbox | None, orders: list[Order]) -> Store | None:
    """The store a new ticket belongs to: the mailbox's, else the first named order's."""
    if mailbox is not None and mailbox.store_id is not None:
        return mailbox.store
    return orders[0].store if orders else None
