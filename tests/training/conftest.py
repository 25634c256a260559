from __future__ import annotations

from collections.abc import Callable

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from tests.api.conftest import ApiClient


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        return ApiClient(api_token_create(user=user, name="tests")[1]) if user else ApiClient()

    return make
