"""Who learns of changes to tickets' event logs: `tickets_changed` (docs/architecture.md,
"The event log").

Every write that appends events calls its consumers in the same transaction: each action of
`tickets.services` once, at the end of its `ticket_change` (with the log it already holds:
nothing is read again); the history import's refresh of existing tickets once per chunk of
changed tickets. The arguments:

- `tickets`: the tickets' heads `(pk, created_at, calendar id)`,
- `events`: ticket pk → its whole log in event order (`log_reader.EventRow`),
- `cache`: a dict that lives for one notification, for the consumers' own look-ups (e.g.
  calendars),
- `appended`: ticket pk → the ids of the events the change appended after every event
  stored before it (an action's usual change); a ticket not in it changed otherwise (an
  import, a late event). What a consumer derived from the earlier events of an appended
  ticket may be kept; the others are recomputed as a whole.

The metrics app registers the per-ticket facts here (`metrics.apps`).

`reply_written`: an agent's public reply was written (`tickets.services.message_reply`), in its
transaction, after its attachments are saved; arguments `ticket` and `event` (the reply's
`message` event). The channels app queues the reply's email here (`channels.apps`).

`reply_checking`: an agent's public reply is about to be written (`message_reply`), before
anything is stored; arguments `ticket`, `body` and `attachments` (the checked
`AttachmentIn`s). A consumer refuses the reply by raising a `core.errors.DomainError` (the
API answers its status, the page shows its message). The channels app refuses here what a
marketplace relay would refuse (`channels.apps`).

`tickets_opened`: tickets were opened by a buyer's message, in their transaction; arguments
`tickets` (the new Ticket objects) and `risks` (ticket pk → the triage's risk, 0 without
one). `ticket_create` tells it inside the ticket's first change, after the message and the
triage are recorded (not yet written): what a consumer records through `ticket_change` joins
that change. The batches of `tickets.services.batch` tell it after the batch is written, with
`risks` empty (read the triage events). The routing app assigns them here (`routing.apps`).
"""

from __future__ import annotations

from afterdesk.core.consumers import ConsumerRegistry

tickets_changed = ConsumerRegistry("tickets changed")
reply_written = ConsumerRegistry("reply written")
reply_checking = ConsumerRegistry("reply checking")
tickets_opened = ConsumerRegistry("tickets opened")
