"""Shared data for the bonus tests: a CSAT-only template (total = 100 × csat_rate), so a
scorecard total is set exactly by the ratings, assigned to the position `csat_team`, and
agents with rated tickets (in that position unless they have one already)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from afterdesk.accounts.models import User
from afterdesk.bonuses.models import BonusRule
from afterdesk.bonuses.services import bonus_rule_save
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.scorecards import KpiLine, ScorecardRow
from afterdesk.metrics.services import template_save
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0

START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]
POSITION = "csat_team"  # the position scored by the CSAT-only template

TEMPLATE: dict[str, Any] = {
    "id": "csat_only",
    "name": "CSAT only",
    "min_samples": 2,
    "categories": [
        {
            "name": "quality",
            "weight": 1,
            "kpis": [{"kpi": "csat_rate", "weight": 1, "target": 1, "floor": 0}],
        }
    ],
    "default_category_target": 960,
}

DEFINITION: dict[str, Any] = {
    "tiers": [
        {"name": "silver", "min_total": 80, "amount": "100"},
        {"name": "gold", "min_total": 90, "amount": 300},
    ],
    "extras": [
        {
            "name": "csat",
            "amount": "50.00",
            "when": [{"kpi": "csat_rate", "op": ">=", "value": 0.98}],
        },
        {
            "name": "volume",
            "amount": "80",
            "when": [{"kpi": "handled_volume", "op": ">=", "value": 5}],
            "unless": [{"kpi": "complaint_rate", "op": ">", "value": "0.1"}],
        },
    ],
}


def install_template() -> None:
    """The CSAT-only template, scoring the position `csat_team` (docs/metrics.md, "Positions
    and templates")."""
    template_save(definition=TEMPLATE, role=POSITION)
    template_assign(template_key="csat_only", position=POSITION)


def make_rule(**fields: Any) -> BonusRule:
    install_template()
    values: dict[str, Any] = {
        "name": "CSAT bonus",
        "target_kind": "template",
        "template_key": "csat_only",
        "currency": "EUR",
        "definition": DEFINITION,
        "budget": "1000",
        "labour_cost": "10000",
    }
    values.update(fields)
    return bonus_rule_save(**values)


def rated(
    agent: User, ratings: list[int], *, complaints: int = 0, position: str = POSITION
) -> list[Ticket]:
    """One solved ticket per rating, replied by `agent`, rated a day later. An agent without
    a position gets `position` (by default the CSAT-only template's)."""
    if not agent.position and position:
        agent.position = position
        agent.save(update_fields=["position"])
    tickets = []
    for index, rating in enumerate(ratings):
        at = T0 + timedelta(hours=index)
        ticket = services.ticket_create(subject="Late", channel="email", body="Where?", at=at)
        services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=at)
        reply_at = at + timedelta(minutes=30)
        services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=reply_at)
        services.csat_record(ticket=ticket, rating=rating, at=reply_at + timedelta(days=1))
        if index < complaints:
            services.complaint_record(ticket=ticket, against=agent, at=reply_at)
        tickets.append(ticket)
    return tickets


def row(
    total: Fraction | None, kpis: dict[str, tuple[Fraction | None, int, str | None]] | None = None
) -> ScorecardRow:
    """A scorecard row built by hand, for the pure payout tests."""
    lines = {
        kpi: KpiLine(value, n, None, excluded) for kpi, (value, n, excluded) in (kpis or {}).items()
    }
    return ScorecardRow(7, "anna", lines, {"quality": total}, total, rank=1, template="csat_only")
