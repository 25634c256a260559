"""Startup check of the training settings: a bad reminder threshold is named at startup, not
by a failing daily task."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def reminder_days_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from afterdesk.training.services.reminders import reminder_days

    try:
        reminder_days()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="training.E001")]
    return []
