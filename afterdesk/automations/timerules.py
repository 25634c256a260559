"""Time rules ("solved for 24 h", "pending 72 h without a buyer reply") and dry runs
(docs/automations.md, "Time rules" and "Dry run").

A time rule's ticket qualifies once it has been in the rule's status for its hours; the
qualifying period starts when the ticket last entered that status, and is the firing's key,
so the periodic task fires a rule once per ticket and period however often it runs. A ticket
that leaves the status and comes back starts a new period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from afterdesk.automations.conditions import conditions_filter
from afterdesk.automations.engine import rule_fire
from afterdesk.automations.models import Firing, Rule, Trigger
from afterdesk.tickets.models import Ticket, TicketEvent

DRY_RUN_LIMIT = 200


def _since(rule: Rule) -> Any:
    """When the ticket last entered the rule's status (a subquery: no GROUP BY)."""
    entered = Subquery(
        TicketEvent.objects.filter(
            ticket_id=OuterRef("pk"), kind="status", subtype=rule.time_status
        )
        .order_by("-at", "-id")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    if rule.time_status == "new":  # a new ticket entered `new` when it was created
        return Coalesce(entered, "created_at", output_field=DateTimeField())
    return entered


def time_candidates(rule: Rule, now: datetime) -> QuerySet[Ticket]:
    """The tickets the time rule fires on now (annotated with `since`), not fired yet for
    their current period."""
    hours = rule.time_hours or 0
    tickets = conditions_filter(Ticket.objects.filter(status=rule.time_status), rule.conditions)
    tickets = tickets.annotate(since=_since(rule)).filter(since__lte=now - timedelta(hours=hours))
    if rule.time_without_buyer_reply:
        buyer_wrote = TicketEvent.objects.filter(
            ticket_id=OuterRef("pk"), kind="message", subtype="inbound", at__gt=OuterRef("since")
        )
        tickets = tickets.filter(~Exists(buyer_wrote))
    # Fired (or stopped by the limit) since the period began: done for this period. The
    # firing's unique key (`_period`) is what guarantees once; this only skips early.
    fired = Firing.objects.filter(
        rule_id=rule.pk, ticket_id=OuterRef("pk"), at__gte=OuterRef("since")
    )
    return tickets.filter(~Exists(fired)).order_by("since", "pk")


def time_rules_run(now: datetime | None = None, *, limit: int = 500) -> list[Firing]:
    """Fire every enabled time rule on the tickets it is due on (the periodic task)."""
    now = now or timezone.now()
    fired: list[Firing] = []
    for rule in Rule.objects.filter(trigger=Trigger.TIME, enabled=True).order_by("position", "id"):
        if not rule.time_status or rule.time_hours is None:
            continue
        due = time_candidates(rule, now).values_list("pk", "since")  # type: ignore[misc]
        for ticket_id, since in due[:limit]:
            firing = rule_fire(
                rule=rule, ticket_id=ticket_id, trigger=Trigger.TIME, key=_period(since), now=now
            )
            if firing is not None:
                fired.append(firing)
    return fired


def _period(since: datetime) -> str:
    return "period:" + since.astimezone(timezone.get_fixed_timezone(0)).isoformat()


@dataclass(frozen=True)
class DryRunLine:
    ticket_id: int
    subject: str
    status: str
    already: int  # how often the rule fired on it


def dry_run(rule: Rule, now: datetime | None = None) -> tuple[int, list[DryRunLine]]:
    """The tickets the rule would touch now: for a time rule, those it fires on at the next
    run; for an event rule, the tickets not closed whose conditions hold (the ones its
    trigger would fire it on), less those at its limit. Nothing is written."""
    now = now or timezone.now()
    if rule.trigger == Trigger.TIME:
        if not rule.time_status or rule.time_hours is None:
            return 0, []
        tickets = time_candidates(rule, now)
    else:
        tickets = conditions_filter(Ticket.objects.exclude(status="closed"), rule.conditions)
        tickets = tickets.order_by("-updated_at", "-id")
    done = (
        # rule_id: a rule not saved yet (the form's dry run) has fired nowhere
        Firing.objects.filter(rule_id=rule.pk, ticket_id=OuterRef("pk"), state="done")
        .order_by()
        .values("ticket_id")
    )
    counted = tickets.annotate(
        fired=Coalesce(Subquery(done.annotate(n=Count("pk")).values("n")[:1]), Value(0))
    ).filter(fired__lt=rule.max_per_ticket)
    total = counted.count()
    lines = [
        DryRunLine(ticket_id=t.pk, subject=t.subject, status=t.status, already=t.fired)
        for t in counted[:DRY_RUN_LIMIT]
    ]
    return total, lines
