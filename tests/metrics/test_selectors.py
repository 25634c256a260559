"""Drill-down, leaderboards and segment views."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.selectors import (
    kpi_tickets,
    leaderboard,
    segment_view,
    team_leaderboard,
)
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, default_template, template_parse
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
START, END = T0 - timedelta(days=1), T0 + timedelta(days=6)


def solved(agent: User, minutes: int, *, language: str = "en", at_offset: int = 0) -> Ticket:
    created = T0 + timedelta(days=at_offset)
    ticket = services.ticket_create(
        subject="x", channel="email", body="hi", at=created, language=language
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=created)
    services.message_reply(
        ticket=ticket, by=agent, body="ok", status="solved", at=created + timedelta(minutes=minutes)
    )
    services.csat_record(ticket=ticket, rating=5, at=created + timedelta(hours=1, minutes=minutes))
    return ticket


def test_drill_down_returns_exactly_the_tickets_behind_the_figure() -> None:
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
    mine = {solved(anna, 10).pk, solved(anna, 20).pk}
    solved(bo, 5)
    template = default_template()
    for kpi in ("first_reply_time_business", "resolution_time", "csat_rate", "handled_volume"):
        ids = set(
            kpi_tickets(kpi=kpi, agent=anna, start=START, end=END, template=template).values_list(
                "pk", flat=True
            )
        )
        assert ids == mine, kpi
        n = compute_kpis(start=START, end=END, template=template)[anna.pk][kpi].n
        assert n == len(ids)
    with pytest.raises(ValidationError):
        kpi_tickets(kpi="speed", agent=anna, start=START, end=END, template=template)


def test_leaderboards_rank_people_and_teams_with_trend() -> None:
    red, blue = TeamFactory(name="red"), TeamFactory(name="blue")
    fast = UserFactory(username="fast", teams=[red])
    slow = UserFactory(username="slow", teams=[blue])
    solved(fast, 5)
    solved(slow, 200)
    solved(fast, 300, at_offset=-5)  # previous week: fast was slow
    template = template_parse({**DEFAULT_TEMPLATE_JSON, "min_samples": 1})
    rows = leaderboard(start=START, end=END, template=template)
    assert [r.row.agent for r in rows] == ["fast", "slow"]
    assert rows[0].previous_total is not None
    assert rows[0].trend is not None
    assert rows[0].trend > 0
    teams = team_leaderboard(start=START, end=END, template=template)
    assert [(t.team, t.rank) for t in teams] == [("red", 1), ("blue", 2)]


def test_segment_view_by_language() -> None:
    anna = UserFactory(username="anna")
    solved(anna, 10, language="de")
    solved(anna, 30, language="de")
    solved(anna, 60, language="ja")
    rows = segment_view(dimension="language", start=START, end=END)
    assert [(r["segment"], r["solved"]) for r in rows] == [("de", 2), ("ja", 1)]
    assert rows[0]["resolution_time_business"] == 20.0
    assert rows[0]["csat_rate"] == 1.0
    with pytest.raises(ValidationError):
        segment_view(dimension="moon", start=START, end=END)
