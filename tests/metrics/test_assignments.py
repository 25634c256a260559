"""Which template scores whom (docs/metrics.md, "Positions and templates"): assignments to
positions and agents from a date, the version in force at the period's end, and scorecards
ranked within one template."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.assignments import (
    AGENT,
    POSITION,
    agent_templates,
    assignment_history,
    assignments_overview,
    template_assign,
)
from afterdesk.metrics.models import ScorecardTemplateVersion, TemplateAssignment
from afterdesk.metrics.presets import PRESETS
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.services import template_save
from afterdesk.tickets import services
from tests.factories import T0, UserFactory

pytestmark = pytest.mark.django_db

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
OCTOBER = {"start": datetime(2026, 10, 1, tzinfo=UTC), "end": NOV_1}


def preset(key: str) -> dict[str, Any]:
    return copy.deepcopy(next(p for p in PRESETS if p["id"] == key))


def solved_ticket(agent: User, minutes: int, rating: int = 5) -> None:
    ticket = services.ticket_create(subject="Late", channel="email", body="Where?", at=T0)
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    at = T0 + timedelta(minutes=minutes)
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=at)
    services.csat_record(ticket=ticket, rating=rating, at=at + timedelta(hours=24))


def busy(agent: User, minutes: int = 30, tickets: int = 5) -> User:
    for _ in range(tickets):
        solved_ticket(agent, minutes)
    return agent


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_new_desks_score_the_demo_positions_with_the_presets() -> None:
    users = {
        position: UserFactory(username=position, position=position)
        for position in (
            "first_line",
            "second_line",
            "returns_specialist",
            "minor_language",
            "new_agent",
        )
    }
    found = agent_templates(agent_ids=[u.pk for u in users.values()], end=NOV_1)
    keys = {position: found[user.pk].key for position, user in users.items()}  # type: ignore[union-attr]
    assert keys == {
        "first_line": "first_line",
        "second_line": "second_line",
        "returns_specialist": "after_sales_specialist",
        "minor_language": "minor_language",
        "new_agent": "new_agent",
    }


def test_a_personal_assignment_wins_over_the_position() -> None:
    anna = UserFactory(username="anna", position="first_line")
    template_assign(template_key="gold_agent", agent=anna)
    found = agent_templates(agent_ids=[anna.pk], end=NOV_1)[anna.pk]
    assert found is not None
    assert (found.key, found.source) == ("gold_agent", AGENT)


def test_ending_a_personal_assignment_falls_back_to_the_position() -> None:
    anna = UserFactory(username="anna", position="first_line")
    template_assign(template_key="gold_agent", agent=anna, effective_from=date(2026, 9, 1))
    template_assign(template_key=None, agent=anna, effective_from=date(2026, 10, 15))
    september = agent_templates(agent_ids=[anna.pk], end=datetime(2026, 10, 1, tzinfo=UTC))
    november = agent_templates(agent_ids=[anna.pk], end=NOV_1)
    assert september[anna.pk].key == "gold_agent"  # type: ignore[union-attr]
    assert (november[anna.pk].key, november[anna.pk].source) == ("first_line", POSITION)  # type: ignore[union-attr]


def test_an_assignment_dated_after_the_period_does_not_score_it() -> None:
    anna = busy(UserFactory(username="anna", position="first_line"))
    template_assign(template_key="gold_agent", agent=anna, effective_from=date(2026, 11, 1))
    rows = scorecard_compute(**OCTOBER)
    assert [(r.agent, r.template) for r in rows] == [("anna", "first_line")]
    november = scorecard_compute(start=NOV_1, end=NOV_1 + timedelta(days=30))
    assert november == []  # no data in November
    found = agent_templates(agent_ids=[anna.pk], end=NOV_1 + timedelta(microseconds=1))
    assert found[anna.pk].key == "gold_agent"  # type: ignore[union-attr]


def test_the_assignment_in_force_just_before_the_end_decides() -> None:
    anna = UserFactory(username="anna", position="first_line")
    template_assign(template_key="gold_agent", agent=anna, effective_from=date(2026, 10, 31))
    assert agent_templates(agent_ids=[anna.pk], end=NOV_1)[anna.pk].key == "gold_agent"  # type: ignore[union-attr]
    end = datetime(2026, 10, 31, tzinfo=UTC)  # the assignment starts exactly at the end
    assert agent_templates(agent_ids=[anna.pk], end=end)[anna.pk].key == "first_line"  # type: ignore[union-attr]


def test_the_template_version_in_force_at_the_period_end_scores() -> None:
    anna = busy(UserFactory(username="anna", position="team_a"), minutes=120)
    strict = preset("first_line") | {"id": "team_a", "name": "Team A"}
    template_save(definition=strict, effective_from=datetime(2026, 9, 1, tzinfo=UTC))
    lenient = copy.deepcopy(strict)
    lenient["categories"][0]["kpis"][0]["floor"] = 121  # first reply 120 min now scores > 0
    template_save(definition=lenient, effective_from=datetime(2026, 10, 15, tzinfo=UTC))
    template_assign(template_key="team_a", position="team_a")

    october = scorecard_compute(**OCTOBER)
    assert [(r.agent, r.template, r.template_version) for r in october] == [("anna", "team_a", 2)]
    first_half = scorecard_compute(start=OCTOBER["start"], end=datetime(2026, 10, 15, tzinfo=UTC))
    assert first_half[0].template_version == 1
    kpi = "first_reply_time_business"
    assert october[0].kpis[kpi].score != first_half[0].kpis[kpi].score
    assert anna.pk == october[0].agent_id


def test_a_template_created_after_the_period_scores_with_its_first_version() -> None:
    busy(UserFactory(username="anna", position="team_a"))
    template_save(definition=preset("first_line") | {"id": "team_a"})  # effective from now
    template_assign(template_key="team_a", position="team_a")
    assert [(r.template, r.template_version) for r in scorecard_compute(**OCTOBER)] == [
        ("team_a", 1)
    ]


def test_supervisors_without_a_template_are_listed_unscored_and_unranked() -> None:
    busy(UserFactory(username="anna", position="first_line"))
    busy(UserFactory(username="boss", position="supervisor", role=Role.SUPERVISOR))
    rows = {r.agent: r for r in scorecard_compute(**OCTOBER)}
    assert rows["boss"].template is None
    assert (rows["boss"].total, rows["boss"].rank, rows["boss"].categories) == (None, None, {})
    line = rows["boss"].kpis["first_reply_time_business"]
    assert (line.value, line.n, line.score, line.excluded) == (30, 5, None, "no template")
    assert rows["anna"].rank == 1
    assert rows["boss"].as_json()["template"] is None
    assert [r.agent for r in scorecard_compute(**OCTOBER)][-1] == "boss"  # listed apart, last


def test_a_supervisor_with_a_template_is_ranked_within_it() -> None:
    busy(UserFactory(username="anna", position="second_line"), minutes=300)
    boss = busy(UserFactory(username="boss", position="supervisor", role=Role.SUPERVISOR))
    template_assign(template_key="second_line", position="supervisor")
    rows = {r.agent: r for r in scorecard_compute(**OCTOBER)}
    assert rows["boss"].template == rows["anna"].template == "second_line"
    assert (rows["boss"].rank, rows["anna"].rank) == (1, 2)
    assert boss.role == Role.SUPERVISOR  # the position grants nothing more here


def test_ranks_are_within_one_template_and_ties_share_the_better_rank() -> None:
    for name in ("amy", "ben"):
        busy(UserFactory(username=name, position="first_line"))
    busy(UserFactory(username="cat", position="first_line"), minutes=200)
    busy(UserFactory(username="dan", position="second_line"), minutes=200)
    busy(UserFactory(username="eve", position="second_line"), minutes=30)
    rows = scorecard_compute(**OCTOBER)
    assert [(r.template, r.agent, r.rank) for r in rows] == [
        ("first_line", "amy", 1),
        ("first_line", "ben", 1),
        ("first_line", "cat", 3),
        ("second_line", "eve", 1),
        ("second_line", "dan", 2),
    ]


def test_what_if_scores_everyone_under_the_one_template() -> None:
    busy(UserFactory(username="amy", position="first_line"))
    busy(UserFactory(username="dan", position="second_line"), minutes=200)
    busy(UserFactory(username="boss", position="supervisor", role=Role.SUPERVISOR))
    spec_rows = scorecard_compute(**OCTOBER, template=_spec("second_line"))
    assert {r.template for r in spec_rows} == {"second_line"}
    assert sorted(r.rank for r in spec_rows if r.rank) == [1, 1, 3]


def _spec(key: str) -> Any:
    from afterdesk.metrics.templates import template_parse

    return template_parse(preset(key))


def test_every_change_is_recorded_with_who_when_and_old_to_new() -> None:
    admin = UserFactory(username="root", role=Role.ADMIN)
    first = template_assign(template_key="gold_agent", position="first_line", by=admin)
    assert first.previous_template is not None
    assert first.previous_template.key == "first_line"
    again = template_assign(template_key="gold_agent", position="first_line", by=admin)
    assert again.pk == first.pk  # nothing changed, nothing recorded
    dated = template_assign(
        template_key="peak_season", position="first_line", effective_from=date(2026, 12, 1)
    )
    assert dated.previous_template.key == "gold_agent"  # type: ignore[union-attr]
    history = assignment_history()
    assert [(r.template.key if r.template else None) for r in history[:2]] == [
        "peak_season",
        "gold_agent",
    ]
    assert history[1].changed_by == admin
    assert history[1].changed_at is not None


def test_assignment_validation() -> None:
    anna = UserFactory(username="anna")
    with pytest.raises(NotFound):
        template_assign(template_key="nope", position="first_line")
    with pytest.raises(ValidationError):
        template_assign(template_key="first_line")
    with pytest.raises(ValidationError):
        template_assign(template_key="first_line", position="x", agent=anna)
    with pytest.raises(ValidationError):
        template_assign(template_key="first_line", position="p" * 65)


def test_overview_lists_positions_their_agents_and_templates() -> None:
    UserFactory(username="anna", position="first_line")
    UserFactory(username="nico", position="night_shift_es")
    gold = UserFactory(username="gina", position="first_line")
    template_assign(template_key="gold_agent", agent=gold)
    overview = assignments_overview(at=NOV_1)
    positions = {p.position: p for p in overview.positions}
    assert [u.username for u in positions["first_line"].agents] == ["anna", "gina"]
    assert positions["first_line"].template.key == "first_line"  # type: ignore[union-attr]
    assert positions["night_shift_es"].template is None
    assert "second_line" in positions  # assigned, even with no agent
    assert [(u.username, a.key) for u, a in overview.personal] == [("gina", "gold_agent")]


def test_resolution_reads_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    users = [UserFactory(username=f"a{i}", position="first_line") for i in range(5)]
    with django_assert_num_queries(3):
        agent_templates(agent_ids=[u.pk for u in users], end=NOV_1)


# --- the commands ---------------------------------------------------------------------------


def test_scorecard_without_template_scores_each_agent_under_their_own() -> None:
    busy(UserFactory(username="amy", position="first_line"))
    busy(UserFactory(username="dan", position="second_line"), minutes=200)
    busy(UserFactory(username="boss", position="supervisor", role=Role.SUPERVISOR))
    period = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]
    rows = json.loads(run("scorecard", *period))
    assert [(r["agent"], r["template"], r["rank"]) for r in rows] == [
        ("amy", "first_line", 1),
        ("dan", "second_line", 1),
        ("boss", None, None),
    ]
    assert rows[2]["total"] is None
    assert rows[2]["categories"] == {}
    csv_lines = run("scorecard", *period, "--format", "csv").splitlines()
    assert csv_lines[0].startswith("template,rank,agent,total,efficiency,quality,cost,")
    assert csv_lines[3].startswith(",,boss,,")
    table = run("scorecard", *period, "--format", "table").splitlines()
    assert table[0].split()[:4] == ["template", "rank", "agent", "total"]
    what_if = json.loads(run("scorecard", *period, "--template", "second_line"))
    assert {r["template"] for r in what_if} == {"second_line"}


def test_templates_load_creates_assigns_and_versions(tmp_path: Path) -> None:
    anna = UserFactory(username="anna", position="night_shift_es")
    path = tmp_path / "night.json"
    definition = preset("first_line") | {"id": "night", "name": "Night shift"}
    path.write_text(json.dumps(definition), encoding="utf-8")
    out = run("templates", "load", str(path), "--roles", "night_shift_es", "--agents", "anna")
    assert out == "night\n"
    found = agent_templates(agent_ids=[anna.pk], end=NOV_1)[anna.pk]
    assert (found.key, found.source, found.version.number) == ("night", AGENT, 1)  # type: ignore[union-attr]
    assert TemplateAssignment.objects.filter(position="night_shift_es").get().effective_from is None

    definition["min_samples"] = 3
    path.write_text(json.dumps(definition), encoding="utf-8")
    run("templates", "load", str(path), "--roles", "night_shift_es", "--from", "2026-10-15")
    version = ScorecardTemplateVersion.objects.get(template__key="night", number=2)
    assert version.effective_from == datetime(2026, 10, 15, tzinfo=UTC)
    assert TemplateAssignment.objects.filter(position="night_shift_es").count() == 1  # same

    listing = run("templates", "assignments")
    assert "position night_shift_es" in listing
    assert "agent anna" in listing


def test_a_loaded_version_without_from_scores_past_periods(tmp_path: Path) -> None:
    busy(UserFactory(username="anna", position="first_line"), minutes=120)
    path = tmp_path / "first_line.json"
    lenient = preset("first_line")
    lenient["categories"][0]["kpis"][0]["floor"] = 121
    path.write_text(json.dumps(lenient), encoding="utf-8")
    before = scorecard_compute(**OCTOBER)[0]
    run("templates", "load", str(path), "--roles", "first_line")
    after = scorecard_compute(**OCTOBER)[0]
    assert (before.template_version, after.template_version) == (1, 2)
    kpi = "first_reply_time_business"
    assert (before.kpis[kpi].floor, after.kpis[kpi].floor) == (240, 121)
    assert before.kpis[kpi].score != after.kpis[kpi].score


def test_a_later_version_wins_from_its_date_even_when_an_earlier_one_started_later() -> None:
    template_save(definition=preset("first_line") | {"id": "t"}, effective_from=NOV_1)
    changed = preset("first_line") | {"id": "t", "min_samples": 2}
    template_save(definition=changed, effective_from=datetime(2026, 10, 1, tzinfo=UTC))
    anna = UserFactory(username="anna", position="p")
    template_assign(template_key="t", position="p")
    found = agent_templates(agent_ids=[anna.pk], end=NOV_1 + timedelta(days=30))[anna.pk]
    assert found is not None
    assert found.version.number == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agents", "ghost"], "unknown agent id(s): ghost"),
        (["--from", "2026-13-01"], "is not a date"),
        (["--roles", "p" * 65], "position must be"),
    ],
)
def test_templates_load_errors_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(preset("first_line") | {"id": "fresh"}), encoding="utf-8")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("templates", "load", str(path), *args)
    assert not ScorecardTemplateVersion.objects.filter(template__key="fresh").exists()


def test_templates_load_rejects_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        run("templates", "load", str(path))
    path.write_text(json.dumps({"id": "x"}), encoding="utf-8")
    with pytest.raises(CommandError, match="default_category_target"):
        run("templates", "load", str(path))
