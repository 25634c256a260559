"""The English sentences an automation writes into its `automation` event (engine.py): what
each action did (`actions`) and why a firing failed (`error`), as msgids. The event keeps
English (the history format exports it, the firings list and the webhook read it); the
ticket's history shows it in the reader's language (`afterdesk.core.event_text`, filled in
`AutomationsConfig.ready`). Names, tags, templates, addresses and codes are shown as
written; priorities and statuses by their labels."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from afterdesk.core.event_text import event_text_register

AUTOMATION_ACTIONS = (
    gettext_noop("set %(what)s"),
    gettext_noop("priority %(priority)s"),
    gettext_noop("status %(status)s"),
    gettext_noop("assigned %(who)s"),
    gettext_noop("assigned %(who)s in %(team)s"),
    gettext_noop("assigned nobody"),
    gettext_noop("assigned nobody in %(team)s"),
    gettext_noop("tagged %(tags)s"),
    gettext_noop("replied with %(template)s as %(agent)s"),
    gettext_noop("added a note"),
    gettext_noop("notified %(who)s"),
    gettext_noop("called %(url)s"),
    gettext_noop("scheduled a CSAT survey in %(hours)s h"),
    gettext_noop("issued coupon %(code)s from %(pool)s"),
    gettext_noop("issued coupon %(code)s from %(pool)s in a reply"),
)
AUTOMATION_ERRORS = (
    gettext_noop("fired %(count)s times on this ticket already (the limit)"),
    gettext_noop(
        "a templated reply needs an agent to send as: the ticket has no assignee and the "
        "rule no 'send as' agent"
    ),
    gettext_noop("the reply template %(template)s no longer exists"),
    gettext_noop("the template %(template)s cannot be sent: %(errors)s"),
    gettext_noop("no active agent %(agent)s"),
    gettext_noop("no team %(team)s"),
    gettext_noop("nobody to notify among %(who)s"),
    gettext_noop("webhook refused: %(reason)s"),
    gettext_noop("no coupon pool %(pool)s"),
    gettext_noop("the coupon pool %(pool)s has no code left"),
    gettext_noop("the ticket is closed; a closed ticket takes no more replies"),
)
LITERAL = ("who", "team", "tags", "template", "agent", "url", "code", "pool", "errors")


def automation_text_register() -> None:
    from afterdesk.tickets.models import Priority, Status

    choices: dict[str, dict[str, Any]] = {
        "priority": dict(Priority.choices),
        "status": dict(Status.choices),
    }
    event_text_register(
        "automation", "actions", AUTOMATION_ACTIONS, literal=LITERAL, choices=choices
    )
    event_text_register("automation", "error", AUTOMATION_ERRORS, literal=LITERAL)
