"""The English sentences routing writes into a `routing` event's reason (services.py,
assign.py, rules.py), as msgids: the event keeps English (the history format exports it) and
the ticket's history shows it in the reader's language (`afterdesk.core.event_text`, filled
in `RoutingConfig.ready`). Names of rules, teams, agents and tags are shown as written;
priorities and presences by their labels; other codes (a language, an issue type, a
platform) as written."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from afterdesk.core.event_text import event_text_register

ROUTING_REASONS = (
    # services.py: the rule, what it set, and who got the ticket.
    gettext_noop("rule “%(rule)s” (%(held)s)"),
    gettext_noop("rule “%(rule)s” (%(held)s): %(did)s"),
    gettext_noop("team %(team)s"),
    gettext_noop("priority %(priority)s"),
    gettext_noop("tags %(tags)s"),
    gettext_noop("assigned to %(agent)s by the rule"),
    gettext_noop("no rule matched"),
    gettext_noop("%(agent)s offline since %(since)s (over %(minutes)s min)"),
    gettext_noop("no team to reassign within: unassigned"),
    # rules.py: the conditions that held.
    gettext_noop("every ticket"),
    gettext_noop("channel %(code)s"),
    gettext_noop("platform %(code)s"),
    gettext_noop("market %(code)s"),
    gettext_noop("language %(code)s"),
    gettext_noop("issue %(code)s"),
    gettext_noop("store %(code)s"),
    gettext_noop("tag %(tags)s"),
    gettext_noop("customer tag %(tags)s"),
    gettext_noop("order value %(amount)s"),
    gettext_noop("risk %(risk)s"),
    # assign.py: the agent chosen, and why not the others.
    gettext_noop("team %(team)s assigns by hand"),
    gettext_noop("no agent of %(team)s available"),
    gettext_noop("no agent of %(team)s available (%(skipped)s)"),
    gettext_noop("%(agent)s %(presence)s"),
    gettext_noop("%(agent)s off shift"),
    gettext_noop("%(agent)s full (%(load)s of %(capacity)s)"),
    gettext_noop("%(agent)s does not handle %(what)s"),
    gettext_noop("unknown issues"),
    gettext_noop("direct"),
    gettext_noop("nobody available speaks %(code)s"),
    gettext_noop("routed to %(agent)s: %(skills)s (%(how)s)"),
    gettext_noop("speaks %(code)s"),
    gettext_noop("handles %(code)s"),
    gettext_noop("on %(code)s"),
    gettext_noop("on shift"),
    gettext_noop("%(load)s of %(capacity)s slots used"),
    gettext_noop("the buyer's previous agent"),
    gettext_noop("round robin"),
    gettext_noop("least loaded"),
    gettext_noop("skipped %(agents)s"),
    gettext_noop("skipped %(agents)s and %(count)s more"),
)
# Names and codes shown as written.
LITERAL = ("rule", "team", "agent", "tags", "code", "since")


def routing_text_register() -> None:
    from afterdesk.routing.models import Presence
    from afterdesk.tickets.models import Priority

    choices: dict[str, dict[str, Any]] = {
        "priority": dict(Priority.choices),
        "presence": dict(Presence.choices),
    }
    event_text_register("routing", "reason", ROUTING_REASONS, literal=LITERAL, choices=choices)
