"""Routing's writes (docs/routing.md): new tickets routed through the ticket services (one
`routing` event with the reason, the priority and tags a rule set, the `assign` event), the
offline agents' tickets reassigned, presence, agents' routing profiles and teams' settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import AgentProfile, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer
from afterdesk.core.errors import ValidationError
from afterdesk.routing.access import configure_require
from afterdesk.routing.assign import Choice, agent_choose, team_settings
from afterdesk.routing.models import AgentRouting, AssignMode, Presence, TeamRouting
from afterdesk.routing.rules import (
    TicketFacts,
    rule_first,
    rules_cached,
    rules_current,
    rules_load,
)
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket, TicketEvent
from afterdesk.tickets.services.routing import ticket_route


def _risk_reader(ticket: Ticket, known: int | None = None) -> Any:
    def risk() -> int:
        if known is not None:
            return known
        row = (
            TicketEvent.objects.filter(ticket=ticket, kind="triage")
            .order_by("-at", "-id")
            .values_list("score", flat=True)
            .first()
        )
        return int(row or 0)

    return risk


def ticket_facts(ticket: Ticket, *, risk: int | None = None) -> TicketFacts:
    return TicketFacts(
        channel=ticket.channel,
        platform=ticket.platform,
        store_id=ticket.store_id,
        market=ticket.market,
        language=ticket.language,
        category=ticket.category,
        priority=ticket.priority,
        tags=frozenset(tag.name for tag in ticket.tags.all()),
        order_value=ticket.order_value,
        risk=_risk_reader(ticket, risk),
        customer_tags=lambda: _customer_tags(ticket),
    )


def _customer_tags(ticket: Ticket) -> frozenset[str]:
    if ticket.customer_id is None:
        return frozenset()
    if Ticket.customer.is_cached(ticket):
        customer = ticket.customer
        return frozenset(customer.tags or ()) if customer is not None else frozenset()
    tags = Customer.objects.filter(pk=ticket.customer_id).values_list("tags", flat=True).first()
    return frozenset(tags or ())


def tickets_route_new(*, tickets: Sequence[Ticket], risks: dict[int, int] | None = None) -> None:
    """`tickets.consumers.tickets_opened`: route each new ticket (after its triage) as one
    change of its own. Nothing is written for a ticket no rule matches and no team holds:
    a desk without rules pays one query per batch of new tickets."""
    rules, _stamp = rules_cached()
    # Nothing cached and no team: the cache may be empty or stale, ask the table.
    if not rules and not any(ticket.team_id for ticket in tickets) and not rules_load():
        return
    for ticket in tickets:
        ticket_route_new(ticket, risk=(risks or {}).get(ticket.pk))


def ticket_route_new(
    ticket: Ticket,
    *,
    rules: Sequence[Any] | None = None,
    risk: int | None = None,
    at: datetime | None = None,
) -> TicketEvent | None:
    """Apply the first matching rule and assign inside the ticket's team (docs/routing.md).

    Without `rules`, the rules this process holds are used and their stamp checked against
    the one the candidates' query read along (no statement of its own); a decision taken
    with stale rules, or one that read no stamp, reads the rules again (`rules_load`) and is
    taken again when they changed."""
    at = at or timezone.now()
    if rules is not None:
        return _route(ticket, _decide(ticket, rules, risk, at), at)
    cached, stamp = rules_cached()
    decision = _decide(ticket, cached, risk, at)
    if not rules_current(decision.rules_stamp):
        fresh = rules_load()
        if not rules_current(stamp):  # the rules changed since: decide with the new ones
            decision = _decide(ticket, fresh, risk, at)
    return _route(ticket, decision, at)


@dataclass
class _Decision:
    rule: Any
    team: Team | None
    agent: User | None
    parts: list[str]
    rules_stamp: Any = None
    choice: Choice | None = None


def _decide(ticket: Ticket, rules: Sequence[Any], risk: int | None, at: datetime) -> _Decision:
    try:
        rule, held = rule_first(rules, ticket_facts(ticket, risk=risk))
    except LookupError:
        rule, held = None, []
    team: Team | None = rule.set_team if rule is not None else None
    team = team or ticket.team
    decision = _Decision(rule, team, None, [])
    if rule is None and team is None:
        return decision
    parts = decision.parts
    if rule is not None:
        did = []
        if rule.set_team is not None:
            did.append(f"team {rule.set_team.name}")
        if rule.set_priority:
            did.append(f"priority {rule.set_priority}")
        if rule.add_tags:
            did.append(f"tags {', '.join(rule.add_tags)}")
        parts.append(
            f"rule “{rule.name}” ({', '.join(held)})" + (f": {', '.join(did)}" if did else "")
        )
    if rule is not None and rule.set_agent is not None:
        decision.agent = rule.set_agent
        parts.append(
            f"assigned to {rule.set_agent.display_name or rule.set_agent.username} by the rule"
        )
    elif team is not None:
        if rule is None:
            parts.append(f"no rule matched; team {team.name}")
        choice = agent_choose(ticket=ticket, team=team, at=at, settle=False)
        decision.agent, decision.rules_stamp = choice.agent, choice.rules_stamp
        decision.choice = choice
        parts.append(choice.reason)
    return decision


def _route(ticket: Ticket, decision: _Decision, at: datetime) -> TicketEvent | None:
    rule, team = decision.rule, decision.team
    if rule is None and team is None:
        return None
    if decision.choice is not None:
        decision.choice.settle()
    return ticket_route(
        ticket=ticket,
        reason="; ".join(decision.parts),
        rule=rule.name if rule is not None else "",
        priority=rule.set_priority if rule is not None else "",
        tags=rule.add_tags if rule is not None else (),
        team=team,
        agent=decision.agent,
        at=at,
    )


# ---------------------------------------------------------------------------- offline agents


def offline_reassign(*, now: datetime | None = None) -> list[str]:
    """Reassign the open tickets of agents offline for longer than their ticket's team allows
    (`TeamRouting.reassign_after_minutes`, 30 by default; 0 never). Each ticket is checked
    again under its lock, so two runs at once, or one run again, move it once. Returns a line
    per ticket moved."""
    now = now or timezone.now()
    offline = {
        row.user_id: row
        for row in AgentRouting.objects.filter(
            presence=Presence.OFFLINE, presence_at__isnull=False, presence_at__lt=now
        ).select_related("user")
    }
    if not offline:
        return []
    candidates = (
        Ticket.objects.filter(assignee_id__in=list(offline))
        .exclude(status__in=SOLVED_STATUSES)
        .values_list("pk", "assignee_id", "team_id")
        .order_by("pk")
    )
    settings: dict[int | None, TeamRouting | None] = {}
    lines: list[str] = []
    for pk, assignee_id, team_id in candidates:
        if team_id not in settings:
            team = Team.objects.filter(pk=team_id).first() if team_id else None
            settings[team_id] = team_settings(team) if team is not None else None
        row = settings[team_id]
        minutes = row.reassign_after_minutes if row is not None else 30
        profile = offline[assignee_id]
        since = profile.presence_at
        if not minutes or since is None or now - since < timedelta(minutes=minutes):
            continue
        line = _reassign_one(pk, profile, minutes, now)
        if line:
            lines.append(line)
    return lines


@transaction.atomic
def _reassign_one(pk: int, profile: AgentRouting, minutes: int, now: datetime) -> str | None:
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=pk)
    if ticket.assignee_id != profile.user_id or ticket.status in SOLVED_STATUSES:
        return None  # moved or solved meanwhile
    current = AgentRouting.objects.get(pk=profile.pk)
    if current.presence != Presence.OFFLINE:
        return None  # back online meanwhile
    old = profile.user.display_name or profile.user.username
    since = profile.presence_at.strftime("%Y-%m-%d %H:%M UTC") if profile.presence_at else ""
    reason = f"{old} offline since {since} (over {minutes} min)"
    agent = None
    if ticket.team is not None:
        choice = agent_choose(ticket=ticket, team=ticket.team, at=now, exclude=[profile.user_id])
        agent = choice.agent
        reason += f"; {choice.reason}"
    else:
        reason += "; no team to reassign within: unassigned"
    ticket_route(ticket=ticket, reason=reason, agent=agent, unassign=True, at=now)
    return f"{ticket.external_id}: {reason}"


# ---------------------------------------------------------------------------- presence, profiles


def profile_get(user: User) -> AgentRouting:
    return AgentRouting.objects.get_or_create(user=user)[0]


@transaction.atomic
def presence_set(*, user: User, presence: str, at: datetime | None = None) -> AgentRouting:
    """An agent's own presence; the instant is kept only when it changes (offline since…)."""
    if presence not in Presence.values:
        raise ValidationError(
            f"presence must be one of {', '.join(Presence.values)}", field="presence"
        )
    profile = AgentRouting.objects.select_for_update().get_or_create(user=user)[0]
    if profile.presence != presence or profile.presence_at is None:
        profile.presence = presence
        profile.presence_at = at or timezone.now()
        profile.save(update_fields=["presence", "presence_at"])
    return profile


