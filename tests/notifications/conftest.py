"""The shared local SMTP server (tests/smtp.py) for the email copies, and an API client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from tests.api.conftest import ApiClient
from tests.smtp import Mailbox, free_port, smtp_server  # noqa: F401 - the shared SMTP server
from tests.smtp import smtp_settings as shared_smtp_settings


def smtp_settings(port: int) -> dict[str, Any]:
    return shared_smtp_settings(
        port,
        sender="Afterdesk <desk@desk.example>",
        AFTERDESK_PUBLIC_URL="https://desk.example",
    )


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make
