"""SLA state of tickets that arrive with their history (docs/sla.md, "State and the sweep"):
a history import's new open tickets get their deadlines by the same code as a live change
(`state.states_store`), in one pass over them after the rows are written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from afterdesk.sla.state import policies_load, policy_for, states_store, tickets_read
from afterdesk.tickets.log_reader import ticket_history_load
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

CHUNK = 5000


def states_store_imported(ticket_ids: Sequence[int], *, chunk: int = CHUNK) -> int:
    """Compute and store the SLA state of the open ones (not solved, not closed) of these
    new tickets: they are the ones with a deadline to come. One query picks them (by the id
    range, the import's new ids being close together); then per chunk one query reads their
    attributes and the policies, and only the tickets a policy matches have their logs read
    (one query) and their state written (one upsert). Returns the number of states stored.
    Nothing is read when no policy is enabled. A solved imported ticket gets its clocks for
    the reports from `afterdesk sla rebuild`."""
    policies = policies_load()
    if not policies or not ticket_ids:
        return 0
    wanted = set(ticket_ids)
    rows = (
        Ticket.objects.filter(pk__gte=min(wanted), pk__lte=max(wanted))
        .exclude(status__in=SOLVED_STATUSES)
        .values_list("pk", flat=True)
    )
    ids = sorted(pk for pk in rows if pk in wanted)
    cache: dict[str, Any] = {"sla_policies": policies}
    done = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        attrs, _stored, _current = tickets_read(part)
        matched = [pk for pk in part if pk in attrs and policy_for(policies, attrs[pk])]
        if not matched:
            continue
        heads, events = ticket_history_load(ticket_ids=matched)
        done += len(states_store(tickets=heads, events=events, cache=cache))
    return done
