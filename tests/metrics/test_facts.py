"""Per-ticket facts (docs/metrics.md, "Per-ticket facts"), edge cases named there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.metrics.facts import Facts, compute_facts
from afterdesk.tickets.log_reader import EventRow

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
A, B, C = 1, 2, 3


def ev(minute: float, kind: str, who: int | None = None, /, **fields: Any) -> EventRow:
    subtype = str(fields.get("kind") or fields.get("status") or fields.get("outcome") or "")
    score = fields.get("rating", fields.get("score"))
    return EventRow(kind, T0 + timedelta(minutes=minute), who, subtype, score, fields)


def inbound(m: float) -> EventRow:
    return ev(m, "message", kind="inbound")


def reply(m: float, agent: int) -> EventRow:
    return ev(m, "message", agent, kind="reply")


def status(m: float, value: str, agent: int | None = None) -> EventRow:
    return ev(m, "status", agent, status=value)


def assign(m: float, agent: int | None) -> EventRow:
    return ev(m, "assign", agent, agent=agent)


def facts(*events: EventRow, calendar: BusinessCalendar | None = None) -> Facts:
    return compute_facts(created_at=T0, calendar=calendar, events=list(events))


def test_simple_solved_ticket() -> None:
    f = facts(inbound(0), assign(1, A), reply(30, A), status(30, "solved", A))
    assert f.customer_initiated
    assert (f.first_reply, f.first_reply_agent_id) == (timedelta(minutes=30), A)
    assert (f.solved, f.resolver_id, f.resolution) == (True, A, timedelta(minutes=30))
    assert (f.reopens, f.transfers, f.escalations, f.agent_replies) == (0, 0, 0, 1)


def test_auto_and_note_never_count_as_first_reply_or_first_public() -> None:
    f = facts(
        ev(0, "message", kind="auto"),
        ev(1, "message", A, kind="note"),
        inbound(2),
        reply(10, B),
    )
    assert f.customer_initiated
    assert f.first_reply_agent_id == B


def test_agent_initiated_ticket_has_no_first_reply_time() -> None:
    f = facts(reply(0, A), inbound(5), reply(10, B))
    assert not f.customer_initiated
    assert f.first_reply is None
    assert f.first_reply_agent_id is None
    assert f.agent_replies == 2


def test_unsolved_ticket_has_no_resolution() -> None:
    f = facts(inbound(0), reply(5, A), status(6, "pending"))
    assert (f.solved, f.resolution, f.resolver_id, f.last_solve_at) == (False, None, None, None)


def test_reopened_and_solved_again_uses_last_solve() -> None:
    f = facts(
        inbound(0),
        assign(0, A),
        reply(5, A),
        status(6, "solved"),
        inbound(60),
        status(60, "open"),
        assign(61, B),
        reply(70, B),
        status(90, "solved"),
        status(100, "closed"),
    )
    assert (f.reopens, f.transfers) == (1, 1)
    assert (f.resolution, f.resolver_id) == (timedelta(minutes=90), B)


def test_reopened_and_still_open_is_not_solved() -> None:
    f = facts(inbound(0), reply(5, A), status(6, "solved"), status(60, "open"))
    assert (f.solved, f.reopens, f.resolution) == (False, 1, None)


def test_solved_to_closed_and_repeated_status_change_nothing() -> None:
    f = facts(inbound(0), status(5, "solved"), status(6, "solved"), status(7, "closed"))
    assert (f.reopens, f.solved, f.last_solve_at) == (0, True, T0 + timedelta(minutes=5))


def test_closed_directly_is_a_solve() -> None:
    f = facts(inbound(0), reply(1, A), status(3, "closed"))
    assert (f.solved, f.resolution, f.resolver_id) == (True, timedelta(minutes=3), A)


@pytest.mark.parametrize(
    ("assigns", "expected"),
    [
        ([A], 0),
        ([A, None, B], 1),
        ([A, None, A], 0),
        ([A, B, A], 2),
        ([None, A], 0),
        ([A, A], 0),
    ],
)
def test_transfers(assigns: list[int | None], expected: int) -> None:
    f = facts(inbound(0), *[assign(i + 1, agent) for i, agent in enumerate(assigns)])
    assert f.transfers == expected


def test_resolver_falls_back_to_last_replier_when_unassigned() -> None:
    f = facts(
        inbound(0), assign(1, A), reply(2, A), reply(3, B), assign(4, None), status(5, "solved")
    )
    assert f.resolver_id == B


def test_resolver_none_without_assignee_or_reply() -> None:
    f = facts(inbound(0), status(5, "solved", A))
    assert (f.solved, f.resolver_id) == (True, None)


def test_status_agent_never_decides_attribution() -> None:
    f = facts(inbound(0), assign(1, A), status(5, "solved", C))
    assert f.resolver_id == A


def test_same_instant_reply_before_solve_counts() -> None:
    f = facts(inbound(0), reply(5, B), status(5, "solved"))
    assert f.resolver_id == B


def test_assign_after_solve_at_same_instant_does_not_count() -> None:
    f = facts(inbound(0), assign(1, A), status(5, "solved"), assign(5, B))
    assert f.resolver_id == A


def test_latest_rating_only_and_resolver_at_rating_time() -> None:
    f = facts(
        inbound(0),
        assign(0, A),
        status(5, "solved"),
        ev(10, "csat", rating=2),
        status(20, "open"),
        assign(21, B),
        status(30, "solved"),
        ev(40, "csat", rating=5),
    )
    assert (f.rating, f.rating_agent_id) == (5, B)


def test_rating_while_not_solved_goes_to_nobody() -> None:
    f = facts(
        inbound(0),
        assign(0, A),
        status(5, "solved"),
        ev(10, "csat", rating=5),
        status(20, "open"),
        ev(30, "csat", rating=1),
    )
    assert (f.rating, f.rating_agent_id) == (1, None)


def test_return_outcome_falls_back_to_assignee() -> None:
    f = facts(inbound(0), assign(0, A), ev(10, "return", outcome="exchange"))
    assert (f.return_outcome, f.return_agent_id) == ("exchange", A)
    g = facts(inbound(0), ev(10, "return", outcome="withdrawn"))
    assert (g.return_outcome, g.return_agent_id) == ("withdrawn", None)


def test_escalations_counted() -> None:
    f = facts(inbound(0), ev(1, "escalate", A), ev(2, "escalate", B))
    assert f.escalations == 2


def test_business_time_uses_the_calendar() -> None:
    cal = BusinessCalendar.from_fields(
        tz="UTC", hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    # T0 = Thu 08:00 UTC; reply Thu 10:00 = 60 business minutes; solve Fri 10:00 = 8h + 1h.
    f = facts(inbound(0), reply(120, A), status(26 * 60, "solved"), calendar=cal)
    assert f.first_reply_business == timedelta(minutes=60)
    assert f.resolution_business == timedelta(hours=9)
    assert f.first_reply == timedelta(minutes=120)
