"""The SLA API: supervisors read the policies, admins write them (one rule with the pages);
bad input is a 4xx naming the field; a ticket's deadlines for whoever may see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.sla.models import Policy, TicketSla
from afterdesk.sla.state import states_rebuild
from afterdesk.tickets import services
from tests.factories import T0, CalendarFactory, TicketFactory
from tests.metrics.api.conftest import ApiAs

pytestmark = pytest.mark.django_db
VIP: dict[str, Any] = {
    "name": "VIP email",
    "position": 1,
    "channels": ["email"],
    "tags": ["vip"],
    "targets": {"high": {"first_reply": 60, "resolution": 1440}},
    "hours": "business",
    "calendar": "eu",
    "warning_minutes": 15,
}


def test_supervisors_read_admins_write(
    api_as: ApiAs, admin_user: User, supervisor: User, agent: User
) -> None:
    CalendarFactory(key="eu")
    admin = api_as(admin_user)
    created = admin.post("/api/sla/policies", VIP)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["calendar"] == "eu"
    assert body["pause_statuses"] == ["on_hold", "pending"]
    assert body["targets"] == VIP["targets"]
    names = [p["name"] for p in api_as(supervisor).get("/api/sla/policies").json()]
    assert names == ["Marketplace: Amazon buyer messages within 24 hours", "VIP email"]
    assert api_as(supervisor).post("/api/sla/policies", {**VIP, "name": "x"}).status_code == 403
    assert api_as(agent).get("/api/sla/policies").status_code == 403
    assert api_as(None).get("/api/sla/policies").status_code == 401
    changed = admin.put(f"/api/sla/policies/{body['id']}", {**VIP, "warning_minutes": 30})
    assert changed.status_code == 200
    assert changed.json()["warning_minutes"] == 30
    assert admin.delete(f"/api/sla/policies/{body['id']}").status_code == 204
    assert Policy.objects.count() == 1


def test_the_preset_can_be_turned_off(api_as: ApiAs, admin_user: User) -> None:
    ticket = services.ticket_create(
        subject="Hi", channel="marketplace", platform="amazon", body="?", at=T0
    )
    assert TicketSla.objects.get(ticket=ticket).first_reply_due is not None
    preset = Policy.objects.get(preset="marketplace")
    data = api_as(admin_user).get(f"/api/sla/policies/{preset.pk}").json()
    fields = {k: v for k, v in data.items() if k not in ("id", "preset")}
    response = api_as(admin_user).put(
        f"/api/sla/policies/{preset.pk}", {**fields, "enabled": False}
    )
    assert response.status_code == 200
    states_rebuild()  # what the task queued after commit does
    assert TicketSla.objects.get(ticket=ticket).next_at is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targets": {"normal": {"first_reply": 0}}}, "targets.normal.first_reply"),
        ({"targets": {"someday": {"first_reply": 10}}}, "targets"),
        ({"targets": {"normal": {"lunch": 10}}}, "targets"),
        ({"targets": {"normal": {"first_reply": "soon"}}}, "targets.normal.first_reply"),
        ({"hours": "moon"}, "hours"),
        ({"calendar": "nowhere"}, "calendar"),
        ({"pause_statuses": ["solved"]}, "pause_statuses"),
        ({"priorities": ["top"]}, "priorities"),
        ({"order_value_min": 10, "order_value_max": 5}, "order_value_min"),
        ({"warning_minutes": -1}, "warning_minutes"),
        ({"colour": "red"}, "colour"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api_as: ApiAs, admin_user: User, change: dict[str, Any], field: str
) -> None:
    response = api_as(admin_user).post("/api/sla/policies", {**VIP, "calendar": None, **change})
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert Policy.objects.count() == 1


def test_a_name_in_use_is_a_409(api_as: ApiAs, admin_user: User) -> None:
    admin = api_as(admin_user)
    assert admin.post("/api/sla/policies", {**VIP, "calendar": None}).status_code == 201
    assert admin.post("/api/sla/policies", {**VIP, "calendar": None}).status_code == 409


def test_a_tickets_deadlines_follow_the_ticket_access_rule(
    api_as: ApiAs, agent: User, other_agent: User
) -> None:
    ticket = services.ticket_create(
        subject="Hi", channel="marketplace", platform="amazon", body="?", at=T0
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    response = api_as(agent).get(f"/api/tickets/{ticket.pk}/sla")
    assert response.status_code == 200
    body = response.json()
    assert body["policy"].startswith("Marketplace")
    assert body["first_reply_due"] == "2026-10-02T08:00:00Z"
    assert body["clocks"][0]["target"] == "first_reply"
    assert api_as(other_agent).get(f"/api/tickets/{ticket.pk}/sla").status_code == 404
    bare = TicketFactory(team=agent.teams.first())
    assert api_as(agent).get(f"/api/tickets/{bare.pk}/sla").status_code == 404


def test_a_matching_vip_policy_wins_by_position(api_as: ApiAs, admin_user: User) -> None:
    CalendarFactory(key="eu")
    api_as(admin_user).post("/api/sla/policies", {**VIP, "calendar": None, "hours": "calendar"})
    vip = services.ticket_create(
        subject="Hi", channel="email", body="?", at=T0, tags=["VIP"], priority="high"
    )
    states_rebuild(ticket_ids=[vip.pk])
    state = TicketSla.objects.get(ticket=vip)
    assert state.policy is not None
    assert state.policy.name == "VIP email"
    assert state.first_reply_due == T0 + timedelta(hours=1)
    assert state.resolution_due == T0 + timedelta(days=1)
