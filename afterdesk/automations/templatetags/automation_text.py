"""`{{ firing|firing_done }}`: what a firing did (its actions) or why it failed, kept in English
on the firing and its event, in the reader's language (automations.phrases)."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext

from afterdesk.automations.models import Firing
from afterdesk.core.event_text import event_text_shown

register = template.Library()


@register.filter
def firing_done(firing: Firing) -> str:
    if firing.error:
        return event_text_shown("automation", "error", firing.error)
    actions = [event_text_shown("automation", "actions", str(a)) for a in firing.actions or []]
    return pgettext("between clauses", "; ").join(actions)
