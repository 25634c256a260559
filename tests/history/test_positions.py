"""An agent line's `role` is the agent's position (docs/history.md): free text of 1 to 64
characters, stored in `User.position` and exported unchanged; `supervisor`/`qa_reviewer`
also grant that access level, every other value agent access, and an existing admin stays
one."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from afterdesk.accounts.models import Role, User
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from tests.factories import UserFactory
from tests.history.helpers import flush_history, write_history

pytestmark = pytest.mark.django_db


def agent(username: str, role: str | None = None, **fields: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"type": "agent", "id": username, "name": username.title()}
    if role is not None:
        line["role"] = role
    return {**line, **fields}


TEAM = [
    agent("fay", "first_line", team="EN Tier 1"),
    agent("sol", "second_line", team="Escalations"),
    agent("nia", "new_agent"),
    agent("omar", "minor_language", languages=["ar", "fr"]),
    agent("pia", "night_shift_es", shift="night"),
    agent("max", "Teamleiterin Süd (Nacht) – 2. Ebene"),  # any text is a position
    agent("sue", "supervisor"),
    agent("quinn", "qa_reviewer"),
    agent("eve", "admin"),
    agent("nobody"),
]
EXPECTED = {
    "fay": ("first_line", Role.AGENT),
    "sol": ("second_line", Role.AGENT),
    "nia": ("new_agent", Role.AGENT),
    "omar": ("minor_language", Role.AGENT),
    "pia": ("night_shift_es", Role.AGENT),
    "max": ("Teamleiterin Süd (Nacht) – 2. Ebene", Role.AGENT),
    "sue": ("supervisor", Role.SUPERVISOR),
    "quinn": ("qa_reviewer", Role.QA_REVIEWER),
    "eve": ("admin", Role.AGENT),  # an import never makes an administrator
    "nobody": ("", Role.AGENT),
}


def stored() -> dict[str, tuple[str, str]]:
    return {u.username: (u.position, u.role) for u in User.objects.all()}


def export_text() -> str:
    out = io.StringIO()
    history_export(out)
    return out.getvalue()


def test_positions_are_imported_and_grant_access_only_for_supervisor_and_qa(
    tmp_path: Path,
) -> None:
    report = history_import(write_history(tmp_path / "h.jsonl", *TEAM))
    assert report.errors == []
    assert report.entities["agent"].created == len(TEAM)
    assert stored() == EXPECTED
    assert not any(u.can_configure for u in User.objects.all())


def test_positions_round_trip_through_export_unchanged(tmp_path: Path) -> None:
    history_import(write_history(tmp_path / "h.jsonl", *TEAM))
    exported = export_text()
    lines = {o["id"]: o for o in map(json.loads, exported.splitlines())}
    assert {k: v.get("role") for k, v in lines.items()} == {
        k: position or None for k, (position, _role) in EXPECTED.items()
    }
    assert lines == {line["id"]: line for line in TEAM}  # every agent line comes back as it was

    (tmp_path / "export.jsonl").write_text(exported, encoding="utf-8")
    again = history_import(tmp_path / "export.jsonl")
    assert (again.entities["agent"].unchanged, again.entities["agent"].updated) == (len(TEAM), 0)

    flush_history()
    assert history_import(tmp_path / "export.jsonl").errors == []
    assert stored() == EXPECTED
    assert export_text() == exported


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", *TEAM)
    history_import(path)
    second = history_import(path)
    assert (second.entities["agent"].unchanged, second.entities["agent"].updated) == (len(TEAM), 0)
    assert stored() == EXPECTED


def test_a_changed_position_is_an_update_and_moves_the_access_level(tmp_path: Path) -> None:
    history_import(write_history(tmp_path / "a.jsonl", agent("lee", "first_line")))
    report = history_import(write_history(tmp_path / "b.jsonl", agent("lee", "supervisor")))
    assert report.entities["agent"].updated == 1
    assert stored()["lee"] == ("supervisor", Role.SUPERVISOR)
    report = history_import(write_history(tmp_path / "c.jsonl", agent("lee", "second_line")))
    assert report.entities["agent"].updated == 1
    assert stored()["lee"] == ("second_line", Role.AGENT)
    report = history_import(write_history(tmp_path / "d.jsonl", agent("lee")))
    assert report.entities["agent"].updated == 1
    assert stored()["lee"] == ("", Role.AGENT)


def test_a_later_line_in_the_file_replaces_the_earlier_one(tmp_path: Path) -> None:
    report = history_import(
        write_history(
            tmp_path / "h.jsonl",
            agent("lee", "new_agent"),
            agent("lee", "first_line"),
            agent("lee", "first_line"),
        )
    )
    agents = report.entities["agent"]
    assert (agents.created, agents.updated, agents.unchanged) == (1, 1, 1)
    assert stored() == {"lee": ("first_line", Role.AGENT)}


@pytest.mark.parametrize("role", ["first_line", "admin", "supervisor", None])
def test_an_existing_admin_keeps_admin_access(tmp_path: Path, role: str | None) -> None:
    UserFactory(username="ada", role=Role.ADMIN)
    path = write_history(tmp_path / "h.jsonl", agent("ada", role))
    report = history_import(path)
    assert report.errors == []
    ada = User.objects.get(username="ada")
    assert (ada.position, ada.role, ada.can_configure) == (role or "", Role.ADMIN, True)
    again = history_import(path)
    assert again.entities["agent"].unchanged == 1


def test_a_superuser_keeps_admin_access(tmp_path: Path) -> None:
    UserFactory(username="root", role=Role.AGENT, is_superuser=True)
    history_import(write_history(tmp_path / "h.jsonl", agent("root", "first_line")))
    root = User.objects.get(username="root")
    assert (root.position, root.is_superuser, root.can_configure) == ("first_line", True, True)


def test_a_supervisor_made_in_the_app_is_exported_with_that_access_level(
    tmp_path: Path,
) -> None:
    UserFactory(username="sam", display_name="Sam", email="", role=Role.SUPERVISOR)
    UserFactory(username="quinn", display_name="Quinn", email="", role=Role.QA_REVIEWER)
    UserFactory(username="ada", display_name="Ada", email="", role=Role.ADMIN)
    exported = export_text()
    assert [json.loads(line) for line in exported.splitlines()] == [
        {"type": "agent", "id": "ada", "name": "Ada"},  # admin access is never exported
        {"type": "agent", "id": "quinn", "name": "Quinn", "role": "qa_reviewer"},
        {"type": "agent", "id": "sam", "name": "Sam", "role": "supervisor"},
    ]
    (tmp_path / "export.jsonl").write_text(exported, encoding="utf-8")
    again = history_import(tmp_path / "export.jsonl")
    assert again.entities["agent"].unchanged == 3  # the same access: nothing to write
    flush_history()
    history_import(tmp_path / "export.jsonl")
    assert stored() == {
        "ada": ("", Role.AGENT),
        "quinn": ("qa_reviewer", Role.QA_REVIEWER),
        "sam": ("supervisor", Role.SUPERVISOR),
    }


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("x" * 65, "role is longer than 64 characters"),
        ("", "role must not be empty"),
        ("  ", "role must not be empty"),
        (["first_line"], "role must be a string"),
        (False, "role must be a string"),
    ],
)
def test_an_invalid_role_is_reported_with_its_line_number(
    tmp_path: Path, role: Any, message: str
) -> None:
    path = write_history(tmp_path / "h.jsonl", agent("fay", "first_line"), agent("bo", role))
    report = history_import(path)
    assert [(line, message in text) for line, text in report.errors] == [(2, True)]
    assert not User.objects.exists()


def test_64_characters_is_the_longest_role(tmp_path: Path) -> None:
    report = history_import(write_history(tmp_path / "h.jsonl", agent("fay", "é" * 64)))
    assert report.errors == []
    assert stored() == {"fay": ("é" * 64, Role.AGENT)}
