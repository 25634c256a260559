"""The API against its own OpenAPI schema, fuzzed by schemathesis (docs/api.md, "Fuzzing").

Every operation is called with generated requests, as an agent and as an admin (bearer
tokens), on a fresh demo database: no answer may be a 500, and every answer must match the
schema (status code, content type, headers, body). Each operation is called with valid and
with deliberately invalid requests, with generated path parameters (mostly unknown ids: 404s
and 422s) and with the ids of real demo objects, so the answers about real data are checked
too. AFTERDESK_FUZZ_TRACE=1 (with -s) prints each request's operation and status.

`make test` runs a bounded number of examples per operation, derandomized so a run is
repeatable; `make fuzz-api` runs many more with a fresh random seed (AFTERDESK_FUZZ_EXAMPLES,
AFTERDESK_FUZZ_RANDOM). A failure lists every operation that failed and how to reproduce it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.api.api import api

EXAMPLES = int(os.environ.get("AFTERDESK_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("AFTERDESK_FUZZ_RANDOM", "") == "1"
DEMO_TICKETS = 60

# Valid requests, and requests that break the schema on purpose (they must be refused with a
# documented 4xx, never a 500).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def no_internal_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 500 is a bug, always. Another 5xx the schema documents is an answer (503: a channel
    that is not configured); undocumented, `status_code_conformance` refuses it."""
    if response.status_code == 500:
        raise AssertionError(f"500 Internal Server Error: {response.text[:500]}")
    return None


CHECKS = [
    no_internal_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

pytestmark = pytest.mark.django_db

# Raw email bodies (the inbound email channel) are sent as they are, like text.
schemathesis.serializer.alias("message/rfc822", "text/plain")


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's own WSGI handler, without closing the database connection after each request
    (it would end the test's transaction; Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def demo() -> None:
    """The demo data, plus what it does not create (a bonus rule, a payout statement, a
    published scorecard, alerts), made through the API so real ids exist for every path."""
    call_command("demo", "--tickets", str(DEMO_TICKETS), "--days", "21", "--quiet")
    from afterdesk.alerts.services import alerts_sweep
    from afterdesk.metrics.models import ScorecardTemplate

    admin = User.objects.get(username="admin")
    client = Client(
        headers={"Authorization": f"Bearer {api_token_create(user=admin, name='seed')[1]}"}
    )
    end = timezone.now().replace(microsecond=0)
    period = {"from": (end - timedelta(days=14)).isoformat(), "to": end.isoformat()}
    template = ScorecardTemplate.objects.order_by("pk").values_list("key", flat=True).first()
    rule = client.post(
        "/api/bonus-rules",
        {
            "name": "Fuzz bonus",
            "target_kind": "template",
            "template_key": template,
            "currency": "EUR",
            "definition": {"tiers": [{"name": "gold", "min_total": 50, "amount": "100"}]},
        },
        content_type="application/json",
    )
    assert rule.status_code == 201, rule.content
    statement = client.post(
        f"/api/bonus-rules/{rule.json()['id']}/statements", period, content_type="application/json"
    )
    assert statement.status_code == 201, statement.content
    published = client.post(
        "/api/scorecards/publish", {**period, "template": template}, content_type="application/json"
    )
    assert published.status_code == 201, published.content
    alerts_sweep(now=end)


def _known_path_parameters(user: User) -> dict[str, Any]:
    """Ids of real demo objects the user can see, for the second run of each operation."""
    from afterdesk.alerts.models import Alert
    from afterdesk.bonuses.models import BonusRule, PayoutStatement
    from afterdesk.calendars.models import Calendar
    from afterdesk.commerce.models import Customer, Order
    from afterdesk.metrics.models import PublishedScorecard, ScorecardTemplate
    from afterdesk.tickets.models import Attachment, Ticket, TicketStatus
    from afterdesk.tickets.selectors import ticket_visible_q

    known: dict[str, Any] = {"username": user.username}
    candidates: dict[str, Any] = {
        "ticket_id": Ticket.objects.filter(ticket_visible_q(user))
        .exclude(status=TicketStatus.CLOSED)
        .order_by("pk"),
        "customer_id": Customer.objects.order_by("pk"),
        "order_id": Order.objects.order_by("pk"),
        "alert_id": Alert.objects.order_by("pk"),
        "rule_id": BonusRule.objects.order_by("pk"),
        "statement_id": PayoutStatement.objects.order_by("pk"),
        "published_id": PublishedScorecard.objects.order_by("pk"),
    }
    for name, queryset in candidates.items():
        pk = queryset.values_list("pk", flat=True).first()
        if pk is not None:
            known[name] = pk
    calendar = Calendar.objects.order_by("pk").first()
    template = ScorecardTemplate.objects.order_by("pk").first()
    attachment = Attachment.objects.order_by("pk").first()
    if template is not None:
        known["key"] = template.key
        known["number"] = 1
    if calendar is not None:
        known["calendar_key"] = calendar.key
    if attachment is not None:
        known["token"] = attachment.token
    return known


def _fuzz(user: User, app: WSGIHandler) -> list[str]:
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = app
    known = _known_path_parameters(user)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking tokens last: a generated id may be the caller's own token.
    operations.sort(key=lambda op: op.path.startswith("/api/tokens") and op.method == "delete")
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        fixed = {
            n: known.get("calendar_key" if n == "key" and "calendars" in operation.path else n)
            for n in names
        }
        variants = [operation.as_strategy(mode) for mode in MODES]
        if names and all(v is not None for v in fixed.values()):
            variants += [operation.as_strategy(mode, path_parameters=fixed) for mode in MODES]
        for strategy in variants:
            _token, raw = api_token_create(user=user, name="fuzz")
            headers = {"Authorization": f"Bearer {raw}"}
            failures.extend(_run(strategy, headers, f"{operation.method.upper()} {operation.path}"))
    return failures


def _run(strategy: Any, headers: dict[str, str], label: str) -> list[str]:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if os.environ.get("AFTERDESK_FUZZ_TRACE"):
            print("TRACE", label, response.status_code, response.elapsed)

    try:
        run()
    except Unsatisfiable:  # no invalid request exists (an operation without any input)
        return []
    except BaseExceptionGroup as group:  # schemathesis' FailureGroup: report each operation
        return [f"{label}: {group}"]
    except Exception as exc:
        return [f"{label}: {exc!r}"]
    return []


@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN])
def test_every_operation_conforms_to_the_schema_and_never_fails(
    demo: None, wsgi_app: WSGIHandler, role: str
) -> None:
    user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    assert user is not None, f"the demo has no {role}"
    failures = _fuzz(user, wsgi_app)
    assert failures == [], "\n\n".join(failures)
