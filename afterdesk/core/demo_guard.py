"""Whether `afterdesk serve` loads the demo data set, whose users share a published password.

The demo is loaded only when asked for (`--demo`), only into an empty database, and never on a
server running with DEBUG off unless forced (`--force-demo`): a production server (DEBUG off)
must not come up with `admin / afterdesk-demo` because someone copied a command line.
"""

from __future__ import annotations

import enum


class DemoDecision(enum.Enum):
    LOAD = "load"  # asked for, allowed, database empty
    NOT_REQUESTED = "not requested"
    NOT_EMPTY = "database not empty"  # asked for and allowed, but there is data already
    REFUSED = "refused"  # asked for with DEBUG off and not forced: the command must stop


DEMO_REFUSED_MESSAGE = (
    "Refusing to load the demo data: DEBUG is off, and the demo's users share a published "
    "password (admin / afterdesk-demo). Use `make run` (or add --force-demo) on a machine of "
    "your own, set DEBUG=1 for development, or drop --demo on a real server."
)


def demo_refused(*, requested: bool, forced: bool, debug: bool) -> bool:
    """Asked for on a server with DEBUG off, and not forced. Independent of the database, so
    the command stops before migrating anything."""
    return requested and not debug and not forced


def demo_decision(
    *, requested: bool, forced: bool, debug: bool, database_empty: bool
) -> DemoDecision:
    if not requested:
        return DemoDecision.NOT_REQUESTED
    if demo_refused(requested=requested, forced=forced, debug=debug):
        return DemoDecision.REFUSED
    return DemoDecision.LOAD if database_empty else DemoDecision.NOT_EMPTY
