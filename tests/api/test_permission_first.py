"""Permission is checked before validation: a caller without the right to a write gets 403,
whatever the path, query and body hold (docs/reliability.md, "Web and API"). The list of
writes is compared with the OpenAPI schema, so a new write cannot be left out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import Role, User
from afterdesk.api.api import api as ninja_api
from tests.factories import UserFactory

from .conftest import JSON, ApiClient

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]

# The writes only some roles may make, with the strongest role still refused.
RESTRICTED: dict[tuple[str, str], str] = {
    ("POST", "/api/routing/rules"): Role.SUPERVISOR,
    ("PUT", "/api/routing/rules/{rule_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/routing/rules/{rule_id}"): Role.SUPERVISOR,
    ("PUT", "/api/routing/agents/{username}"): Role.SUPERVISOR,
    ("PUT", "/api/routing/teams/{team_id}"): Role.SUPERVISOR,
    ("POST", "/api/teams"): Role.SUPERVISOR,
    ("PATCH", "/api/agents/{username}"): Role.SUPERVISOR,
    ("POST", "/api/alerts/{alert_id}/acknowledge"): Role.QA_REVIEWER,
    ("POST", "/api/bonus-rules"): Role.SUPERVISOR,
    ("PUT", "/api/bonus-rules/{rule_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/bonus-rules/{rule_id}"): Role.SUPERVISOR,
    ("POST", "/api/bonus-rules/{rule_id}/statements"): Role.SUPERVISOR,
    ("POST", "/api/calendars"): Role.SUPERVISOR,
    ("PUT", "/api/calendars/{key}"): Role.SUPERVISOR,
    ("DELETE", "/api/calendars/{key}"): Role.SUPERVISOR,
    ("POST", "/api/sla/policies"): Role.SUPERVISOR,
    ("PUT", "/api/sla/policies/{policy_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/sla/policies/{policy_id}"): Role.SUPERVISOR,
    ("PUT", "/api/market-holidays/{market}"): Role.SUPERVISOR,
    ("DELETE", "/api/market-holidays/{market}"): Role.SUPERVISOR,
    ("PUT", "/api/teams/{team_id}/schedules"): Role.SUPERVISOR,
    ("PUT", "/api/customers/{customer_id}/tags"): Role.AGENT,
    ("POST", "/api/scorecards/publish"): Role.QA_REVIEWER,
    ("POST", "/api/scorecard-templates"): Role.SUPERVISOR,
    ("PUT", "/api/metrics-settings"): Role.SUPERVISOR,
    ("POST", "/api/template-assignments"): Role.SUPERVISOR,
    ("POST", "/api/channels/email/inbound"): Role.QA_REVIEWER,
    ("POST", "/api/channels/email/messages/{inbound_id}/retry"): Role.QA_REVIEWER,
    ("POST", "/api/channels/mailboxes"): Role.SUPERVISOR,
    ("PATCH", "/api/channels/mailboxes/{mailbox_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/channels/mailboxes/{mailbox_id}"): Role.SUPERVISOR,
    ("POST", "/api/channels/mailboxes/{mailbox_id}/test"): Role.SUPERVISOR,
    ("POST", "/api/channels/mailboxes/{mailbox_id}/poll"): Role.SUPERVISOR,
    ("POST", "/api/channels/email/deliveries/{delivery_id}/retry"): Role.SUPERVISOR,
    ("POST", "/api/channels/integrations"): Role.SUPERVISOR,
    ("POST", "/api/channels/integrations/{integration_id}/secret"): Role.SUPERVISOR,
    ("PATCH", "/api/channels/integrations/{integration_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/channels/integrations/{integration_id}"): Role.SUPERVISOR,
    ("POST", "/api/channels/meta/pages"): Role.SUPERVISOR,
    ("DELETE", "/api/channels/meta/pages/{page_pk}"): Role.SUPERVISOR,
    ("POST", "/api/channels/widgets"): Role.SUPERVISOR,
    ("DELETE", "/api/channels/widgets/{widget_id}"): Role.SUPERVISOR,
    ("POST", "/api/channels/relay/payloads/{payload_id}/retry"): Role.SUPERVISOR,
    ("POST", "/api/channels/relay/deliveries/{delivery_id}/retry"): Role.SUPERVISOR,
    ("POST", "/api/stores/connections"): Role.SUPERVISOR,
    ("PATCH", "/api/stores/connections/{connection_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/stores/connections/{connection_id}"): Role.SUPERVISOR,
    ("POST", "/api/stores/connections/{connection_id}/sync"): Role.SUPERVISOR,
    ("POST", "/api/stores/connections/{connection_id}/deliveries/{delivery_id}/retry"): (
        Role.SUPERVISOR
    ),
    ("POST", "/api/stores/imports"): Role.SUPERVISOR,
    ("POST", "/api/stores/imports/{import_id}/confirm"): Role.SUPERVISOR,
    ("PUT", "/api/surveys/settings"): Role.SUPERVISOR,
    # templates, articles and return addresses: admins and supervisors (afterdesk/replies/access.py)
    ("POST", "/api/replies/templates"): Role.QA_REVIEWER,
    ("PUT", "/api/replies/templates/{template_id}"): Role.QA_REVIEWER,
    ("DELETE", "/api/replies/templates/{template_id}"): Role.QA_REVIEWER,
    ("POST", "/api/replies/articles"): Role.QA_REVIEWER,
    ("PUT", "/api/replies/articles/{article_id}"): Role.QA_REVIEWER,
    ("DELETE", "/api/replies/articles/{article_id}"): Role.QA_REVIEWER,
    ("PUT", "/api/replies/return-addresses"): Role.QA_REVIEWER,
    # quality reviews: supervisors and admins manage; reviewers review (afterdesk/qa/access.py)
    ("POST", "/api/qa/rubrics"): Role.QA_REVIEWER,
    ("PUT", "/api/qa/rubrics/{rubric_id}"): Role.QA_REVIEWER,
    ("PUT", "/api/qa/settings"): Role.QA_REVIEWER,
    ("POST", "/api/qa/assignments"): Role.QA_REVIEWER,
    ("POST", "/api/qa/assignments/{assignment_id}/sample"): Role.QA_REVIEWER,
    ("POST", "/api/qa/reviews/{review_id}/resolve"): Role.QA_REVIEWER,
    ("POST", "/api/qa/calibrations"): Role.QA_REVIEWER,
    ("POST", "/api/qa/reviews"): Role.AGENT,
    # automations and coupon pools: admins only (afterdesk/automations/access.py)
    ("POST", "/api/automations/rules"): Role.SUPERVISOR,
    ("PUT", "/api/automations/rules/{rule_id}"): Role.SUPERVISOR,
    ("DELETE", "/api/automations/rules/{rule_id}"): Role.SUPERVISOR,
    ("POST", "/api/automations/rules/{rule_id}/enable"): Role.SUPERVISOR,
    ("POST", "/api/automations/coupon-pools"): Role.SUPERVISOR,
    ("POST", "/api/automations/coupon-pools/{pool_id}/codes"): Role.SUPERVISOR,
    # training: trainers (admins and supervisors) manage (afterdesk/training/access.py)
    ("POST", "/api/training/courses"): Role.QA_REVIEWER,
    ("PUT", "/api/training/courses/{course_id}"): Role.QA_REVIEWER,
    ("POST", "/api/training/courses/{course_id}/lessons"): Role.QA_REVIEWER,
    ("POST", "/api/training/banks"): Role.QA_REVIEWER,
    ("POST", "/api/training/banks/{bank_id}/questions"): Role.QA_REVIEWER,
    ("POST", "/api/training/exams"): Role.QA_REVIEWER,
    ("POST", "/api/training/certifications"): Role.QA_REVIEWER,
    ("POST", "/api/training/certifications/{certification_id}/grants"): Role.QA_REVIEWER,
    ("POST", "/api/training/paths"): Role.QA_REVIEWER,
    ("PUT", "/api/training/questions/{question_id}"): Role.QA_REVIEWER,
    ("DELETE", "/api/training/questions/{question_id}"): Role.QA_REVIEWER,
    ("PUT", "/api/training/exams/{exam_id}"): Role.QA_REVIEWER,
    ("DELETE", "/api/training/exams/{exam_id}"): Role.QA_REVIEWER,
    ("PUT", "/api/training/paths/{path_id}"): Role.QA_REVIEWER,
    ("DELETE", "/api/training/paths/{path_id}"): Role.QA_REVIEWER,
    ("POST", "/api/training/drills"): Role.QA_REVIEWER,
    # ... and reviewers (QA reviewers too) grade: agents are refused
    ("POST", "/api/training/reviews/answers/{answer_id}"): Role.AGENT,
    ("POST", "/api/training/reviews/drills/{response_id}"): Role.AGENT,
}
# The writes platforms make without a token, each checking its own signature
# (tests/channels/test_webhooks.py, tests/channels/test_meta.py).
SIGNED = {
    ("POST", "/api/channels/webhook/{integration}"),
    ("POST", "/api/channels/meta/webhook"),
}
# The writes every signed-in role may make (on what they may see: tickets of their teams,
# their own tokens; another team's ticket is a 404 as in tests/api/test_permissions.py).
EVERYONE = {
    ("PUT", "/api/routing/presence"),
    ("POST", "/api/routing/approvals/check"),
    ("POST", "/api/routing/approvals"),
    ("POST", "/api/routing/approvals/{request_id}/decision"),
    ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("POST", "/api/tickets"),
    ("POST", "/api/tickets/{ticket_id}/reply"),
    ("POST", "/api/tickets/{ticket_id}/reply/upload"),
    ("POST", "/api/tickets/{ticket_id}/notes"),
    ("POST", "/api/tickets/{ticket_id}/notes/upload"),
    ("POST", "/api/tickets/{ticket_id}/assign"),
    ("POST", "/api/tickets/{ticket_id}/status"),
    ("POST", "/api/tickets/{ticket_id}/escalate"),
    ("POST", "/api/tickets/{ticket_id}/triage"),
    # one's own notifications (afterdesk/notifications/api.py)
    ("POST", "/api/notifications/read-all"),
    ("POST", "/api/notifications/{notification_id}/read"),
    ("PUT", "/api/notifications/preferences"),
    # Personal macros are anyone's; a shared one (`shared` in the body, or the macro itself)
    # needs a manager, known only once the body or the macro is read (tests/replies/).
    ("POST", "/api/replies/preview"),
    ("POST", "/api/replies/macros"),
    ("PUT", "/api/replies/macros/{macro_id}"),
    ("DELETE", "/api/replies/macros/{macro_id}"),
    ("POST", "/api/replies/macros/{macro_id}/apply"),
    # The agent reviewed acknowledges or disputes their own review (tests/qa/test_api.py).
    ("POST", "/api/qa/reviews/{review_id}/acknowledge"),
    ("POST", "/api/qa/reviews/{review_id}/dispute"),
    # learning: one's own lessons, attempts and drill replies (afterdesk/training/api.py)
    ("POST", "/api/training/lessons/{lesson_id}/complete"),
    ("POST", "/api/training/exams/{exam_id}/attempts"),
    ("PUT", "/api/training/attempts/{attempt_id}/answers/{question_id}"),
    ("POST", "/api/training/attempts/{attempt_id}/submit"),
    ("POST", "/api/training/drills/{drill_id}/responses"),
}
# The writes every role but the QA reviewer makes: QA reviewers read and do not act.
QA_REFUSED = {
    ("POST", "/api/returns"),  # afterdesk/returns/access.py, `act_require`
    ("POST", "/api/returns/{case_id}/actions"),
}
# Path parameters and bodies that fail validation (ids out of range, wrong types, junk).
BAD_PATH = {"{username}": "no such agent", "{alert_id}": "0", "{rule_id}": "x", "{key}": "%20"}
BAD_BODIES: list[Any] = [{"unknown": [1]}, [], "not json {", {"name": None, "definition": 3}]


def write_operations() -> set[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }


def test_the_lists_cover_every_write() -> None:
    assert write_operations() == set(RESTRICTED) | EVERYONE | QA_REFUSED | SIGNED
    assert not set(RESTRICTED) & EVERYONE
    assert not (set(RESTRICTED) | EVERYONE) & QA_REFUSED


def fill(path: str) -> str:
    for name, value in BAD_PATH.items():
        path = path.replace(name, value)
    return path


@pytest.mark.parametrize(("method", "path"), sorted(RESTRICTED))
@pytest.mark.parametrize("body", BAD_BODIES, ids=["unknown", "list", "junk", "types"])
def test_caller_without_the_right_gets_403_whatever_the_body(
    api_as: ApiAs, method: str, path: str, body: Any
) -> None:
    role = RESTRICTED[(method, path)]
    for user in {UserFactory(role=Role.AGENT), UserFactory(role=role)}:
        api = api_as(user)
        data = body if isinstance(body, str) else __import__("json").dumps(body)
        response = api.client.generic(
            method, fill(path) + "?role=x&template=", data, content_type=JSON, headers=api.headers
        )
        assert response.status_code == 403, (user.role, response.content)
        assert response.json()["message"]


@pytest.mark.parametrize(("method", "path"), sorted(QA_REFUSED))
@pytest.mark.parametrize("body", BAD_BODIES, ids=["unknown", "list", "junk", "types"])
def test_qa_reviewer_gets_403_whatever_the_body(
    api_as: ApiAs, method: str, path: str, body: Any
) -> None:
    api = api_as(UserFactory(role=Role.QA_REVIEWER))
    data = body if isinstance(body, str) else json.dumps(body)
    response = api.client.generic(
        method, fill(path).replace("{case_id}", "x"), data, content_type=JSON, headers=api.headers
    )
    assert response.status_code == 403, response.content
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/bonus-rules"), ("PUT", "/api/calendars/{key}")]
)
def test_session_caller_without_the_right_gets_403_too(method: str, path: str) -> None:
    client = Client(enforce_csrf_checks=False)
    client.force_login(UserFactory(role=Role.AGENT))
    response = client.generic(method, fill(path), "[]", content_type=JSON)
    assert response.status_code == 403
    assert response.json()["message"]


def test_admin_still_gets_the_validation_error(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post("/api/bonus-rules", {"unknown": [1]})
    assert response.status_code == 422
    assert response.json()["field"]


def test_the_operations_keep_their_security_schemes() -> None:
    schema = ninja_api.get_openapi_schema()
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionCsrfAuth"}
    for method, path in [*RESTRICTED, *QA_REFUSED]:
        security = schema["paths"][path][method.lower()]["security"]
        assert security == [{"TokenAuth": []}, {"SessionCsrfAuth": []}]
