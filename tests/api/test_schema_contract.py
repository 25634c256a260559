"""Regressions found by fuzzing the API against its schema (tests/api/test_schemathesis.py):
each answer the API gives is one the schema documents."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from afterdesk.accounts.models import User
from afterdesk.api.api import api
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_every_operation_taking_input_documents_422() -> None:
    schema = api.get_openapi_schema()
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if (operation.get("parameters") or operation.get("requestBody"))
        and "422" not in {str(status) for status in operation["responses"]}
    ]
    assert missing == []


def test_every_operation_needing_a_caller_documents_401_and_403() -> None:
    """Anonymous: 401; signed in without the right (an agent on the configuration): 403."""
    schema = api.get_openapi_schema()
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
        and not {"401", "403"} <= {str(status) for status in operation["responses"]}
    ]
    assert missing == []


@pytest.mark.parametrize(
    "path", ["/channels/integrations", "/channels/meta/pages", "/channels/widgets"]
)
def test_configuration_lists_refuse_agents_with_a_documented_403(
    api_as: Callable[[User], ApiClient], agent: User, path: str
) -> None:
    response = api_as(agent).get(f"/api{path}")
    assert response.status_code == 403
    assert 403 in api.get_openapi_schema()["paths"][f"/api{path}"]["get"]["responses"]


@pytest.mark.parametrize(
    "path", ["/api/template-assignments?date=-5e298", "/api/template-assignments/history?limit=0"]
)
def test_template_assignments_refuse_bad_query_with_a_documented_422(
    api_as: Callable[[User], ApiClient], admin_user: User, path: str
) -> None:
    response = api_as(admin_user).client.get(path, headers=api_as(admin_user).headers)
    assert response.status_code == 422
    operation = api.get_openapi_schema()["paths"][path.split("?")[0]]["get"]
    assert 422 in operation["responses"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("ticket_id=-911309167245740474368", "ticket_id"),  # was a 500: integer overflow
        ("ticket_id=0", "ticket_id"),
        ("state=%00", "state"),  # PostgreSQL cannot compare text with NUL: was a 500 there
        ("state=lost", "state"),
    ],
)
def test_relay_deliveries_refuse_bad_filters_with_422(
    api_as: Callable[[User], ApiClient], admin_user: User, query: str, field: str
) -> None:
    client = api_as(admin_user)
    response = client.client.get(f"/api/channels/relay/deliveries?{query}", headers=client.headers)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


def test_relay_payloads_refuse_an_unknown_state_with_422(
    api_as: Callable[[User], ApiClient], admin_user: User
) -> None:
    client = api_as(admin_user)
    response = client.client.get("/api/channels/relay/payloads?state=%00", headers=client.headers)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "state"
    ok = client.client.get("/api/channels/relay/payloads?state=failed", headers=client.headers)
    assert ok.status_code == 200