def _list(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{name} must be a list of strings", field=name)
    return sorted({v.strip().lower() for v in value if v.strip()})


@transaction.atomic
def agent_routing_update(*, by: User, user: User, data: dict[str, Any]) -> AgentRouting:
    """An agent's skills (languages, categories, platforms), capacity, shift and approval
    limit (admins). The languages are the agent profile's."""
    configure_require(by)
    profile = AgentRouting.objects.select_for_update().get_or_create(user=user)[0]
    capacity = data.get("capacity", profile.capacity)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 <= capacity <= 1000:
        raise ValidationError("capacity must be a whole number from 0 to 1000", field="capacity")
    profile.capacity = capacity
    profile.categories = _list("categories", data.get("categories"))
    profile.platforms = _list("platforms", data.get("platforms"))
    shift = data.get("shift")
    if shift in (None, ""):
        profile.shift = None
    else:
        calendar = (
            shift if isinstance(shift, Calendar) else Calendar.objects.filter(key=shift).first()
        )
        if calendar is None:
            raise ValidationError(f"no calendar {shift!s}", field="shift")
        profile.shift = calendar
    limit = data.get("approval_limit")
    if limit in (None, ""):
        profile.approval_limit = None
    else:
        try:
            amount = Decimal(str(limit))
        except InvalidOperation as exc:
            raise ValidationError(
                "approval_limit must be a number", field="approval_limit"
            ) from exc
        if not amount.is_finite() or amount < 0:
            raise ValidationError("approval_limit must be at least 0", field="approval_limit")
        profile.approval_limit = amount
    currency = str(data.get("approval_currency") or "").strip().upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        raise ValidationError("approval_currency is a 3-letter code", field="approval_currency")
    profile.approval_currency = currency
    profile.save()
    if "languages" in data:
        agent_profile = AgentProfile.objects.get_or_create(user=user)[0]
        agent_profile.languages = _list("languages", data.get("languages"))
        agent_profile.save(update_fields=["languages"])
    return profile


@transaction.atomic
def team_routing_update(*, by: User, team: Team, data: dict[str, Any]) -> TeamRouting:
    configure_require(by)
    row = TeamRouting.objects.select_for_update().get_or_create(team=team)[0]
    mode = data.get("mode", row.mode)
    if mode not in AssignMode.values:
        raise ValidationError(f"mode must be one of {', '.join(AssignMode.values)}", field="mode")
    minutes = data.get("reassign_after_minutes", row.reassign_after_minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 10080:
        raise ValidationError(
            "reassign_after_minutes must be a whole number from 0 to 10080",
            field="reassign_after_minutes",
        )
    row.mode = mode
    row.auto_assign = bool(data.get("auto_assign", row.auto_assign))
    row.reassign_after_minutes = minutes
    row.save()
    return row
