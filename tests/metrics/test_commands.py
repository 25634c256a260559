"""`afterdesk kpis`, `afterdesk scorecard`, `afterdesk metrics rebuild` and stored templates."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.models import ScorecardTemplate, TicketFacts
from afterdesk.metrics.presets import PRESETS
from afterdesk.metrics.services import template_save, template_version_latest
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, template_parse
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0, UserFactory

pytestmark = pytest.mark.django_db
PERIOD = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-11-01T00:00:00+00:00"]


def solved_ticket(agent: User, minutes: int, rating: int | None = None) -> Ticket:
    ticket = services.ticket_create(subject="Late", channel="email", body="Where?", at=T0)
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    at = T0 + timedelta(minutes=minutes)
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=at)
    if rating is not None:
        services.csat_record(ticket=ticket, rating=rating, at=at + timedelta(hours=24))
    return ticket


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_kpis_json_has_value_and_n_per_kpi() -> None:
    anna = UserFactory(username="anna")
    solved_ticket(anna, 30, rating=5)
    solved_ticket(anna, 90, rating=3)
    rows = json.loads(run("kpis", *PERIOD))
    assert [r["agent"] for r in rows] == ["anna"]
    kpis = rows[0]["kpis"]
    assert kpis["first_reply_time"] == {"value": 60.0, "n": 2}
    assert kpis["csat_rate"] == {"value": 0.5, "n": 2}
    assert kpis["csat_avg"] == {"value": 4.0, "n": 2}
    assert kpis["qa_score"] == {"value": None, "n": 0}
    assert kpis["handled_volume"] == {"value": 2.0, "n": 2}


def test_kpis_csv_and_agent_without_data_is_absent() -> None:
    UserFactory(username="idle")
    solved_ticket(UserFactory(username="=anna"), 30)
    out = run("kpis", *PERIOD, "--format", "csv").splitlines()
    assert out[0].startswith("agent,first_reply_time,first_reply_time_n")
    assert len(out) == 2
    assert out[1].startswith("'=anna,")  # formula injection neutralised


def test_scorecard_rows_and_rank(tmp_path: Path) -> None:
    fast, slow = UserFactory(username="fast"), UserFactory(username="slow")
    for _ in range(5):
        solved_ticket(fast, 30, rating=5)
        solved_ticket(slow, 240, rating=4)
    rows = json.loads(run("scorecard", "--template", "first_line", *PERIOD))
    assert [(r["agent"], r["rank"]) for r in rows] == [("fast", 1), ("slow", 2)]
    assert rows[0]["kpis"]["first_reply_time_business"]["score"] == 100.0
    assert rows[1]["kpis"]["first_reply_time_business"]["score"] == 0.0
    assert set(rows[0]["kpis"]) == set(template_parse(DEFAULT_TEMPLATE_JSON).kpi_ids)
    table = run("scorecard", "--template", "first_line", *PERIOD, "--format", "table")
    assert table.splitlines()[0].split()[:4] == ["template", "rank", "agent", "total"]


def test_csv_guard_strips_control_characters_in_cells_and_headers(tmp_path: Path) -> None:
    """An agent name and a template category name (a header cell) starting with a control
    character and `=` are written as text."""
    for _ in range(5):
        solved_ticket(UserFactory(username="\x01=anna"), 30)
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["categories"][0]["name"] = "\x01=HYPERLINK(1)"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    for command in ("kpis", "scorecard"):
        lines = run(command, "--template", str(path), *PERIOD, "--format", "csv").splitlines()
        assert "\x01" not in "".join(lines)
        assert lines[1].startswith("'=anna,") or ",'=anna," in lines[1]
        if command == "scorecard":
            assert "'=HYPERLINK(1)" in lines[0].split(",")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-10-02T00:00:00Z", "--to", "2026-10-01T00:00:00Z"], "before"),
        (["--from", "2026-10-01T00:00:00", "--to", "2026-10-02T00:00:00Z"], "offset"),
        ([*PERIOD, "--template", "no-such-template"], "neither a file"),
    ],
)
def test_bad_arguments_fail_clearly(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("kpis", *args)


def test_invalid_template_file_names_the_field(tmp_path: Path) -> None:
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["categories"][0]["weight"] = -3
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"categories\[0\]\.weight"):
        run("scorecard", "--template", str(path), *PERIOD)


def test_presets_are_installed_with_the_category_weights() -> None:
    weights = {
        t.key: [c["weight"] for c in template_version_latest(key=t.key).definition["categories"]]
        for t in ScorecardTemplate.objects.all()
    }
    assert weights["first_line"] == [35, 50, 15]
    assert weights["second_line"] == [25, 60, 15]
    assert weights["minor_language"] == [30, 55, 15]
    assert weights["after_sales_specialist"] == [20, 65, 15]
    assert {"new_agent", "gold_agent", "peak_season"} <= set(weights)
    for preset in PRESETS:
        template_parse(preset)


def test_template_versions_are_kept() -> None:
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["id"] = "custom"
    v1 = template_save(definition=data)
    assert template_save(definition=copy.deepcopy(data)).pk == v1.pk
    data["min_samples"] = 3
    v2 = template_save(definition=data)
    assert (v1.number, v2.number) == (1, 2)
    assert template_version_latest(key="custom").pk == v2.pk
    with pytest.raises(ValidationError):
        template_save(definition={**data, "min_samples": 0})


def test_metrics_rebuild_recomputes_facts() -> None:
    solved_ticket(UserFactory(username="anna"), 30)
    TicketFacts.objects.all().delete()
    assert "facts rebuilt for 1 tickets" in run("metrics", "rebuild")
    assert TicketFacts.objects.get().solved


def test_publish_keeps_the_template_version() -> None:
    from afterdesk.metrics.services import scorecard_publish

    for _ in range(2):
        solved_ticket(UserFactory(username="anna"), 30, rating=5)
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="team_a", min_samples=1)
    v1 = template_save(definition=data)
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=30)
    published = scorecard_publish(template_key="team_a", start=start, end=end).scorecard
    template_save(definition={**data, "min_samples": 2})
    published.refresh_from_db()
    assert published.template_version == v1
    assert published.rows[0]["agent"] == "anna"
    assert published.rows[0]["kpis"]["csat_rate"]["target"] == 0.98
