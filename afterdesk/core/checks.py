"""System checks of Afterdesk's own settings (`afterdesk check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from afterdesk.core.secret_key import secret_key_weakness


@register(Tags.security, deploy=True)
def secret_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A weak or built-in SECRET_KEY fails the deploy check (README "Configuration")."""
    weakness = secret_key_weakness(str(settings.SECRET_KEY))
    if weakness is None:
        return []
    return [
        Error(
            f"SECRET_KEY is weak: {weakness}.",
            hint="Unset SECRET_KEY to use the random key Afterdesk keeps in "
            "$AFTERDESK_DATA_DIR/secret_key, or set a random string of 50 or more characters.",
            id="afterdesk.E001",
        )
    ]


METRICS_TOKEN_MIN_LENGTH = 32


@register(Tags.security, deploy=True)
def metrics_token_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A short AFTERDESK_METRICS_TOKEN fails the deploy check: it guards /metrics, whose
    figures tell an attacker the traffic and routes (README "Configuration")."""
    token = str(getattr(settings, "AFTERDESK_METRICS_TOKEN", ""))
    if not token or len(token) >= METRICS_TOKEN_MIN_LENGTH:
        return []
    return [
        Error(
            f"AFTERDESK_METRICS_TOKEN is shorter than {METRICS_TOKEN_MIN_LENGTH} characters.",
            hint="Set a random string, e.g. `openssl rand -hex 32`, or unset it (then /metrics "
            "answers 404).",
            id="afterdesk.E002",
        )
    ]
