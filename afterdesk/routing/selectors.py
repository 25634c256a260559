"""Routing's reads that authorise (docs/routing.md, "Who may do what")."""

from __future__ import annotations

from typing import Any

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.core.errors import NotFound
from afterdesk.routing.access import read_require
from afterdesk.routing.assign import open_loads, team_settings
from afterdesk.routing.models import AgentRouting, RoutingRule, TeamRouting


def rules_list(*, user: User) -> list[RoutingRule]:
    read_require(user)
    return list(RoutingRule.objects.select_related("set_team", "set_agent"))


def rule_get(*, user: User, rule_id: int) -> RoutingRule:
    read_require(user)
    rule = RoutingRule.objects.select_related("set_team", "set_agent").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("no such routing rule")
    return rule


def agents_routing(*, user: User) -> list[dict[str, Any]]:
    """Every assignable agent with their skills, capacity, load, presence and shift."""
    read_require(user)
    agents = list(
        User.objects.filter(is_active=True).exclude(role=Role.QA_REVIEWER).order_by("username")
    )
    ids = [agent.pk for agent in agents]
    profiles = {
        row.user_id: row
        for row in AgentRouting.objects.filter(user_id__in=ids).select_related("shift")
    }
    languages = {row.user_id: row.languages for row in AgentProfile.objects.filter(user_id__in=ids)}
    loads = open_loads(ids)
    return [_agent_row(a, profiles.get(a.pk), languages.get(a.pk, []), loads) for a in agents]


def agent_routing(*, user: User, username: str) -> dict[str, Any]:
    read_require(user)
    agent = User.objects.filter(username=username, is_active=True).first()
    if agent is None:
        raise NotFound(f"no agent {username!r}")
    profile = AgentRouting.objects.select_related("shift").filter(user=agent).first()
    languages = AgentProfile.objects.filter(user=agent).values_list("languages", flat=True).first()
    return _agent_row(agent, profile, languages or [], open_loads([agent.pk]))


def _agent_row(
    agent: User, profile: AgentRouting | None, languages: list[str], loads: dict[int, int]
) -> dict[str, Any]:
    profile = profile or AgentRouting(user=agent)
    return {
        "agent": agent.username,
        "name": str(agent),
        "languages": languages,
        "categories": profile.categories,
        "platforms": profile.platforms,
        "capacity": profile.capacity,
        "open_tickets": loads.get(agent.pk, 0),
        "presence": profile.presence,
        "presence_at": profile.presence_at,
        "shift": profile.shift.key if profile.shift else None,
        "approval_limit": profile.approval_limit,
        "approval_currency": profile.approval_currency,
    }


def teams_routing(*, user: User) -> list[tuple[Team, TeamRouting]]:
    read_require(user)
    return [(team, team_settings(team)) for team in Team.objects.all()]


def team_get(*, user: User, team_id: int) -> Team:
    read_require(user)
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("no such team")
    return team
