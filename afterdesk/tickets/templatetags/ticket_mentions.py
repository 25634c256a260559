"""`{{ text|mentions }}`: a note's text escaped, with its @mentions highlighted
(docs/notifications.md, "Mentions")."""

from __future__ import annotations

from django import template

from afterdesk.notifications.mentions import mentions_highlight

register = template.Library()
register.filter("mentions", mentions_highlight, is_safe=True)
