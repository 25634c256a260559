"""The demo's routing (docs/routing.md, "In the demo"): a few rules, every agent's routing
profile (online; the APAC team on the Tokyo calendar's hours, the others always on shift) and
approval limits for the first line; the first two buyers are tagged `vip`. Written through
the services as the demo's admin; loading twice changes nothing."""

from __future__ import annotations

from typing import Any

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer
from afterdesk.commerce.services import customer_tags_set
from afterdesk.routing import rules, services
from afterdesk.routing.models import RoutingRule

# (name, conditions and actions); team names are the demo's (demo.catalog.TEAMS).
RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Legal threats and chargebacks", {"risk_min": 60, "set_team": "Escalations",
                                       "set_priority": "urgent"}),
    ("VIP buyers", {"customer_tags": ["vip"], "set_priority": "high"}),
    ("Spanish lost parcels", {"languages": ["es"], "categories": ["not_received"],
                              "set_team": "EU Languages", "set_priority": "high",
                              "add_tags": ["lost-parcel"]}),
    ("Japanese", {"languages": ["ja"], "set_team": "APAC"}),
    ("English", {"languages": ["en"], "set_team": "EN Tier 1"}),
    ("Other languages", {"languages": ["de", "es", "fr", "it", "pt", "ar"],
                         "set_team": "EU Languages"}),
)  # fmt: skip
APAC_SHIFT = "jp-tokyo"
DEMO_CAPACITY = 30  # the demo's agents hold many open tickets from its history
FIRST_LINE_LIMIT = ("50", "EUR")
VIP_CUSTOMERS = 2  # the demo's first buyers are tagged `vip` (a customer tag)


def routing_demo_load(*, admin: User) -> dict[str, int]:
    teams = {team.name for team in Team.objects.all()}
    written = 0
    for position, (name, fields) in enumerate(RULES, start=1):
        if fields.get("set_team") and fields["set_team"] not in teams:
            continue
        data = {"name": name, "position": position * 10, **fields}
        rule = RoutingRule.objects.filter(name=name).first()
        if rule is None:
            rules.rule_create(by=admin, data=data)
        else:
            rules.rule_update(by=admin, rule=rule, data=data)
        written += 1
    tokyo = Calendar.objects.filter(key=APAC_SHIFT).first()
    agents = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR])
    profiles = 0
    for agent in agents.prefetch_related("teams"):
        languages = AgentProfile.objects.filter(user=agent).values_list("languages", flat=True)
        apac = any(team.name == "APAC" for team in agent.teams.all())
        first_line = agent.role == Role.AGENT
        services.agent_routing_update(
            by=admin,
            user=agent,
            data={
                "capacity": DEMO_CAPACITY,
                "shift": tokyo if apac and tokyo is not None else None,
                "approval_limit": FIRST_LINE_LIMIT[0] if first_line else None,
                "approval_currency": FIRST_LINE_LIMIT[1] if first_line else "",
                "languages": list(languages.first() or []),
            },
        )
        services.presence_set(user=agent, presence="online")
        profiles += 1
    for customer_id in Customer.objects.order_by("pk").values_list("pk", flat=True)[:VIP_CUSTOMERS]:
        customer_tags_set(by=admin, customer_id=customer_id, tags=["vip"])
    return {"rules": written, "agents": profiles}
