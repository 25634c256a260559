"""The positions page (admins): every position in use with its agents, and the position
change, full page and htmx; and the selectors behind it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts import selectors
from afterdesk.accounts.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/positions/"
HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(team: Team) -> list[User]:
    apac = TeamFactory(name="APAC")
    return [
        UserFactory(username="fay", display_name="Fay", position="first_line", teams=[team]),
        UserFactory(username="gus", display_name="Gus", position="first_line", teams=[apac]),
        UserFactory(username="kim", display_name="Kim", position="minor_language", teams=[apac]),
        UserFactory(
            username="sue", display_name="Sue", position="supervisor", role=Role.SUPERVISOR
        ),
        UserFactory(username="neo", display_name="Neo", position="night_shift_es"),
    ]


def test_positions_list_groups_users_by_position_with_no_position_last(
    desk: list[User], admin_user: User, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(2):  # type: ignore[operator]
        grouped = selectors.positions_list()
        names = {
            p: [(u.username, [t.name for t in u.teams.all()]) for u in us]
            for p, us in grouped.items()
        }
    assert list(names) == ["first_line", "minor_language", "night_shift_es", "supervisor", ""]
    assert names["first_line"] == [("fay", ["EU"]), ("gus", ["APAC"])]
    assert names[""] == [("ada", [])]


def test_position_for_history() -> None:
    cases = [
        (UserFactory(username="a", position="second_line"), "second_line"),
        (UserFactory(username="b", position="", role=Role.SUPERVISOR), "supervisor"),
        (UserFactory(username="c", position="", role=Role.QA_REVIEWER), "qa_reviewer"),
        (UserFactory(username="d", position="", role=Role.AGENT), ""),
        (UserFactory(username="e", position="", role=Role.ADMIN), ""),  # never exported
        (UserFactory(username="f", position="team_lead", role=Role.ADMIN), "team_lead"),
    ]
    assert [(u.username, selectors.position_for_history(user=u)) for u, _ in cases] == [
        (u.username, expected) for u, expected in cases
    ]


def test_admin_sees_every_position_with_its_agents(
    desk: list[User], admin_user: User, django_assert_num_queries: object
) -> None:
    client = client_for(admin_user)
    # session, user, then the users and their teams: the same for any number of agents
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for position in ("first_line", "minor_language", "night_shift_es", "supervisor"):
        assert f"<h2>{position}" in body
    assert "No position" in body
    assert body.index("<h2>first_line") < body.index("Fay") < body.index("Gus")
    assert body.index("Gus") < body.index("<h2>minor_language") < body.index("Kim")
    assert f'action="{reverse("accounts:position_set", args=["fay"])}"' in body
    assert 'href="/accounts/positions/"' in body  # the navigation link
    assert '<option value="returns_specialist">' in body  # a suggested position


def test_the_query_count_does_not_grow_with_the_agents(
    desk: list[User], admin_user: User, django_assert_num_queries: object
) -> None:
    for n in range(10):
        UserFactory(username=f"extra{n}", position=f"p{n % 3}", teams=[TeamFactory(name=f"t{n}")])
    client = client_for(admin_user)
    with django_assert_num_queries(4):  # type: ignore[operator]
        assert client.get(URL).status_code == 200


def test_positions_are_for_admins_only(supervisor: User, agent: User, qa_reviewer: User) -> None:
    for user in (supervisor, agent, qa_reviewer):
        client = client_for(user)
        assert client.get(URL).status_code == 403
        assert client.post(f"{URL}anna/", {"position": "x"}).status_code == 403
        assert 'href="/accounts/positions/"' not in client.get("/").content.decode()
    anonymous = Client()
    assert anonymous.get(URL).status_code == 302
    assert anonymous.post(f"{URL}anna/", {"position": "x"}).status_code == 302
    agent.refresh_from_db()
    assert agent.position == ""


def test_superuser_may_open_the_page() -> None:
    root = UserFactory(username="root", role=Role.AGENT, is_superuser=True)
    assert client_for(root).get(URL).status_code == 200


def test_admin_changes_a_position_without_htmx(admin_user: User, agent: User) -> None:
    response = client_for(admin_user).post(f"{URL}anna/", {"position": "returns_specialist"})
    assert response.status_code == 302
    assert response["Location"] == URL
    agent.refresh_from_db()
    assert (agent.position, agent.role) == ("returns_specialist", Role.AGENT)


def test_admin_changes_a_position_with_htmx(admin_user: User, agent: User) -> None:
    response = client_for(admin_user).post(f"{URL}anna/", {"position": "qa_reviewer"}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="positions">')  # the list, not the page
    assert "<h2>qa_reviewer" in body
    agent.refresh_from_db()
    assert (agent.position, agent.role) == ("qa_reviewer", Role.QA_REVIEWER)


def test_a_blank_position_clears_it(admin_user: User, agent: User) -> None:
    agent.position = "first_line"
    agent.save()
    client_for(admin_user).post(f"{URL}anna/", {"position": "  "})
    agent.refresh_from_db()
    assert agent.position == ""


def test_changing_the_admins_position_keeps_admin_access(admin_user: User) -> None:
    client = client_for(admin_user)
    assert client.post(f"{URL}ada/", {"position": "team_lead"}).status_code == 302
    admin_user.refresh_from_db()
    assert (admin_user.position, admin_user.role) == ("team_lead", Role.ADMIN)
    assert client.get(URL).status_code == 200


def test_a_too_long_position_is_refused_with_422(admin_user: User, agent: User) -> None:
    client = client_for(admin_user)
    response = client.post(f"{URL}anna/", {"position": "x" * 65}, headers=HTMX)
    assert response.status_code == 422
    assert 'class="form-errors"' in response.content.decode()
    page = client.post(f"{URL}anna/", {"position": "x" * 65})
    assert page.status_code == 422
    assert "<h1>" in page.content.decode()
    agent.refresh_from_db()
    assert agent.position == ""


def test_unknown_agent_is_404(admin_user: User) -> None:
    assert client_for(admin_user).post(f"{URL}ghost/", {"position": "x"}).status_code == 404


def test_get_on_the_change_url_is_not_allowed(admin_user: User) -> None:
    assert client_for(admin_user).get(f"{URL}ada/").status_code == 405


def test_the_page_speaks_simplified_chinese(desk: list[User], admin_user: User) -> None:
    client = client_for(admin_user)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(URL).content.decode()
    for text in ("<h1>岗位</h1>", "权限级别", "无岗位", "2 人", "决定用哪个评分卡模板", "主管"):
        assert text in body, text
    response = client.post(f"{URL}fay/", {"position": "second_line"}, follow=True)
    assert "Fay 的岗位已保存。" in response.content.decode()
