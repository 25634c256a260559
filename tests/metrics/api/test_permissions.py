"""Role × endpoint matrix of the performance API: anonymous 401; agents and QA reviewers
their own figures only (403 for others' data, supervisor and admin operations)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from afterdesk.tickets.models import Ticket
from tests.api.conftest import JSON
from tests.metrics.api.conftest import OCTOBER, ApiAs

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "agent", "qa_reviewer", "supervisor", "admin_user"]
MONTH = {"period": "month", "date": "2026-10-15"}
NEW_TEMPLATE = {**DEFAULT_TEMPLATE_JSON, "id": "matrix", "name": "Matrix"}

ALL = (200, 200, 200, 200)
OWN_ONLY = (403, 403, 200, 200)
SUPERVISORS = (403, 403, 200, 200)
ADMINS = (403, 403, 403, 200)

# method, path, params/body, expected status for agent, qa_reviewer, supervisor, admin
MATRIX: list[tuple[str, str, dict[str, Any], tuple[int, int, int, int]]] = [
    ("get", "/api/kpis", OCTOBER, ALL),
    ("get", "/api/kpis", {**OCTOBER, "agent": "bo"}, OWN_ONLY),
    ("get", "/api/scorecards", OCTOBER, ALL),
    ("get", "/api/scorecards/drilldown", {**OCTOBER, "kpi": "csat_rate"}, ALL),
    ("get", "/api/scorecards/drilldown", {**OCTOBER, "kpi": "csat_rate", "agent": "bo"}, OWN_ONLY),
    (
        "post",
        "/api/scorecards/publish",
        {**OCTOBER, "template": "first_line"},
        (403, 403, 201, 201),
    ),
    ("get", "/api/scorecards/published", {}, ALL),
    ("get", "/api/leaderboards/agents", MONTH, SUPERVISORS),
    ("get", "/api/leaderboards/teams", MONTH, SUPERVISORS),
    ("get", "/api/segments", {**OCTOBER, "dimension": "language"}, SUPERVISORS),
    ("get", "/api/scorecard-templates", {}, ALL),
    ("get", "/api/scorecard-templates/first_line", {}, ALL),
    ("get", "/api/scorecard-templates/first_line/versions/1", {}, ALL),
    ("get", "/api/scorecard-templates/first_line/export", {}, ALL),
    ("post", "/api/scorecard-templates", NEW_TEMPLATE, (403, 403, 403, 201)),
    ("get", "/api/template-assignments", {}, ALL),
    ("get", "/api/template-assignments/history", {}, ALL),
    (
        "post",
        "/api/template-assignments",
        {"template": "gold_agent", "position": "first_line"},
        (403, 403, 403, 201),
    ),
    ("get", "/api/metrics-settings", {}, ALL),
    ("put", "/api/metrics-settings", {"public_leaderboard": True}, ADMINS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected"), MATRIX)
def test_role_matrix(
    api_as: ApiAs,
    request: pytest.FixtureRequest,
    desk: dict[str, list[Ticket]],
    role: str,
    method: str,
    path: str,
    data: dict[str, Any],
    expected: tuple[int, int, int, int],
) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)
    api = api_as(user)
    response = (
        getattr(api, method)(path, **data) if method == "get" else getattr(api, method)(path, data)
    )
    status = 401 if role == "anonymous" else expected[ROLES.index(role) - 1]
    assert response.status_code == status, response.content
    if status >= 400:
        assert set(response.json()) <= {"message", "field"}
        assert response.json()["message"]


def test_session_writes_need_the_csrf_token(admin_user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.get("/api/metrics-settings").status_code == 200
    response = client.put("/api/metrics-settings", {"public_leaderboard": True}, content_type=JSON)
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_the_matrix_covers_every_operation_and_each_declares_its_errors() -> None:
    from afterdesk.api.api import api

    covered = {
        (method, path.replace("first_line", "{key}").replace("/1", "/{number}"))
        for method, path, _data, _expected in MATRIX
    }
    covered.add(("get", "/api/scorecards/published/{published_id}"))  # test_scorecards.py
    operations = {
        (method, path): operation
        for path, item in api.get_openapi_schema()["paths"].items()
        for method, operation in item.items()
        if "performance" in operation.get("tags", [])
    }
    assert set(operations) == covered
    for operation in operations.values():
        assert {"401", "403"} <= {str(status) for status in operation["responses"]}
