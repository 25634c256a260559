"""Who learns of changes to tickets' event logs: `tickets_changed` (docs/architecture.md,
"The event log").

Every write that appends events (the services in `tickets.services`, the history import's
refresh of existing tickets) calls its consumers in the same transaction, once per chunk of
changed tickets, with:

- `tickets`: the tickets' heads `(pk, created_at, calendar id)`,
- `events`: ticket pk → its events in event order (`log_reader.EventRow`),
- `cache`: a dict that lives for one call of `tickets_log_changed`, for the consumers' own
  look-ups (e.g. calendars).

The metrics app registers the per-ticket facts here (`metrics.apps`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from afterdesk.core.consumers import ConsumerRegistry
from afterdesk.tickets.log_reader import ticket_history_load

tickets_changed = ConsumerRegistry("tickets changed")

CHUNK = 2000


def tickets_log_changed(*, ticket_ids: Iterable[int], chunk_size: int = CHUNK) -> None:
    """Tell the consumers that these tickets' logs changed: each chunk's events are read once
    and handed to every consumer."""
    if not tickets_changed.consumers:
        return
    ids = list(ticket_ids)
    cache: dict[str, Any] = {}
    for start in range(0, len(ids), chunk_size):
        tickets, events = ticket_history_load(ticket_ids=ids[start : start + chunk_size])
        tickets_changed.notify(tickets=tickets, events=events, cache=cache)
