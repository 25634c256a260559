"""`{{ connection.last_error|store_text }}`: a stored store text (a sync's error or result, a
webhook delivery's reason) in the reader's language (afterdesk.stores.phrases)."""

from __future__ import annotations

from django import template

from afterdesk.stores.phrases import STORE_TEXT

register = template.Library()


@register.filter
def store_text(value: object) -> str:
    return STORE_TEXT.shown(str(value or ""))
