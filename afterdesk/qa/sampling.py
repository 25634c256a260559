"""Sampling (docs/qa.md, "Sampling"): each cycle, `per_agent` conversations of each agent,
drawn at random among those the assignment's filters keep, into the reviewers' queues.

A conversation belongs to the agent who wrote most of its replies in the cycle (ties: the
lower user id). The draw is seeded by the assignment and the cycle, so sampling a cycle again
picks the same conversations; a cycle sampled already is left as it is."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.qa.models import Assignment, Cycle, SampleItem
from afterdesk.qa.services import settings_get
from afterdesk.tickets.models import Message, MessageKind, Ticket, TicketEvent

OPEN_STATUSES = ("new", "open", "pending", "on_hold")


def cycle_start_of(cycle: str, day: date) -> date:
    if cycle == Cycle.DAILY:
        return day
    if cycle == Cycle.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def cycle_end_of(cycle: str, start: date) -> date:
    if cycle == Cycle.DAILY:
        return start + timedelta(days=1)
    if cycle == Cycle.WEEKLY:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_complete_cycle(cycle: str, now: datetime) -> date:
    """The start of the newest cycle that has ended by `now` (local time of the desk)."""
    current = cycle_start_of(cycle, timezone.localtime(now).date())
    return cycle_start_of(cycle, current - timedelta(days=1))


def _instant(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(tickets: QuerySet[Ticket], filters: dict[str, Any]) -> QuerySet[Ticket]:
    if "team" in filters:
        tickets = tickets.filter(team_id=filters["team"])
    if "channel" in filters:
        tickets = tickets.filter(channel=filters["channel"])
    if "category" in filters:
        tickets = tickets.filter(category=filters["category"])
    events = TicketEvent.objects.filter(ticket=OuterRef("pk"))
    if "csat_max" in filters:
        tickets = tickets.filter(Exists(events.filter(kind="csat", score__lte=filters["csat_max"])))
    if "risk_min" in filters:
        tickets = tickets.filter(
            Exists(events.filter(kind="triage", score__gte=filters["risk_min"]))
        )
    if filters.get("reopened"):
        solved_before = TicketEvent.objects.filter(
            ticket=OuterRef("ticket"), kind="status", subtype="solved", at__lt=OuterRef("at")
        )
        tickets = tickets.filter(
            Exists(
                events.filter(kind="status", subtype__in=OPEN_STATUSES).filter(
                    Exists(solved_before)
                )
            )
        )
    if "min_messages" in filters:
        tickets = tickets.annotate(
            public_messages=Count("messages", filter=~Q(messages__kind=MessageKind.NOTE))
        ).filter(public_messages__gte=filters["min_messages"])
    return tickets


def candidates(assignment: Assignment, start: date) -> dict[int, list[int]]:
    """Agent id → the sorted ids of the kept tickets the agent owns in the cycle."""
    end = cycle_end_of(assignment.cycle, start)
    tickets = _filtered(Ticket.objects.all(), assignment.filters)
    rows = (
        Message.objects.filter(
            kind=MessageKind.REPLY,
            author__isnull=False,
            created_at__gte=_instant(start),
            created_at__lt=_instant(end),
            ticket__in=tickets.values("pk"),
        )
        .values("ticket", "author")
        .annotate(n=Count("pk"))
        .order_by()
    )
    best: dict[int, tuple[int, int]] = {}
    for row in rows:
        key = (-row["n"], row["author"])
        if row["ticket"] not in best or key < best[row["ticket"]]:
            best[row["ticket"]] = key
    by_agent: dict[int, list[int]] = defaultdict(list)
    for ticket_id, (_, author) in best.items():
        by_agent[author].append(ticket_id)
    return {agent: sorted(ids) for agent, ids in by_agent.items()}


def sample_cycle(assignment: Assignment, start: date) -> list[SampleItem]:
    """Sample one cycle of one assignment (its start normalised to the cycle); the cycle's items
    already there are returned as they are."""
    start = cycle_start_of(assignment.cycle, start)
    with transaction.atomic():
        # The assignment's row lock makes two samplings of one cycle take turns.
        Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        existing = list(SampleItem.objects.filter(assignment=assignment, cycle_start=start))
        if existing:
            return existing
        self_review = settings_get().self_review
        reviewers = sorted(assignment.reviewers.filter(is_active=True), key=lambda u: u.pk)
        # Not for secrets: a draw anyone can repeat from the assignment and the cycle.
        rng = random.Random(  # noqa: S311
            f"qa:{assignment.pk}:{start.isoformat()}"
        )
        items: list[SampleItem] = []
        turn = 0
        for agent_id, ticket_ids in sorted(candidates(assignment, start).items()):
            picked = rng.sample(ticket_ids, min(assignment.per_agent, len(ticket_ids)))
            eligible = [r for r in reviewers if self_review or r.pk != agent_id]
            if not eligible:
                continue
            for ticket_id in sorted(picked):
                reviewer = eligible[turn % len(eligible)]
                turn += 1
                items.append(
                    SampleItem(
                        assignment=assignment,
                        cycle_start=start,
                        ticket_id=ticket_id,
                        agent_id=agent_id,
                        reviewer=reviewer,
                    )
                )
        SampleItem.objects.bulk_create(items, ignore_conflicts=True)
        return list(SampleItem.objects.filter(assignment=assignment, cycle_start=start))


def sample_due(*, now: datetime | None = None, start: date | None = None) -> dict[str, int]:
    """Every active assignment's last complete cycle (or the cycle holding `start`): assignment
    name → the number of items in that cycle."""
    now = now or timezone.now()
    out: dict[str, int] = {}
    for assignment in Assignment.objects.filter(active=True).order_by("pk"):
        cycle_start = (
            cycle_start_of(assignment.cycle, start)
            if start is not None
            else last_complete_cycle(assignment.cycle, now)
        )
        out[assignment.name] = len(sample_cycle(assignment, cycle_start))
    return out


def queue_of(user: User) -> QuerySet[SampleItem]:
    return (
        SampleItem.objects.filter(reviewer=user, done=False)
        .select_related("ticket", "agent", "assignment__rubric")
        .order_by("cycle_start", "id")
    )
