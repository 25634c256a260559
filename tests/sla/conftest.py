from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from tests.metrics.api.conftest import Api, ApiAs


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make
