"""The template assignments page: managers read, admins change, every change is listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.models import TemplateAssignment
from tests.factories import UserFactory
from tests.metrics.views.conftest import INLINE_SCRIPT, login

pytestmark = pytest.mark.django_db
PAGE = reverse("metrics:assignments")


def test_agents_may_not_see_the_page(client: Client, agent: User) -> None:
    assert login(client, agent).get(PAGE).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_managers_see_positions_agents_templates_and_changes(
    client: Client, supervisor: User, django_assert_num_queries: Any
) -> None:
    UserFactory(username="anna", display_name="Anna", position="first_line")
    UserFactory(username="nico", display_name="Nico", position="night_shift_es")
    gina = UserFactory(username="gina", display_name="Gina", position="first_line")
    template_assign(template_key="gold_agent", agent=gina)
    login(client, supervisor)
    with django_assert_num_queries(8):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "night_shift_es" in html
    assert "no template: not scored" in html
    assert "Gold agent" in html
    assert 'id="assign"' not in html  # supervisors read only
    assert not INLINE_SCRIPT.search(html)
    for i in range(5):  # more agents, same queries
        UserFactory(username=f"extra{i}", position=f"pos{i}")
        template_assign(template_key="gold_agent", agent=UserFactory(username=f"g{i}"))
    with django_assert_num_queries(8):
        client.get(PAGE)


def test_supervisors_cannot_change_assignments(client: Client, supervisor: User) -> None:
    response = login(client, supervisor).post(
        PAGE, {"target": "position", "position": "first_line", "template": "gold_agent"}
    )
    assert response.status_code == 403
    assert not TemplateAssignment.objects.filter(changed_by=supervisor).exists()


def test_admin_assigns_a_position_then_an_agent(client: Client, admin_user: User) -> None:
    login(client, admin_user)
    anna = UserFactory(username="anna", position="first_line")
    response = client.post(
        PAGE,
        {
            "target": "position",
            "position": "first_line",
            "template": "gold_agent",
            "effective_from": "2026-12-01",
        },
    )
    assert response.status_code == 302
    change = TemplateAssignment.objects.get(position="first_line", changed_by=admin_user)
    assert (change.template.key, change.previous_template.key) == ("gold_agent", "first_line")  # type: ignore[union-attr]
    client.post(PAGE, {"target": "agent", "agent": "anna", "template": "new_agent"})
    assert TemplateAssignment.objects.get(agent=anna).template.key == "new_agent"  # type: ignore[union-attr]
    html = client.get(PAGE).content.decode()
    assert "Assignment saved." in html
    assert "New agent (first 90 days)" in html
    assert "2026-12-01" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "position", "template": "gold_agent"}, "Name the position."),
        ({"target": "agent", "agent": "ghost", "template": "gold_agent"}, "Unknown agent ghost."),
        ({"target": "position", "position": "x", "template": "nope"}, "Select a valid choice"),
    ],
)
def test_invalid_changes_are_shown_and_write_nothing(
    client: Client, admin_user: User, data: dict[str, str], message: str
) -> None:
    before = TemplateAssignment.objects.count()
    response = login(client, admin_user).post(PAGE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert TemplateAssignment.objects.count() == before


def test_the_page_speaks_chinese(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    html = client.get(PAGE, headers={"accept-language": "zh-hans"}).content.decode()
    assert "模板分配" in html
