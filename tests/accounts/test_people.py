"""The people page: admins add and change people and teams without Django admin; the access
follows the position; the desk keeps an active admin; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _signs_in(username: str, password: str) -> bool:
    """Through the login form, as a person would (axes needs the request)."""
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _person(**fields: Any) -> dict[str, Any]:
    data = {
        "display_name": "Lena Ruiz",
        "email": "lena@example.com",
        "position": "first_line",
        "languages": "es, en",
        "active": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_adds_a_person_with_teams_languages_and_a_password(
    admin_client: Client, team: Team
) -> None:
    response = admin_client.post(
        "/accounts/people/",
        _person(username="lena", teams=[team.pk], password="a long enough passphrase 7"),
    )

    assert response.status_code == 302
    lena = User.objects.get(username="lena")
    assert (lena.display_name, lena.email, lena.position, lena.role) == (
        "Lena Ruiz",
        "lena@example.com",
        "first_line",
        Role.AGENT,
    )
    assert list(lena.teams.all()) == [team]
    assert AgentProfile.objects.get(user=lena).languages == ["es", "en"]
    assert lena.check_password("a long enough passphrase 7")
    assert _signs_in("lena", "a long enough passphrase 7")


def test_a_weak_password_and_a_taken_username_are_form_errors(
    admin_client: Client, agent: User
) -> None:
    weak = admin_client.post("/accounts/people/", _person(username="new", password="123"))
    taken = admin_client.post("/accounts/people/", _person(username=agent.username))
    nameless = admin_client.post("/accounts/people/", _person(username=" "))

    assert weak.status_code == taken.status_code == nameless.status_code == 422
    assert "too short" in weak.content.decode()
    assert "is taken" in taken.content.decode()
    assert "needs a username" in nameless.content.decode()
    assert not User.objects.filter(username="new").exists()


def test_the_position_sets_the_access_and_admin_is_a_choice(
    admin_client: Client, agent: User
) -> None:
    admin_client.post(f"/accounts/people/{agent.username}/", _person(position="supervisor"))
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR

    admin_client.post(f"/accounts/people/{agent.username}/", _person(admin="on"))
    agent.refresh_from_db()
    assert agent.role == Role.ADMIN


def test_a_person_is_deactivated_and_can_no_longer_sign_in(admin_client: Client) -> None:
    UserFactory(username="gone", password="a long enough passphrase 7")
    assert _signs_in("gone", "a long enough passphrase 7")
    admin_client.post("/accounts/people/gone/", _person(active=None))

    assert not User.objects.get(username="gone").is_active
    assert not _signs_in("gone", "a long enough passphrase 7")


def test_the_last_admin_cannot_be_demoted_or_deactivate_themselves(
    admin_client: Client, admin_user: User
) -> None:
    demoted = admin_client.post(f"/accounts/people/{admin_user.username}/", _person())
    off = admin_client.post(
        f"/accounts/people/{admin_user.username}/", _person(admin="on", active=None)
    )

    assert demoted.status_code == off.status_code == 422
    assert "at least one active admin" in demoted.content.decode()
    assert "cannot deactivate yourself" in off.content.decode()
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active) == (Role.ADMIN, True)


def test_teams_are_added_and_renamed_and_a_taken_name_is_refused(admin_client: Client) -> None:
    admin_client.post("/accounts/people/teams/", {"name": "LATAM"})
    latam = Team.objects.get(name="LATAM")
    TeamFactory(name="EU")

    admin_client.post(f"/accounts/people/teams/{latam.pk}/", {"name": "Latin America"})
    clash = admin_client.post(f"/accounts/people/teams/{latam.pk}/", {"name": "EU"}, follow=True)

    latam.refresh_from_db()
    assert latam.name == "Latin America"
    assert "already exists" in clash.content.decode()
    assert admin_client.post("/accounts/people/teams/", {"name": "EU"}).status_code == 422


@pytest.mark.parametrize("who", ["agent", "supervisor", "qa_reviewer"])
def test_only_admins_see_or_change_people(request: pytest.FixtureRequest, who: str) -> None:
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)

    assert client.get("/accounts/people/").status_code == 403
    assert client.post("/accounts/people/", _person(username="x")).status_code == 403
    assert client.post(f"/accounts/people/{user.username}/", _person(admin="on")).status_code == 403
    user.refresh_from_db()
    assert user.role != Role.ADMIN


def test_the_people_page_queries_do_not_grow_with_people(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        UserFactory(username=f"agent{number}", teams=[TeamFactory(name=f"T{number}")])
    with django_assert_max_num_queries(12):
        response = admin_client.get("/accounts/people/")
    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1
