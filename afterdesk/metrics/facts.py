"""Per-ticket facts (docs/metrics.md, "Per-ticket facts"), computed from one ticket's events
in event order.

A pure function of the ticket's `created_at`, its calendar and its events, so the same code
serves the live recomputation, `afterdesk metrics rebuild`, the history import and the tests'
reference checks. The same pass finds the ticket's reply waits (`reply_time_business`,
docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from afterdesk.calendars.business_time import BusinessCalendar, business_duration
from afterdesk.tickets.log_reader import EventRow

SOLVED = frozenset({"solved", "closed"})


@dataclass(frozen=True)
class ReplyWait:
    """A `reply` that answers a waiting buyer message: the earliest `inbound` since the
    previous reply (or since the ticket began). Durations run from that inbound to the reply;
    `business` in the ticket's calendar."""

    reply_id: int | None
    at: datetime  # the reply
    agent_id: int | None  # the replying agent
    inbound_id: int | None
    waiting_since: datetime  # the inbound it answers
    elapsed: timedelta
    business: timedelta


@dataclass(frozen=True)
class Facts:
    customer_initiated: bool
    agent_replies: int
    first_reply_at: datetime | None
    first_reply_agent_id: int | None
    first_reply: timedelta | None  # elapsed; only for customer-initiated tickets
    first_reply_business: timedelta | None
    solved: bool
    last_solve_at: datetime | None
    resolver_id: int | None
    resolution: timedelta | None  # elapsed, solved tickets only
    resolution_business: timedelta | None
    reopens: int
    transfers: int
    escalations: int
    rating: int | None  # the latest rating over the whole history
    rating_at: datetime | None
    rating_agent_id: int | None  # resolver at rating time; None = dropped
    return_outcome: str | None  # the latest outcome over the whole history
    return_at: datetime | None
    return_agent_id: int | None  # resolver at outcome time, else assignee then; None = dropped
    reply_waits: tuple[ReplyWait, ...] = ()  # in event order of the replies


def compute_facts(
    *, created_at: datetime, calendar: BusinessCalendar | None, events: Sequence[EventRow]
) -> Facts:
    status = "new"
    first_public_kind: str | None = None
    first_reply: EventRow | None = None
    agent_replies = reopens = transfers = escalations = 0
    assignee: int | None = None  # assignee in force (None after an unassignment)
    last_assigned: int | None = None  # last agent the ticket had, for transfers
    last_reply_agent: int | None = None
    last_solve: EventRow | None = None
    resolver_at_solve: int | None = None  # resolver as of the latest solve so far
    rating: tuple[EventRow, int | None] | None = None
    outcome: tuple[EventRow, int | None] | None = None
    waiting: EventRow | None = None  # earliest inbound since the previous reply
    answered: list[tuple[EventRow, EventRow]] = []  # (inbound, reply)

    for event in events:
        if event.kind == "message":
            if event.subtype in ("inbound", "reply") and first_public_kind is None:
                first_public_kind = event.subtype
            if event.subtype == "inbound":
                if waiting is None:
                    waiting = event
            elif event.subtype == "reply":
                agent_replies += 1
                last_reply_agent = event.agent_id
                if first_reply is None:
                    first_reply = event
                if waiting is not None:
                    answered.append((waiting, event))
                    waiting = None
        elif event.kind == "assign":
            agent = event.agent_id
            if agent is not None:
                if last_assigned is not None and agent != last_assigned:
                    transfers += 1
                last_assigned = agent
            assignee = agent
        elif event.kind == "status":
            new = event.fields.get("status", event.subtype)
            if new != status:
                if status not in SOLVED and new in SOLVED:
                    last_solve = event
                    # Resolver: assignee in force at the solve, else last replier before it.
                    resolver_at_solve = assignee if assignee is not None else last_reply_agent
                elif status in SOLVED and new not in SOLVED:
                    reopens += 1
                status = new
        elif event.kind == "escalate":
            escalations += 1
        elif event.kind == "csat":
            # csat: the resolver at rating time; nobody if the ticket is not solved then.
            rating = (event, resolver_at_solve if status in SOLVED else None)
        elif event.kind == "return":
            owner = resolver_at_solve if status in SOLVED else None
            outcome = (event, owner if owner is not None else assignee)

    customer_initiated = first_public_kind == "inbound"
    solved = status in SOLVED
    counted_reply = first_reply if customer_initiated else None
    return Facts(
        customer_initiated=customer_initiated,
        agent_replies=agent_replies,
        first_reply_at=counted_reply.at if counted_reply else None,
        first_reply_agent_id=counted_reply.agent_id if counted_reply else None,
        first_reply=(counted_reply.at - created_at) if counted_reply else None,
        first_reply_business=(
            business_duration(calendar, created_at, counted_reply.at) if counted_reply else None
        ),
        solved=solved,
        last_solve_at=last_solve.at if solved and last_solve else None,
        resolver_id=resolver_at_solve if solved else None,
        resolution=(last_solve.at - created_at) if solved and last_solve else None,
        resolution_business=(
            business_duration(calendar, created_at, last_solve.at)
            if solved and last_solve
            else None
        ),
        reopens=reopens,
        transfers=transfers,
        escalations=escalations,
        rating=int(rating[0].score) if rating and rating[0].score is not None else None,
        rating_at=rating[0].at if rating else None,
        rating_agent_id=rating[1] if rating else None,
        return_outcome=outcome[0].subtype if outcome else None,
        return_at=outcome[0].at if outcome else None,
        return_agent_id=outcome[1] if outcome else None,
        reply_waits=tuple(
            ReplyWait(
                reply_id=reply.id,
                at=reply.at,
                agent_id=reply.agent_id,
                inbound_id=inbound.id,
                waiting_since=inbound.at,
                elapsed=reply.at - inbound.at,
                business=business_duration(calendar, inbound.at, reply.at),
            )
            for inbound, reply in answered
        ),
    )
