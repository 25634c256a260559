"""Startup checks of the parcels app (Django system checks, run by `afterdesk serve`,
`afterdesk worker`, `migrate` and `check`): stall settings that cannot be read stop the start
with a message naming the setting, instead of failing the hourly check later."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from afterdesk.core.errors import ValidationError
from afterdesk.parcels.services.stalls import stall_rules_parse


@register()
def stall_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        stall_rules_parse(settings.PARCELS_STALLED_DAYS, settings.PARCELS_STALLED_OVERRIDES)
    except ValidationError as error:
        return [
            Error(
                f"{error.field} cannot be read: {error.message}",
                hint="PARCELS_STALLED_DAYS is a whole number of days (at least 1); "
                "PARCELS_STALLED_OVERRIDES is comma-separated MARKET:carrier=DAYS, * for any "
                "market or carrier, e.g. DE:dhl=5,*:ups=4,US:*=10 "
                '(docs/stores.md, "Stalled parcels").',
                id="parcels.E001",
            )
        ]
    return []
