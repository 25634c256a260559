"""SLA reports: % met per group with the breached tickets (JSON and CSV), and the pending
abuse audit (docs/sla.md, "Reports")."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.sla.sweep import sla_sweep
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0, UserFactory
from tests.metrics.api.conftest import ApiAs

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
PERIOD = {"from": "2026-10-01T00:00:00Z", "to": "2026-10-08T00:00:00Z"}


def amazon(external_id: str, agent: User) -> Ticket:
    ticket = services.ticket_create(
        subject="Hi",
        channel="marketplace",
        platform="amazon",
        body="?",
        at=T0,
        external_id=external_id,
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    return ticket


def test_met_rate_per_agent_with_the_breached_tickets(
    api_as: ApiAs, supervisor: User, agent: User, team: Team
) -> None:
    other = UserFactory(username="lena", teams=[team])
    services.message_reply(ticket=amazon("A-1", agent), by=agent, body="ok", at=T0 + H)
    services.message_reply(ticket=amazon("A-2", agent), by=agent, body="late", at=T0 + 30 * H)
    services.message_reply(ticket=amazon("L-1", other), by=other, body="ok", at=T0 + 2 * H)
    amazon("L-2", other)  # unanswered: still running, then breached by a sweep
    sla_sweep(now=T0 + 40 * H)
    response = api_as(supervisor).get("/api/sla/report", **PERIOD, by="agent")
    assert response.status_code == 200, response.json()
    rows = {row["key"]: row for row in response.json()}
    assert rows["anna"]["targets"]["first_reply"] == {"clocks": 2, "met": 1, "met_rate": 0.5}
    assert [b["ticket"] for b in rows["anna"]["breaches"]] == ["A-2"]
    assert rows["lena"]["targets"]["first_reply"]["clocks"] == 2
    assert [b["ticket"] for b in rows["lena"]["breaches"]] == ["L-2"]
    download = api_as(supervisor).get("/api/sla/report", **PERIOD, by="agent", format="csv")
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[0] == ["agent", "target", "clocks", "met", "met_rate", "breached_tickets"]
    assert ["anna", "first_reply", "2", "1", "0.5000", "A-2"] in lines


def test_the_report_is_for_supervisors_and_checks_its_period(
    api_as: ApiAs, agent: User, supervisor: User
) -> None:
    assert api_as(agent).get("/api/sla/report", **PERIOD).status_code == 403
    bad = api_as(supervisor).get("/api/sla/report", **{**PERIOD, "to": "2026-09-01T00:00:00Z"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "to"
    assert api_as(supervisor).get("/api/sla/report", **PERIOD, by="moon").status_code == 422
    naive = api_as(supervisor).get("/api/sla/report", **{**PERIOD, "from": "2026-10-01"})
    assert naive.status_code == 422


def test_pending_just_before_a_deadline_and_back_without_a_buyer_message_is_flagged(
    api_as: ApiAs, supervisor: User, agent: User
) -> None:
    gamed = amazon("G-1", agent)
    # 23.5 h in, half an hour before the deadline: pending, then back to open at once
    services.ticket_set_status(ticket=gamed, by=agent, status="pending", at=T0 + 23.5 * H)
    services.ticket_set_status(ticket=gamed, by=agent, status="open", at=T0 + 23.6 * H)
    honest = amazon("H-1", agent)
    services.ticket_set_status(ticket=honest, by=agent, status="pending", at=T0 + 23.5 * H)
    services.message_ingest(ticket=honest, body="here is the photo", at=T0 + 25 * H)
    early = amazon("E-1", agent)
    services.ticket_set_status(ticket=early, by=agent, status="pending", at=T0 + 2 * H)
    services.ticket_set_status(ticket=early, by=agent, status="open", at=T0 + 3 * H)
    response = api_as(supervisor).get("/api/sla/pending-abuse", **PERIOD)
    assert response.status_code == 200
    assert response.json() == [
        {
            "agent": "anna",
            "ticket": "G-1",
            "target": "first_reply",
            "pending_at": "2026-10-02T07:30:00Z",
            "due": "2026-10-02T08:00:00Z",
            "back_at": "2026-10-02T07:36:00Z",
        }
    ]
