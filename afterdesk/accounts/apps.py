from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "afterdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_language_keep, dispatch_uid="accounts.language_keep")


def _language_keep(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A person who never chose a language keeps the one they signed in with (the cookie's or
    the browser's), so their emails come in it; a choice made with the switch stays."""
    from afterdesk.accounts.services import user_language_set

    code = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    if code and not getattr(user, "language", "x"):
        user_language_set(user=user, language=code)
