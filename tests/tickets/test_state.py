"""The one fold of a ticket's status, assignee and team from its events (tickets.state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from afterdesk.tickets.state import TicketState, replay_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_no_events_is_a_new_unassigned_ticket_dated_by_its_creation() -> None:
    assert replay_state(created_at=T0, events=[]) == TicketState("new", None, None, T0)


def test_status_assignee_and_team_follow_the_events_in_order() -> None:
    state = replay_state(
        created_at=T0,
        events=[
            ("message", at(1), {}),
            ("assign", at(2), {"agent": "anna", "team": "EN"}),
            ("status", at(3), {"status": "pending"}),
            ("assign", at(4), {"agent": "ben"}),  # no team named: the team stays
            ("status", at(5), {"status": "solved"}),
            ("csat", at(9), {}),  # any event dates the ticket
        ],
    )
    assert state == TicketState("solved", "ben", "EN", at(9))


def test_an_unassignment_clears_the_assignee_and_keeps_the_team() -> None:
    state = replay_state(
        created_at=T0,
        events=[
            ("assign", at(1), {"agent": "anna", "team": "EN"}),
            ("assign", at(2), {"agent": None, "team": ""}),
        ],
    )
    assert (state.assignee, state.team_name) == (None, "EN")


def test_the_newest_event_dates_the_ticket_and_never_earlier_than_its_creation() -> None:
    state = replay_state(created_at=at(10), events=[("status", at(5), {"status": "open"})])
    assert state.updated_at == at(10)


def test_the_assignee_is_the_agent_as_the_events_name_it() -> None:
    state = replay_state(created_at=T0, events=[("assign", at(1), {"agent": 42, "team": "EN"})])
    assert state.assignee == 42


def test_the_buyers_last_message_is_the_newest_inbound_message() -> None:
    state = replay_state(
        created_at=T0,
        events=[
            ("message", at(1), {"kind": "inbound"}),
            ("message", at(2), {"kind": "reply"}),
            ("message", at(3), {"kind": "inbound"}),
            ("message", at(4), {"kind": "note"}),
            ("message", at(5), {"kind": "auto"}),
            ("status", at(6), {"status": "solved"}),
        ],
    )
    assert state.buyer_message_at == at(3)
    assert state.updated_at == at(6)


def test_no_buyer_message_leaves_it_empty() -> None:
    state = replay_state(created_at=T0, events=[("message", at(1), {"kind": "reply"})])
    assert state.buyer_message_at is None
