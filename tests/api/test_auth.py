"""Who may call the API: bearer tokens, the session with CSRF, anonymous callers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create, api_token_revoke
from afterdesk.api.api import api
from tests.api.conftest import JSON, ApiClient

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/tickets"),
    ("get", "/api/tickets/1"),
    ("post", "/api/tickets"),
    ("post", "/api/tickets/1/reply"),
    ("post", "/api/tickets/1/reply/upload"),
    ("post", "/api/tickets/1/notes"),
    ("post", "/api/tickets/1/notes/upload"),
    ("post", "/api/tickets/1/assign"),
    ("post", "/api/tickets/1/status"),
    ("post", "/api/tickets/1/escalate"),
    ("post", "/api/tickets/1/triage"),
    ("get", "/api/attachments/abc"),
    ("get", "/api/customers"),
    ("get", "/api/customers/1"),
    ("put", "/api/customers/1/tags"),
    ("get", "/api/orders"),
    ("get", "/api/orders/1"),
    ("get", "/api/stores"),
    ("get", "/api/me"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/1"),
    ("get", "/api/teams"),
    ("post", "/api/teams"),
    ("get", "/api/agents"),
    ("patch", "/api/agents/anna"),
    # performance (afterdesk/metrics/api.py) and calendars (afterdesk/calendars/api.py)
    ("get", "/api/kpis"),
    ("get", "/api/scorecards"),
    ("get", "/api/scorecards/drilldown"),
    ("post", "/api/scorecards/publish"),
    ("get", "/api/scorecards/published"),
    ("get", "/api/scorecards/published/1"),
    ("get", "/api/leaderboards/agents"),
    ("get", "/api/leaderboards/teams"),
    ("get", "/api/segments"),
    ("get", "/api/scorecard-templates"),
    ("post", "/api/scorecard-templates"),
    ("get", "/api/scorecard-templates/first_line"),
    ("get", "/api/scorecard-templates/first_line/versions/1"),
    ("get", "/api/scorecard-templates/first_line/export"),
    ("get", "/api/template-assignments"),
    ("post", "/api/template-assignments"),
    ("get", "/api/template-assignments/history"),
    ("get", "/api/metrics-settings"),
    ("put", "/api/metrics-settings"),
    ("get", "/api/calendars"),
    ("post", "/api/calendars"),
    ("get", "/api/calendars/de"),
    ("put", "/api/calendars/de"),
    ("delete", "/api/calendars/de"),
    ("get", "/api/calendars/de/business-minutes"),
    ("get", "/api/routing/rules"),
    ("post", "/api/routing/rules"),
    ("get", "/api/routing/rules/1"),
    ("put", "/api/routing/rules/1"),
    ("delete", "/api/routing/rules/1"),
    ("get", "/api/routing/agents"),
    ("put", "/api/routing/agents/anna"),
    ("get", "/api/routing/teams"),
    ("put", "/api/routing/teams/1"),
    ("get", "/api/routing/presence"),
    ("put", "/api/routing/presence"),
    ("post", "/api/routing/approvals/check"),
    ("get", "/api/routing/approvals"),
    ("post", "/api/routing/approvals"),
    ("post", "/api/routing/approvals/1/decision"),
    ("get", "/api/sla/policies"),
    ("post", "/api/sla/policies"),
    ("get", "/api/sla/policies/1"),
    ("put", "/api/sla/policies/1"),
    ("delete", "/api/sla/policies/1"),
    ("get", "/api/tickets/1/sla"),
    ("get", "/api/sla/report"),
    ("get", "/api/sla/pending-abuse"),
    ("get", "/api/alerts"),
    ("post", "/api/alerts/1/acknowledge"),
    ("get", "/api/bonus-rules"),
    ("post", "/api/bonus-rules"),
    ("get", "/api/bonus-rules/1"),
    ("put", "/api/bonus-rules/1"),
    ("delete", "/api/bonus-rules/1"),
    ("get", "/api/bonus-rules/1/payouts"),
    ("post", "/api/bonus-rules/1/statements"),
    ("get", "/api/payout-statements"),
    ("get", "/api/payout-statements/1"),
    ("get", "/api/payout-statements/1/export"),
    # inbound email (afterdesk/channels/api.py)
    ("post", "/api/channels/email/inbound"),
    ("get", "/api/channels/email/messages"),
    ("get", "/api/channels/email/messages/1"),
    ("get", "/api/channels/email/messages/1/raw"),
    ("post", "/api/channels/email/messages/1/retry"),
    # mailboxes and the email of replies (afterdesk/channels/mailboxes_api.py)
    ("get", "/api/channels/mailboxes"),
    ("post", "/api/channels/mailboxes"),
    ("get", "/api/channels/mailboxes/1"),
    ("patch", "/api/channels/mailboxes/1"),
    ("delete", "/api/channels/mailboxes/1"),
    ("post", "/api/channels/mailboxes/1/test"),
    ("post", "/api/channels/mailboxes/1/poll"),
    ("get", "/api/channels/email/deliveries"),
    ("post", "/api/channels/email/deliveries/1/retry"),
    # relay channels' configuration (afterdesk/channels/api_relays.py)
    ("get", "/api/channels/integrations"),
    ("post", "/api/channels/integrations"),
    ("post", "/api/channels/integrations/1/secret"),
    ("patch", "/api/channels/integrations/1"),
    ("delete", "/api/channels/integrations/1"),
    ("get", "/api/channels/meta/pages"),
    ("post", "/api/channels/meta/pages"),
    ("delete", "/api/channels/meta/pages/1"),
    ("get", "/api/channels/widgets"),
    ("post", "/api/channels/widgets"),
    ("delete", "/api/channels/widgets/1"),
    ("get", "/api/channels/relay/payloads"),
    ("post", "/api/channels/relay/payloads/1/retry"),
    ("get", "/api/channels/relay/deliveries"),
    ("post", "/api/channels/relay/deliveries/1/retry"),
    # store connections and CSV order imports (afterdesk/stores/api.py)
    ("get", "/api/stores/connections"),
    ("post", "/api/stores/connections"),
    ("get", "/api/stores/connections/1"),
    ("patch", "/api/stores/connections/1"),
    # reply templates, macros, knowledge base (afterdesk/replies/api.py)
    ("get", "/api/replies/templates"),
    ("post", "/api/replies/templates"),
    ("get", "/api/replies/templates/1"),
    ("put", "/api/replies/templates/1"),
    ("delete", "/api/replies/templates/1"),
    ("post", "/api/replies/preview"),
    ("get", "/api/replies/macros"),
    ("post", "/api/replies/macros"),
    ("get", "/api/replies/macros/1"),
    ("put", "/api/replies/macros/1"),
    ("delete", "/api/replies/macros/1"),
    ("post", "/api/replies/macros/1/apply"),
    ("get", "/api/replies/articles"),
    ("post", "/api/replies/articles"),
    ("get", "/api/replies/articles/1"),
    ("put", "/api/replies/articles/1"),
    ("delete", "/api/replies/articles/1"),
    ("get", "/api/replies/tickets/1/articles"),
    ("get", "/api/replies/return-addresses"),
    ("put", "/api/replies/return-addresses"),
    ("delete", "/api/stores/connections/1"),
    ("post", "/api/stores/connections/1/sync"),
    ("post", "/api/stores/imports"),
    ("post", "/api/stores/imports/1/confirm"),
    ("post", "/api/stores/connections/1/deliveries/1/retry"),
    # holidays and team schedules (afterdesk/calendars/api.py)
    ("get", "/api/market-holidays"),
    ("put", "/api/market-holidays/de"),
    ("delete", "/api/market-holidays/de"),
    ("get", "/api/teams/1/schedules"),
    ("put", "/api/teams/1/schedules"),
    ("get", "/api/teams/1/calendar"),
    # satisfaction surveys (afterdesk/surveys/api.py)
    ("get", "/api/surveys/settings"),
    ("put", "/api/surveys/settings"),
    ("get", "/api/tickets/1/surveys"),
    # returns (afterdesk/returns/api.py)
    ("get", "/api/returns"),
    ("post", "/api/returns"),
    ("get", "/api/returns/1"),
    ("post", "/api/returns/1/actions"),
    ("get", "/api/returns/analytics"),
    # training and certification (afterdesk/training/api.py)
    ("get", "/api/training/courses"),
    ("post", "/api/training/courses"),
    ("get", "/api/training/courses/1"),
    ("put", "/api/training/courses/1"),
    ("post", "/api/training/courses/1/lessons"),
    ("post", "/api/training/lessons/1/complete"),
    ("post", "/api/training/banks"),
    ("post", "/api/training/banks/1/questions"),
    ("get", "/api/training/banks/1/questions"),
    ("put", "/api/training/questions/1"),
    ("delete", "/api/training/questions/1"),
    ("put", "/api/training/exams/1"),
    ("delete", "/api/training/exams/1"),
    ("get", "/api/training/paths"),
    ("put", "/api/training/paths/1"),
    ("delete", "/api/training/paths/1"),
    ("get", "/api/training/exams"),
    ("post", "/api/training/exams"),
    ("post", "/api/training/exams/1/attempts"),
    ("get", "/api/training/attempts"),
    ("get", "/api/training/attempts/1"),
    ("put", "/api/training/attempts/1/answers/1"),
    ("post", "/api/training/attempts/1/submit"),
    ("get", "/api/training/certifications"),
    ("post", "/api/training/certifications"),
    ("post", "/api/training/certifications/1/grants"),
    ("get", "/api/training/me/certifications"),
    ("get", "/api/training/me/checklist"),
    ("post", "/api/training/paths"),
    ("get", "/api/training/drills"),
    ("post", "/api/training/drills"),
    ("get", "/api/training/drills/1"),
    ("post", "/api/training/drills/1/responses"),
    ("get", "/api/training/reviews/answers"),
    ("post", "/api/training/reviews/answers/1"),
    ("get", "/api/training/reviews/drills"),
    ("post", "/api/training/reviews/drills/1"),
    # quality reviews (afterdesk/qa/api.py)
    ("get", "/api/qa/rubrics"),
    ("post", "/api/qa/rubrics"),
    ("put", "/api/qa/rubrics/1"),
    ("get", "/api/qa/settings"),
    ("put", "/api/qa/settings"),
    ("get", "/api/qa/assignments"),
    ("post", "/api/qa/assignments"),
    ("post", "/api/qa/assignments/1/sample"),
    ("get", "/api/qa/queue"),
    ("get", "/api/qa/tickets/1/checks"),
    ("get", "/api/qa/reviews"),
    ("post", "/api/qa/reviews"),
    ("get", "/api/qa/reviews/1"),
    ("post", "/api/qa/reviews/1/acknowledge"),
    ("post", "/api/qa/reviews/1/dispute"),
    ("post", "/api/qa/reviews/1/resolve"),
    ("post", "/api/qa/calibrations"),
    ("get", "/api/qa/calibrations/1"),
    # automations and coupon pools (afterdesk/automations/api.py)
    ("get", "/api/automations/rules"),
    ("post", "/api/automations/rules"),
    ("get", "/api/automations/rules/1"),
    ("put", "/api/automations/rules/1"),
    ("delete", "/api/automations/rules/1"),
    ("get", "/api/automations/rules/1/dry-run"),
    ("post", "/api/automations/rules/1/enable"),
    ("get", "/api/automations/firings"),
    ("get", "/api/automations/coupon-pools"),
    ("post", "/api/automations/coupon-pools"),
    ("post", "/api/automations/coupon-pools/1/codes"),
    # in-app notifications (afterdesk/notifications/api.py)
    ("get", "/api/notifications"),
    ("post", "/api/notifications/read-all"),
    ("post", "/api/notifications/1/read"),
    ("get", "/api/notifications/preferences"),
    ("put", "/api/notifications/preferences"),
]
# Operations platforms call without a token: each checks its own signature or verify token
# (docs/channels.md, "Webhooks and chat"; tests/channels/test_webhooks.py, test_meta.py).
SIGNED = [
    ("post", "/api/channels/webhook/{integration}"),
    ("get", "/api/channels/meta/webhook"),
    ("post", "/api/channels/meta/webhook"),
]


def test_the_list_covers_every_operation() -> None:
    schema = api.get_openapi_schema()
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert len(operations) == len(ENDPOINTS) + len(SIGNED)
    assert set(SIGNED) <= operations


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_gets_401_json(method: str, path: str) -> None:
    client = Client()
    response = getattr(client, method)(path, content_type=JSON)
    assert response.status_code == 401
    assert response.json() == {"message": "authentication required"}


def test_valid_token_authenticates_and_records_use(agent: User) -> None:
    token, raw = api_token_create(user=agent, name="cli")
    response = ApiClient(raw).get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "anna"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer adk_wrong",
        "Bearer ",
        "Token something",
        "Basic YW5uYTpzZWNyZXQ=",
    ],
)
def test_wrong_token_is_401(agent: User, header: str) -> None:
    response = Client().get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["message"] == "authentication required"


def test_revoked_token_is_401(agent: User) -> None:
    token, raw = api_token_create(user=agent, name="old")
    api_token_revoke(token=token)
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_token_of_deactivated_user_is_401(agent: User) -> None:
    _token, raw = api_token_create(user=agent, name="cli")
    agent.is_active = False
    agent.save()
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_token_post_needs_no_csrf(agent: User) -> None:
    _token, raw = api_token_create(user=agent, name="cli")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/tokens",
        {"name": "second"},
        content_type=JSON,
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201


def test_session_reads_without_csrf(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get("/api/me").status_code == 200


def test_session_write_without_csrf_is_403(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post("/api/tokens", {"name": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_session_write_with_csrf_token_succeeds(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    csrf = "k" * 32  # what the browser holds in the csrftoken cookie and echoes in the header
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    response = client.post(
        "/api/tokens", {"name": "x"}, content_type=JSON, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_session_write_with_a_wrong_csrf_token_is_403(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32
    response = client.post(
        "/api/tokens", {"name": "x"}, content_type=JSON, headers={"X-CSRFToken": "j" * 32}
    )
    assert response.status_code == 403


def test_anonymous_write_is_401_not_403_even_with_csrf_enforced() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/api/tokens", {"name": "x"}, content_type=JSON).status_code == 401


def test_openapi_and_docs_are_served(agent: User, api_as: Callable[[User], ApiClient]) -> None:
    client = Client()
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/tickets" in schema.json()["paths"]
    client.force_login(agent)
    assert client.get("/api/docs").status_code == 200


def test_a_token_s_last_use_is_written_at_most_once_a_minute(agent: User) -> None:
    from datetime import timedelta

    from afterdesk.accounts.models import ApiToken

    token, raw = api_token_create(user=agent, name="busy client")
    client = ApiClient(raw)
    client.get("/api/me")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within the minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    client.get("/api/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first  # type: ignore[operator]
