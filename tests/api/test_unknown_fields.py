"""An unknown field in a request body is a 422 naming it, on every operation that takes a body
(`core.api_schemas.InputSchema`); responses are not restricted that way."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from afterdesk.accounts.models import User
from afterdesk.api.api import api
from afterdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

# The scorecard template is a JSON document kept as sent (unknown keys are stored and exported
# with it, not dropped) and checked by `metrics.templates.template_parse` (docs/api.md).
FREE_FORM = {"TemplateIn"}


def _schemas_under(schema: dict[str, Any], components: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object schema reachable from `schema`, references followed."""
    seen: set[str] = set()
    todo = [schema]
    while todo:
        node = todo.pop()
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                todo.append({**components[name], "title": name})
            continue
        if node.get("type") == "object" and "properties" in node:
            yield node
        todo.extend(node.get("properties", {}).values())
        for key in ("anyOf", "allOf", "oneOf"):
            todo.extend(node.get(key, []))
        if isinstance(node.get("items"), dict):
            todo.append(node["items"])


def test_every_json_request_body_forbids_unknown_fields() -> None:
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    checked, lax = 0, []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            for node in _schemas_under(content["application/json"]["schema"], components):
                checked += 1
                if node.get("title") in FREE_FORM:
                    continue
                if node.get("additionalProperties") is not False:
                    lax.append(f"{method.upper()} {path}: {node.get('title')}")
    assert checked >= 15
    assert lax == []


def test_response_schemas_do_not_forbid_extra_attributes() -> None:
    from afterdesk.tickets.schemas import TicketDetail

    assert TicketDetail.model_config.get("extra") != "forbid"


# One operation per router that takes a body, with an otherwise valid body.
CASES = [
    ("agent", "POST", "/api/tickets", {"subject": "Late", "channel": "email"}),
    ("agent", "POST", "/api/tickets/{ticket}/reply", {"body": "On its way."}),
    ("agent", "POST", "/api/tickets/{ticket}/assign", {"agent": None}),
    ("agent", "POST", "/api/tokens", {"name": "ci"}),
    ("admin_user", "POST", "/api/teams", {"name": "LATAM"}),
    ("admin_user", "PATCH", "/api/agents/anna", {"position": "lead"}),
    ("admin_user", "POST", "/api/calendars", {"key": "berlin", "tz": "Europe/Berlin"}),
    ("admin_user", "PUT", "/api/metrics-settings", {"public_leaderboard": True}),
    ("admin_user", "POST", "/api/template-assignments", {"template": None, "position": "x"}),
    (
        "admin_user",
        "POST",
        "/api/scorecards/publish",
        {"from": "2026-10-01T00:00:00+00:00", "to": "2026-10-08T00:00:00+00:00"},
    ),
    (
        "admin_user",
        "POST",
        "/api/bonus-rules",
        {
            "name": "Q4",
            "target_kind": "template",
            "template_key": "default",
            "currency": "EUR",
            "definition": {},
        },
    ),
]


@pytest.mark.parametrize(("who", "method", "path", "body"), CASES)
def test_an_unknown_body_field_is_a_422_naming_it(
    request: pytest.FixtureRequest,
    api_as: Callable[[User], ApiClient],
    agent: User,
    ticket: Ticket,
    who: str,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    client = api_as(request.getfixturevalue(who))
    response = client.client.generic(
        method,
        path.format(ticket=ticket.pk),
        data=json.dumps({**body, "colour": "red"}),
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["field"] == "colour"
    assert "colour" in data["message"]
    assert [e["type"] for e in data["errors"]] == ["extra_forbidden"]


def test_an_unknown_form_field_beside_files_is_a_422_naming_it(
    api_as: Callable[[User], ApiClient], agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/reply/upload", {"body": "See attached.", "colour": "red"}
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "colour"
    assert not ticket.messages.filter(body_text="See attached.").exists()


def test_a_misspelt_file_field_is_a_422_not_a_reply_without_its_file(
    api_as: Callable[[User], ApiClient], agent: User, ticket: Ticket
) -> None:
    upload = SimpleUploadedFile("label.txt", b"parcel label", content_type="text/plain")
    response = api_as(agent).post_multipart(
        f"/api/tickets/{ticket.pk}/notes/upload", {"body": "Label attached.", "attachment": upload}
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "attachment"
    assert not ticket.messages.filter(body_text="Label attached.").exists()


def test_the_known_fields_alone_still_pass(
    api_as: Callable[[User], ApiClient], agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/reply", {"body": "On its way."})
    assert response.status_code == 201, response.content
