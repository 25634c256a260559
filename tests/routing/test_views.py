"""The routing pages: the same access rule as the API; a refused form keeps what was typed."""

from __future__ import annotations

import pytest
from django.test import Client

from afterdesk.accounts.models import AgentProfile, Team, User
from afterdesk.routing.approvals import approval_request_create
from afterdesk.routing.models import AgentRouting, ApprovalRequest, RoutingRule, TeamRouting

pytestmark = pytest.mark.django_db


def test_overview_access(client: Client, admin_user: User, supervisor: User, agent: User) -> None:
    RoutingRule.objects.create(name="Spanish", languages=["es"], set_priority="high")
    client.force_login(agent)
    assert client.get("/routing/").status_code == 403
    client.force_login(supervisor)
    page = client.get("/routing/")
    assert page.status_code == 200
    assert "Spanish" in page.content.decode()
    assert client.get("/routing/rules/new/").status_code == 403
    client.force_login(admin_user)
    assert 'href="/routing/rules/new/"' in client.get("/routing/").content.decode()


def test_rule_form_creates_and_refuses(client: Client, admin_user: User, team: Team) -> None:
    client.force_login(admin_user)
    data = {
        "name": "Lost es",
        "position": 1,
        "enabled": "on",
        "languages": "es, ES",
        "categories": "not_received",
        "set_team": team.pk,
        "set_priority": "high",
    }
    assert client.post("/routing/rules/new/", data).status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.languages, rule.set_team, rule.enabled) == (["es"], team, True)
    refused = client.post(
        "/routing/rules/new/", {**data, "name": "Again", "set_team": "", "set_priority": ""}
    )
    assert refused.status_code == 422
    assert "a rule sets a team, a priority, tags or an agent" in refused.content.decode()
    assert RoutingRule.objects.count() == 1
    assert client.post(f"/routing/rules/{rule.pk}/delete/").status_code == 302
    assert not RoutingRule.objects.exists()


def test_agent_and_team_forms(client: Client, admin_user: User, agent: User, team: Team) -> None:
    client.force_login(admin_user)
    answer = client.post(
        "/routing/agents/anna/",
        {"languages": "es en", "capacity": 4, "categories": "", "platforms": "amazon"},
    )
    assert answer.status_code == 302
    assert AgentRouting.objects.get(user=agent).platforms == ["amazon"]
    assert AgentProfile.objects.get(user=agent).languages == ["en", "es"]
    assert client.get("/routing/agents/ghost/").status_code == 404
    answer = client.post(
        f"/routing/teams/{team.pk}/", {"mode": "round_robin", "reassign_after_minutes": 15}
    )
    assert answer.status_code == 302
    row = TeamRouting.objects.get(team=team)
    assert (row.mode, row.auto_assign, row.reassign_after_minutes) == ("round_robin", False, 15)


def test_presence_toggle(client: Client, agent: User) -> None:
    client.force_login(agent)
    inbox = client.get("/").content.decode()
    assert 'hx-get="/routing/presence/"' in inbox
    assert 'value="offline" selected' in client.get("/routing/presence/").content.decode()
    toggled = client.post("/routing/presence/", {"presence": "online"}, HTTP_HX_REQUEST="true")
    assert 'value="online" selected' in toggled.content.decode()
    assert client.post("/routing/presence/", {"presence": "asleep"}).status_code == 422
    assert AgentRouting.objects.get(user=agent).presence == "online"


def test_approvals_page(client: Client, agent: User, supervisor: User) -> None:
    request = approval_request_create(by=agent, kind="credit", amount="30", currency="EUR")
    client.force_login(agent)
    assert "30.00 EUR" in client.get("/routing/approvals/").content.decode()
    assert (
        client.post(
            "/routing/approvals/", {"request": request.pk, "decision": "approve"}
        ).status_code
        == 403
    )
    client.force_login(supervisor)
    assert (
        client.post(
            "/routing/approvals/", {"request": request.pk, "decision": "approve"}
        ).status_code
        == 302
    )
    assert ApprovalRequest.objects.get().status == "approved"


def test_the_routing_page_in_chinese(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    page = client.get("/routing/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审批请求" in page
    assert "负载最低" in page or "尚无规则。" in page


def test_a_rules_conditions_show_labels_not_codes(client: Client, admin_user: User) -> None:
    """Issue types, priorities, channels and languages are codes in the rule; the page names
    them (in the reader's language), and a rule's position is its order, not a job."""
    RoutingRule.objects.create(
        name="Spanish lost parcels",
        position=30,
        languages=["es"],
        categories=["not_received"],
        priorities=["urgent"],
        channels=["email"],
    )
    client.force_login(admin_user)
    english = client.get("/routing/").content.decode()
    assert "not_received" not in english
    assert "Not received" in english or "Parcel not received" in english
    page = client.get("/routing/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "not_received" not in page
    assert "urgent" not in page
    assert "顺序" in page
    assert "<th>岗位</th>" not in page
