"""Template assignments through the API: who reads, who changes, validation, the record."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.models import TemplateAssignment
from tests.metrics.api.conftest import ApiAs

pytestmark = pytest.mark.django_db
URL = "/api/template-assignments"


def test_anonymous_is_refused(api_as: ApiAs) -> None:
    assert api_as(None).get(URL).status_code == 401
    assert api_as(None).post(URL, {"template": "first_line", "position": "x"}).status_code == 401


def test_agents_read_but_do_not_change(api_as: ApiAs, agent: User) -> None:
    User.objects.filter(pk=agent.pk).update(position="first_line")
    body = api_as(agent).get(URL, date="2026-10-15").json()
    first_line = next(p for p in body["positions"] if p["position"] == "first_line")
    assert first_line == {
        "position": "first_line",
        "agents": ["anna"],
        "template": {"key": "first_line", "name": "First-line agent", "version": 1},
        "since": None,
    }
    refused = api_as(agent).post(URL, {"template": "gold_agent", "position": "first_line"})
    assert refused.status_code == 403
    assert not TemplateAssignment.objects.filter(changed_by=agent).exists()


def test_admin_assigns_to_a_position_and_an_agent(
    api_as: ApiAs, admin_user: User, agent: User, django_assert_max_num_queries: Any
) -> None:
    api = api_as(admin_user)
    created = api.post(
        URL, {"template": "gold_agent", "position": "first_line", "effective_from": "2026-12-01"}
    )
    assert created.status_code == 201
    change = created.json()
    assert change["position"] == "first_line"
    assert change["agent"] is None
    assert (change["previous_template"], change["template"]) == ("first_line", "gold_agent")
    assert (change["effective_from"], change["changed_by"]) == ("2026-12-01", "ada")
    same = api.post(
        URL, {"template": "gold_agent", "position": "first_line", "effective_from": "2026-12-01"}
    )
    assert same.status_code == 200
    personal = api.post(URL, {"template": "new_agent", "agent": "anna"})
    assert personal.status_code == 201
    body = api.get(URL, date="2026-12-02").json()
    assert body["personal"] == [
        {
            "agent": "anna",
            "template": {"key": "new_agent", "name": "New agent (first 90 days)", "version": 1},
        }
    ]
    assert (
        next(p for p in body["positions"] if p["position"] == "first_line")["template"]["key"]
        == "gold_agent"
    )
    history = api.get(f"{URL}/history").json()
    assert history["count"] == TemplateAssignment.objects.count()
    assert [i["template"] for i in history["items"][:2]] == ["new_agent", "gold_agent"]
    with django_assert_max_num_queries(8):
        assert api.get(f"{URL}/history", limit=200).status_code == 200


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"template": "first_line"}, 422, "position"),
        ({"template": "first_line", "position": "x", "agent": "anna"}, 422, "position"),
        ({"template": "first_line", "position": "p" * 65}, 422, None),
        ({"template": "first_line", "position": "x", "effective_from": "2026-13-01"}, 422, None),
        ({"template": "nope", "position": "x"}, 404, None),
        ({"template": "first_line", "agent": "ghost"}, 422, "agent"),
    ],
)
def test_bad_changes_are_refused_with_a_json_message(
    api_as: ApiAs,
    admin_user: User,
    agent: User,
    payload: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    before = TemplateAssignment.objects.count()
    response = api_as(admin_user).post(URL, payload)
    assert response.status_code == status
    assert response.json()["message"]
    if field:
        assert response.json()["field"] == field
    assert TemplateAssignment.objects.count() == before
