"""The SLA clocks as a pure function of a ticket's log (docs/sla.md, "Clocks")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from afterdesk.calendars.business_time import BusinessCalendar, business_add, business_duration
from afterdesk.sla.clock import Rules, Written, clocks_compute, due_now, next_at, pending_events

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
WEEKDAYS = BusinessCalendar.from_fields(
    tz="UTC", hours={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
)


@dataclass(frozen=True)
class Ev:
    kind: str
    at: datetime
    subtype: str = ""


def inbound(at: datetime) -> Ev:
    return Ev("message", at, "inbound")


def reply(at: datetime) -> Ev:
    return Ev("message", at, "reply")


def status(at: datetime, value: str) -> Ev:
    return Ev("status", at, value)


def test_first_reply_deadline_in_elapsed_time() -> None:
    clocks = clocks_compute(
        created_at=T0, events=[inbound(T0)], rules=Rules(targets={"first_reply": 24 * 60})
    )
    timer = clocks.current("first_reply")
    assert timer is not None
    assert timer.due == T0 + 24 * H
    assert timer.running


def test_reply_exactly_at_the_deadline_meets_it_a_microsecond_later_does_not() -> None:
    rules = Rules(targets={"first_reply": 60})
    on_time = clocks_compute(created_at=T0, events=[inbound(T0), reply(T0 + H)], rules=rules)
    assert on_time.timers[0].met is True
    assert on_time.timers[0].due is None
    late_at = T0 + H + timedelta(microseconds=1)
    late = clocks_compute(created_at=T0, events=[inbound(T0), reply(late_at)], rules=rules)
    assert late.timers[0].met is False
    assert late.timers[0].due == T0 + H


def test_auto_replies_and_notes_do_not_stop_the_clock() -> None:
    events = [inbound(T0), Ev("message", T0 + H, "auto"), Ev("message", T0 + H, "note")]
    clocks = clocks_compute(created_at=T0, events=events, rules=Rules(targets={"first_reply": 120}))
    assert clocks.current("first_reply") is not None
    assert clocks.timers[0].due == T0 + 2 * H


def test_no_reply_closes_the_timer_and_the_next_buyer_message_starts_a_new_one() -> None:
    rules = Rules(targets={"first_reply": 60, "next_reply": 30})
    events = [inbound(T0), Ev("no_reply", T0 + 10 * timedelta(minutes=1)), inbound(T0 + 2 * H)]
    clocks = clocks_compute(created_at=T0, events=events, rules=rules)
    first, second = clocks.timers
    assert (first.target, first.end, first.met) == ("first_reply", "no_reply", True)
    assert second.target == "next_reply"
    assert second.due == T0 + 2 * H + timedelta(minutes=30)


def test_each_buyer_message_after_a_reply_starts_a_next_reply_timer_once() -> None:
    rules = Rules(targets={"first_reply": 60, "next_reply": 60})
    events = [
        inbound(T0),
        reply(T0 + H / 2),
        inbound(T0 + 2 * H),
        inbound(T0 + 3 * H),  # the oldest unanswered message keeps its clock
        reply(T0 + 4 * H),
        inbound(T0 + 5 * H),
    ]
    clocks = clocks_compute(created_at=T0, events=events, rules=rules)
    assert [(t.target, t.started_at) for t in clocks.timers] == [
        ("first_reply", T0),
        ("next_reply", T0 + 2 * H),
        ("next_reply", T0 + 5 * H),
    ]
    assert clocks.timers[1].met is False
    assert clocks.timers[1].due == T0 + 3 * H
    assert clocks.current("next_reply") is clocks.timers[2]


def test_pause_stops_the_clock_and_resumes_where_it_stopped() -> None:
    rules = Rules(targets={"resolution": 180})
    events = [
        inbound(T0),
        status(T0 + H, "pending"),  # 1 h counted
        status(T0 + 5 * H, "open"),  # 4 h paused
    ]
    clocks = clocks_compute(created_at=T0, events=events, rules=rules)
    timer = clocks.current("resolution")
    assert timer is not None
    assert timer.due == T0 + 7 * H
    paused = clocks_compute(created_at=T0, events=events[:2], rules=rules)
    assert paused.paused
    assert paused.current("resolution").due is None


def test_solve_stops_resolution_and_a_reopen_resumes_it() -> None:
    rules = Rules(targets={"resolution": 120, "first_reply": 60})
    events = [
        inbound(T0),
        reply(T0 + H / 2),
        status(T0 + H, "solved"),
        inbound(T0 + 10 * H),
        status(T0 + 10 * H, "open"),
    ]
    clocks = clocks_compute(created_at=T0, events=events, rules=rules)
    resolution = clocks.current("resolution")
    assert resolution is not None
    assert resolution.due == T0 + 11 * H


def test_business_hours_skip_nights_and_weekends() -> None:
    friday = datetime(2026, 10, 9, 16, 0, tzinfo=UTC)
    clocks = clocks_compute(
        created_at=friday,
        events=[inbound(friday)],
        rules=Rules(targets={"first_reply": 120}, calendar=WEEKDAYS),
    )
    assert clocks.timers[0].due == datetime(2026, 10, 12, 10, 0, tzinfo=UTC)


def test_policy_or_calendar_change_recomputes_from_the_log_keeping_paused_time() -> None:
    events = [inbound(T0), status(T0 + H, "on_hold"), status(T0 + 3 * H, "open")]
    elapsed = clocks_compute(
        created_at=T0, events=events, rules=Rules(targets={"first_reply": 240})
    )
    # 1 h counted, 2 h on hold, 3 h left from T0 + 3 h
    assert elapsed.timers[0].due == T0 + 6 * H
    business = clocks_compute(
        created_at=T0, events=events, rules=Rules(targets={"first_reply": 480}, calendar=WEEKDAYS)
    )
    # 1 h counted on Monday 9–10, paused until 12:00, 7 h left: Monday 17:00 + 2 h Tuesday
    assert business.timers[0].due == datetime(2026, 10, 6, 11, 0, tzinfo=UTC)


def test_warning_and_breach_are_pending_until_written_and_due_only_when_their_time_comes() -> None:
    rules = Rules(targets={"first_reply": 60}, warning_minutes=15)
    clocks = clocks_compute(created_at=T0, events=[inbound(T0)], rules=rules)
    pending = pending_events(clocks, [])
    assert [(d.kind, d.at) for d in pending] == [
        ("sla_breach", T0 + H),
        ("sla_warning", T0 + timedelta(minutes=45)),
    ]
    assert next_at(pending) == T0 + timedelta(minutes=45)
    assert due_now(pending, T0 + timedelta(minutes=44)) == []
    assert [d.kind for d in due_now(pending, T0 + timedelta(minutes=45))] == ["sla_warning"]
    assert [d.kind for d in due_now(pending, T0 + H)] == ["sla_warning"]  # breach: strictly after
    # a sweep after the deadline writes the breach only
    assert [d.kind for d in due_now(pending, T0 + 2 * H)] == ["sla_breach"]
    written = [Written("sla_warning", "first_reply", T0 + timedelta(minutes=45))]
    assert [d.kind for d in pending_events(clocks, written)] == ["sla_breach"]
    written.append(Written("sla_breach", "first_reply", T0 + H))
    assert pending_events(clocks, written) == []


def test_a_late_reply_still_owes_its_breach_to_a_sweep_that_comes_after() -> None:
    rules = Rules(targets={"first_reply": 60})
    clocks = clocks_compute(created_at=T0, events=[inbound(T0), reply(T0 + 3 * H)], rules=rules)
    pending = pending_events(clocks, [])
    assert [(d.kind, d.at) for d in pending] == [("sla_breach", T0 + H)]


def test_business_add_is_the_inverse_of_business_duration() -> None:
    start = datetime(2026, 10, 9, 12, 30, tzinfo=UTC)
    for minutes in (0, 1, 270, 271, 480, 481, 5000):
        end = business_add(WEEKDAYS, start, timedelta(minutes=minutes))
        assert business_duration(WEEKDAYS, start, end) == timedelta(minutes=minutes)
    # a deadline at the end of an open interval is that end, not the next opening
    assert business_add(WEEKDAYS, start, timedelta(minutes=270)) == start.replace(hour=17, minute=0)
    holidays = BusinessCalendar.from_fields(
        tz="Europe/Berlin",
        hours={"fri": [["22:00", "24:00"]], "sat": [["00:00", "02:00"]]},
        holidays=["2026-10-03"],
    )
    friday = datetime(2026, 10, 2, 20, 0, tzinfo=UTC)  # 22:00 in Berlin
    assert business_add(holidays, friday, 3 * H) == datetime(2026, 10, 9, 21, 0, tzinfo=UTC)
