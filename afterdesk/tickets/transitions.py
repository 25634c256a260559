"""Status transitions, checked in one place (docs/api.md, "Tickets"): every service that sets
a status (a reply's status, a status change; the API and the pages call them) asks
`status_transition_check` first.

`new` is only the state before anything happened: a ticket starts `new` (`state.replay_state`),
a reply opens it, and no change leads back to it. Any other known status may follow any
status; a closed ticket takes no replies (the reply service's 409)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Status


def status_transition_check(*, current: str, target: str, reply: bool = False) -> None:
    """A 422 naming `status` unless `target` may follow `current` (the same status is fine:
    nothing changes). With `reply`, the status a reply sets: the ticket has a reply then, so
    it cannot be (or stay) `new`."""
    if target not in Status.values:
        raise ValidationError(
            f"unknown status {target!r}; use {', '.join(Status.values)}", field="status"
        )
    if target == Status.NEW and (reply or current != Status.NEW):
        raise ValidationError(
            _("a ticket cannot be set to new: new is only the state before anything happened"),
            field="status",
        )
