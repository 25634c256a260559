"""Agent ids (issue 16, item 8): letters, digits and `. _ - @ +`, 1 to 150 characters, as
Django usernames (docs/history.md, "Entity lines"; docs/api.md). Others are refused at import
with the line number, in the API with a 422 naming the field, and in the admin; every URL
that carries an id reverses for any id already stored."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import resolve, reverse

from afterdesk.accounts.models import Role, Team, User
from afterdesk.history.importer import history_import
from afterdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient
from tests.factories import TicketFactory, UserFactory
from tests.history.helpers import AGENT, CALENDAR, INBOUND, REPLY, TICKET, write_history
from tests.metrics.views.conftest import login

pytestmark = pytest.mark.django_db

BAD_IDS = ["a/b", "a b", "a?b", "a#b", "ana%2F", "x" * 151, "a:b", "ä/"]
GOOD_IDS = ["maria.garcia", "a_b-c@d+e", "Zoë", "李", "7", "x" * 150]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_agent_line_with_an_id_outside_the_alphabet_is_refused(tmp_path: Path, bad: str) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, {**AGENT, "id": bad}, TICKET)
    report = history_import(path)
    assert [number for number, _ in report.errors] == [2]
    assert report.errors[0][1].startswith("id ")
    assert "letters, digits" in report.errors[0][1] or "150" in report.errors[0][1]
    assert not User.objects.exists()


def test_an_event_naming_an_agent_outside_the_alphabet_is_refused(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, {**REPLY, "agent": "x/y"}
    )
    report = history_import(path)
    assert [number for number, _ in report.errors] == [5]
    assert report.errors[0][1].startswith("agent: ")
    assert not Ticket.objects.exists()


def test_the_cli_exits_1_naming_the_line(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, {**AGENT, "id": "a/b"})
    stderr = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("history", "import", str(path), stdout=io.StringIO(), stderr=stderr)
    assert info.value.returncode == 1
    assert stderr.getvalue().startswith("line 2: id ")


@pytest.mark.parametrize("good", GOOD_IDS)
def test_ids_in_the_alphabet_import_and_their_pages_reverse(tmp_path: Path, good: str) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, {**AGENT, "id": good}, TICKET)
    assert history_import(path).errors == []
    url = reverse("metrics:agent", args=[good])
    assert resolve(unquote(url)).kwargs == {"username": good}


def _api(user: User) -> ApiClient:
    from afterdesk.accounts.services import api_token_create

    return ApiClient(api_token_create(user=user, name="tests")[1])


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/tickets", {"subject": "Hi", "channel": "email", "assignee": "a/b"}, "assignee"),
        ("/api/tickets/{ticket}/assign", {"agent": "a/b"}, "agent"),
        ("/api/tickets/{ticket}/assign", {"agent": "a b"}, "agent"),
    ],
)
def test_the_api_refuses_an_agent_id_outside_the_alphabet_naming_the_field(
    supervisor: User, team: Team, path: str, payload: dict[str, Any], field: str
) -> None:
    ticket = TicketFactory(team=team)
    response = _api(supervisor).post(path.format(ticket=ticket.pk), payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == field
    assert "letters, digits" in body["message"]


def test_the_admin_refuses_to_create_a_user_outside_the_alphabet(admin_user: User) -> None:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "a/b", "password1": "x-Strong-pass-9", "password2": "x-Strong-pass-9"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not User.objects.filter(username="a/b").exists()


@pytest.mark.parametrize("stored", ["old/id", "a/b/c", "50%", "q?x#y", "sp ace"])
def test_every_url_with_an_agent_id_reverses_for_ids_stored_before_the_rule(
    client: Client, admin_user: User, stored: str
) -> None:
    """Ids imported before the alphabet existed stay reachable: no NoReverseMatch."""
    UserFactory(username=stored, role=Role.AGENT, position="first_line")
    for name in ("metrics:agent", "accounts:position_set"):
        url = reverse(name, args=[stored])
        assert resolve(unquote(url)).kwargs == {"username": stored}
    login(client, admin_user)
    assert client.get(reverse("metrics:assignments")).status_code == 200
    assert client.get(reverse("accounts:positions")).status_code == 200
    assert client.get(reverse("metrics:agent", args=[stored])).status_code == 200


def test_the_api_path_with_an_agent_id_reaches_ids_stored_before_the_rule(
    admin_user: User,
) -> None:
    UserFactory(username="old/id", role=Role.AGENT)
    api = _api(admin_user)
    response = api.client.patch(
        "/api/agents/old%2Fid",
        {"position": "first_line"},
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "old/id"
    assert User.objects.get(username="old/id").position == "first_line"
