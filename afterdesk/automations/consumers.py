"""What starts a rule (docs/automations.md, "How a rule fires"), registered in `automations.apps`.

The consumers run inside the triggering change's transaction, so they only note what
happened (no query: the write path's statements are counted) and hand it to a task once the
change has committed; the rules then run in transactions of their own. A change a rule's
actions made carries that rule (`engine.acting_rule`), which it will not trigger again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from afterdesk.automations.engine import acting_rule
from afterdesk.automations.models import Trigger
from afterdesk.parcels.models import ParcelStall
from afterdesk.tickets.log_reader import EventRow
from afterdesk.tickets.models import Ticket

# An event kind (and message kind) → the trigger it is.
_KIND_TRIGGERS = {
    "status": Trigger.STATUS_CHANGED,
    "sla_warning": Trigger.SLA_WARNING,
    "sla_breach": Trigger.SLA_BREACH,
    "csat": Trigger.CSAT_RECEIVED,
}


def _triggers_of(rows: list[EventRow], appended: set[int]) -> list[tuple[str, str]]:
    first_inbound = next(
        (row.id for row in rows if row.kind == "message" and row.subtype == "inbound"), None
    )
    found = []
    if rows and all(row.id in appended for row in rows):
        # The whole log is new: the ticket was just opened (by a buyer's message, a batch, or
        # an agent through the API or a phone call).
        found.append((Trigger.TICKET_CREATED.value, "created"))
    for row in rows:
        if row.id not in appended:
            continue
        if row.kind == "message" and row.subtype == "inbound":
            if row.id != first_inbound:  # the first message is the ticket's creation
                found.append((Trigger.MESSAGE_RECEIVED.value, f"event:{row.id}"))
        elif row.kind in _KIND_TRIGGERS:
            found.append((_KIND_TRIGGERS[row.kind].value, f"event:{row.id}"))
    return found


def _later(work: list[tuple[int, str, str]], skip_rule: int | None) -> None:
    if not work:
        return

    def run() -> None:
        from afterdesk.automations.tasks import triggers_enqueue

        triggers_enqueue(work, skip_rule)

    # robust: a failure to queue (logged) never turns the committed change into an error.
    transaction.on_commit(run, robust=True)


def tickets_changed_automate(
    *,
    events: dict[int, list[EventRow]],
    appended: dict[int, list[int]] | None = None,
    **_: Any,
) -> None:
    """`tickets_changed`: the events an action appended (an import's refresh appends none:
    a history import never fires rules)."""
    work = []
    for ticket_id, ids in (appended or {}).items():
        for trigger, key in _triggers_of(events.get(ticket_id, []), set(ids)):
            work.append((ticket_id, trigger, key))
    _later(work, acting_rule())


def parcel_stalled_automate(stall: ParcelStall) -> None:
    """`parcels.consumers.stall_subscribe`: after the stall's commit, the open tickets about
    the parcel's order."""
    from afterdesk.automations.tasks import triggers_enqueue

    ticket_ids = (
        Ticket.objects.filter(orders__shipments=stall.shipment_id)
        .exclude(status="closed")
        .values_list("pk", flat=True)
        .distinct()
    )
    work = [
        (ticket_id, Trigger.PARCEL_STALLED.value, f"stall:{stall.pk}") for ticket_id in ticket_ids
    ]
    if work:
        triggers_enqueue(work, None)
