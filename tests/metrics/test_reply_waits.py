"""`reply_time_business` (docs/metrics.md, "Reply time (business)"): which replies wait, from
when, in whose period and figure; the stored waits are the same whichever path computed them
(a change, `metrics rebuild`, a history import of new or stored tickets, a calendar change);
the drill-down lists the replies behind the figure."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from fractions import Fraction
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_update
from afterdesk.history import importer
from afterdesk.history.importer import history_import
from afterdesk.metrics.catalogue import KPI_DIRECTION, LOWER
from afterdesk.metrics.facts import compute_facts
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.models import ReplyWait
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.selectors import kpi_reply_waits, kpi_tickets
from afterdesk.metrics.services import facts_refresh
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, default_template, template_parse
from afterdesk.metrics.templatetags.perf_tags import kpi_label
from afterdesk.reports.exports import kpis_table
from afterdesk.tickets.log_reader import EventRow
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.services import event_record
from bench.synthetic import write_synthetic_history
from tests.api.conftest import ApiClient
from tests.factories import T0, UserFactory
from tests.history.helpers import flush_history, write_history

A, B = 1, 2
KPI = "reply_time_business"
# Weekdays 09:00–17:00 UTC; T0 is Thursday 2026-10-01 08:00 UTC.
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = BusinessCalendar.from_fields(tz="UTC", hours=WEEKDAYS)


# ------------------------------------------------------------------ the rule (pure function)


def ev(minute: float, kind: str, agent: int | None = None, /, **fields: Any) -> EventRow:
    subtype = str(fields.get("kind") or fields.get("status") or "")
    return EventRow(kind, T0 + timedelta(minutes=minute), agent, subtype, None, fields)


def msg(minute: float, kind: str, agent: int | None = None) -> EventRow:
    return ev(minute, "message", agent, kind=kind)


def waits(
    *events: EventRow, calendar: BusinessCalendar | None = None
) -> list[tuple[float, float, int | None, float]]:
    """(waiting since, reply, agent, business minutes) in minutes after T0."""
    numbered = [
        EventRow(e.kind, e.at, e.agent_id, e.subtype, e.score, e.fields, number)
        for number, e in enumerate(events, start=1)
    ]
    facts = compute_facts(created_at=T0, calendar=calendar, events=numbered)
    minute = timedelta(minutes=1)
    out = []
    for wait in facts.reply_waits:
        assert wait.elapsed == wait.at - wait.waiting_since
        assert numbered[wait.reply_id - 1].at == wait.at  # type: ignore[operator]
        assert numbered[wait.inbound_id - 1].at == wait.waiting_since  # type: ignore[operator]
        assert numbered[wait.inbound_id - 1].subtype == "inbound"  # type: ignore[operator]
        out.append(
            (
                (wait.waiting_since - T0) / minute,
                (wait.at - T0) / minute,
                wait.agent_id,
                wait.business / minute,
            )
        )
    return out


def test_the_first_reply_waits_from_the_buyer_message_since_the_ticket_began() -> None:
    events = (msg(0, "auto"), msg(10, "inbound"), msg(40, "reply", A))
    assert waits(*events) == [(10, 40, A, 30)]
    # first reply time runs from the ticket's creation instead
    facts = compute_facts(created_at=T0, calendar=None, events=list(events))
    assert facts.first_reply == timedelta(minutes=40)


def test_two_messages_before_one_reply_wait_from_the_earliest() -> None:
    assert waits(msg(0, "inbound"), msg(20, "inbound"), msg(50, "reply", A)) == [(0, 50, A, 50)]


def test_a_reply_without_a_new_buyer_message_has_no_wait() -> None:
    events = (
        msg(0, "inbound"),
        msg(10, "reply", A),
        msg(20, "reply", B),  # nothing new since A's reply
        msg(30, "inbound"),
        msg(45, "reply", B),
    )
    assert waits(*events) == [(0, 10, A, 10), (30, 45, B, 15)]


def test_an_agent_initiated_ticket_waits_from_the_first_buyer_message() -> None:
    assert waits(msg(0, "reply", A), msg(10, "inbound"), msg(25, "reply", B)) == [(10, 25, B, 15)]


def test_automatic_messages_and_notes_neither_answer_nor_start_a_wait() -> None:
    events = (
        msg(0, "auto"),
        msg(5, "inbound"),
        msg(8, "note", B),
        msg(9, "auto"),
        msg(20, "reply", A),  # answers the inbound at 5
        msg(25, "auto"),
        msg(30, "note", B),
        msg(40, "reply", A),  # no buyer message since 20
    )
    assert waits(*events) == [(5, 20, A, 15)]


def test_event_order_at_the_same_instant() -> None:
    events = (
        msg(0, "inbound"),
        msg(10, "reply", A),
        msg(20, "reply", A),  # before the inbound of the same instant: nothing to answer
        msg(20, "inbound"),
        msg(30, "reply", B),
        msg(40, "inbound"),
        msg(40, "reply", A),  # after the inbound of the same instant: a wait of 0, counted
    )
    assert waits(*events) == [(0, 10, A, 10), (20, 30, B, 10), (40, 40, A, 0)]


def test_closed_hours_are_not_business_time() -> None:
    # Thursday 16:00 → Friday 10:00 UTC: 1 h on Thursday, 1 h on Friday.
    thursday_4pm, friday_10am = 8 * 60, 26 * 60
    got = waits(msg(thursday_4pm, "inbound"), msg(friday_10am, "reply", A), calendar=OFFICE)
    assert got == [(thursday_4pm, friday_10am, A, 120)]
    # Friday 18:00 → Monday 09:30: 30 minutes
    friday_6pm, monday_930 = 34 * 60, (4 * 24 + 1) * 60 + 30
    got = waits(msg(friday_6pm, "inbound"), msg(monday_930, "reply", A), calendar=OFFICE)
    assert got == [(friday_6pm, monday_930, A, 30)]


# ------------------------------------------------------------------ stored waits and the KPI

pytestmark_db = pytest.mark.django_db


def ticket(number: int = 1, *, calendar: Calendar | None = None, at: datetime = T0) -> Ticket:
    return Ticket.objects.create(
        external_id=f"RW-{number}", channel="email", created_at=at, updated_at=at, calendar=calendar
    )


def record(t: Ticket, minute: float, kind: str, agent: User | None = None) -> TicketEvent:
    fields: dict[str, Any] = {"kind": kind}
    if agent is not None:
        fields["agent"] = agent.username
    return event_record(
        ticket=t,
        kind="message",
        fields=fields,
        at=T0 + timedelta(minutes=minute),
        agent=agent,
        body=f"{kind} at {minute}",
    )


def stored(t: Ticket | None = None) -> list[tuple[Any, ...]]:
    rows = ReplyWait.objects.order_by("ticket_id", "at", "reply_event_id")
    if t is not None:
        rows = rows.filter(ticket=t)
    return list(
        rows.values_list(
            "ticket_id",
            "reply_event_id",
            "agent_id",
            "at",
            "inbound_event_id",
            "waiting_since",
            "elapsed_us",
            "business_us",
        )
    )


def kpi(start: datetime, end: datetime) -> dict[int, tuple[Fraction | None, int]]:
    values = compute_kpis(start=start, end=end, template=default_template())
    return {agent: (v[KPI].value, v[KPI].n) for agent, v in values.items()}


US = 60_000_000  # µs per minute


@pytestmark_db
def test_each_change_stores_the_waits_of_its_ticket() -> None:
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
    t = ticket()
    first = record(t, 10, "inbound")
    record(t, 20, "inbound")
    reply = record(t, 40, "reply", anna)
    assert stored(t) == [(t.pk, reply.pk, anna.pk, reply.at, first.pk, first.at, 30 * US, 30 * US)]
    record(t, 50, "note", bo)
    record(t, 55, "auto")
    record(t, 60, "reply", bo)  # no new buyer message: no wait
    assert len(stored(t)) == 1
    late = record(t, 5, "inbound")  # imported late: now the earliest waiting message
    assert [(row[1], row[4], row[6]) for row in stored(t)] == [(reply.pk, late.pk, 35 * US)]


@pytestmark_db
def test_same_instant_events_keep_their_recording_order() -> None:
    anna = UserFactory(username="anna")
    t = ticket()
    record(t, 0, "inbound")
    record(t, 10, "reply", anna)
    record(t, 20, "reply", anna)
    inbound = record(t, 20, "inbound")  # recorded after the reply of the same instant
    answer = record(t, 30, "reply", anna)
    both = record(t, 40, "inbound")
    immediate = record(t, 40, "reply", anna)
    rows = stored(t)
    assert [(row[1], row[4], row[6]) for row in rows[1:]] == [
        (answer.pk, inbound.pk, 10 * US),
        (immediate.pk, both.pk, 0),
    ]
    start = T0 - timedelta(days=1)
    assert kpi(start, start + timedelta(days=2))[anna.pk] == (Fraction(20, 3), 3)


@pytestmark_db
def test_the_kpi_is_the_exact_mean_per_replying_agent_dated_by_the_reply() -> None:
    anna, bo, cy = (UserFactory(username=name) for name in ("anna", "bo", "cy"))
    t = ticket()
    record(t, -30, "inbound")  # before the period …
    record(t, 10, "reply", anna)  # … answered in it: 40 minutes, counted
    record(t, 20, "inbound")
    record(t, 20.5 + 1 / 60_000_000, "reply", bo)  # 0.5 min + 1 µs
    record(t, 30, "inbound")
    record(t, 45, "reply", anna)  # 15 minutes
    record(t, 50, "inbound")
    record(t, 24 * 60 + 5, "reply", anna)  # answered after the period: not in it
    other = ticket(2)
    record(other, 0, "reply", cy)  # cy replied but answered nobody
    record(other, 1, "reply", cy)
    start, end = T0, T0 + timedelta(days=1)
    got = kpi(start, end)
    assert got[anna.pk] == (Fraction(40 + 15, 2), 2)
    assert got[bo.pk] == (Fraction(30 * 1_000_000 + 1, US), 1)
    assert got[cy.pk] == (None, 0)  # a KPI with n = 0 is null
    assert kpi(end, end + timedelta(days=1))[anna.pk] == (Fraction(24 * 60 + 5 - 50), 1)
    assert KPI_DIRECTION[KPI] == LOWER


@pytestmark_db
def test_business_minutes_follow_the_ticket_calendar_and_its_changes() -> None:
    anna = UserFactory(username="anna")
    office = Calendar.objects.create(key="office", tz="UTC", hours=WEEKDAYS)
    t = ticket(calendar=office)
    record(t, 8 * 60, "inbound")  # Thursday 16:00
    record(t, 26 * 60, "reply", anna)  # Friday 10:00
    [row] = stored(t)
    assert (row[6], row[7]) == (18 * 60 * US, 120 * US)
    calendar_update(calendar=office, tz="UTC", hours={"fri": [["08:00", "17:00"]]})
    [row] = stored(t)
    assert row[7] == 120 * US  # Friday 08:00–10:00
    week = kpi(T0 - timedelta(days=1), T0 + timedelta(days=6))
    assert week[anna.pk] == (Fraction(120), 1)


@pytestmark_db
def test_rebuild_recomputes_the_same_waits_and_is_idempotent() -> None:
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
    for number in range(3):
        t = ticket(number)
        record(t, 0, "inbound")
        record(t, 3 + number, "reply", anna)
        record(t, 9, "inbound")
        record(t, 30, "reply", bo)
    quiet = ticket(3)
    inbound = record(quiet, 0, "inbound")
    record(quiet, 5, "reply", anna)
    unanswering = record(quiet, 6, "reply", bo)
    live = stored()
    assert len(live) == 7
    # missing, changed and extra rows: a rebuild puts back exactly what a change stores
    ReplyWait.objects.filter(ticket__external_id="RW-1").delete()
    ReplyWait.objects.filter(agent=bo).update(business_us=1)
    ReplyWait.objects.create(
        reply_event=unanswering,
        ticket=quiet,
        agent=bo,
        at=unanswering.at,
        inbound_event=inbound,
        waiting_since=inbound.at,
        elapsed_us=6 * US,
        business_us=6 * US,
    )
    call_command("metrics", "rebuild", stdout=StringIO())
    assert stored() == live
    with CaptureQueriesContext(connection) as queries:
        facts_refresh(ticket_ids=list(Ticket.objects.values_list("pk", flat=True)))
    assert stored() == live
    written = [q["sql"] for q in queries if "replywait" in q["sql"].lower()]
    assert len(written) == 1  # nothing changed: the stored waits are read, not rewritten
    assert written[0].startswith("SELECT")


@pytestmark_db
def test_deleting_a_ticket_deletes_its_waits() -> None:
    anna = UserFactory(username="anna")
    kept, gone = ticket(1), ticket(2)
    for t in (kept, gone):
        record(t, 0, "inbound")
        record(t, 5, "reply", anna)
    gone.delete()
    assert list(ReplyWait.objects.values_list("ticket_id", flat=True)) == [kept.pk]


# ------------------------------------------------------------------ the history import

CAL = {"type": "calendar", "id": "office", "tz": "UTC", "hours": WEEKDAYS}
AGENTS = [{"type": "agent", "id": name, "name": name.title()} for name in ("anna", "bo")]
TICKETS = [
    {
        "type": "ticket",
        "id": f"T-{n}",
        "created_at": "2026-10-01T08:00:00Z",
        "channel": "email",
        "calendar": "office",
    }
    for n in (1, 2)
]


def line(ticket_id: str, at: str, kind: str, agent: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"kind": kind, "body": f"{ticket_id} {kind} {at}"}
    if agent:
        fields["agent"] = agent
    return {"type": "message", "ticket": ticket_id, "at": at, **fields}


FIRST = [
    line("T-1", "2026-10-01T08:00:00Z", "auto"),
    line("T-1", "2026-10-01T08:10:00Z", "inbound"),
    line("T-1", "2026-10-01T08:20:00Z", "inbound"),
    line("T-1", "2026-10-01T09:30:00Z", "reply", "anna"),
    line("T-1", "2026-10-01T09:40:00Z", "note", "bo"),
    line("T-1", "2026-10-01T09:45:00Z", "reply", "bo"),
    line("T-1", "2026-10-01T16:00:00Z", "reply", "anna"),
    line("T-1", "2026-10-01T16:00:00Z", "inbound"),
    line("T-1", "2026-10-02T10:00:00Z", "reply", "bo"),
    line("T-2", "2026-10-01T12:00:00Z", "reply", "anna"),
    line("T-2", "2026-10-01T12:00:00Z", "inbound"),
    line("T-2", "2026-10-01T12:00:00Z", "reply", "bo"),
]
SECOND = [  # more events for the stored tickets: the import replays their whole log
    line("T-1", "2026-10-01T08:05:00Z", "inbound"),  # earlier than every message of T-1
    line("T-2", "2026-10-05T09:00:00Z", "inbound"),
    line("T-2", "2026-10-05T09:20:00Z", "reply", "anna"),
]


def by_content() -> list[tuple[Any, ...]]:
    """The stored waits without ids: what the same history gives whichever path wrote it."""
    return sorted(
        ReplyWait.objects.values_list(
            "ticket__external_id",
            "agent__username",
            "at",
            "waiting_since",
            "elapsed_us",
            "business_us",
            "inbound_event__message__body_text",
            "reply_event__message__body_text",
        )
    )


def live(lines: list[dict[str, Any]]) -> None:
    users = {u.username: u for u in User.objects.all()}
    for item in lines:
        fields = {k: v for k, v in item.items() if k not in ("type", "ticket", "at", "body")}
        event_record(
            ticket=Ticket.objects.get(external_id=item["ticket"]),
            kind="message",
            fields=fields,
            at=datetime.fromisoformat(item["at"]),
            agent=users.get(item.get("agent") or ""),
            body=item["body"],
        )


@pytestmark_db
def test_the_import_and_rebuild_store_the_waits_the_live_path_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "EVENT_BATCH", 4)  # batches end mid-ticket
    base = [CAL, *AGENTS, *TICKETS]
    assert not history_import(write_history(tmp_path / "a.jsonl", *base, *FIRST)).errors
    imported = by_content()  # new tickets: written by the bulk path
    assert [(row[0], row[1], row[5] // US) for row in imported] == [
        ("T-1", "anna", 30),  # 08:10 → 09:30, open from 09:00
        ("T-1", "bo", 120),  # Thu 16:00 → Fri 10:00
        ("T-2", "bo", 0),
    ]
    with_ids = stored()
    call_command("metrics", "rebuild", stdout=StringIO())
    assert stored() == with_ids

    assert not history_import(write_history(tmp_path / "b.jsonl", *SECOND)).errors
    replayed = by_content()  # stored tickets: written by the refresh after the import
    assert (replayed[0][:2], replayed[0][3].minute) == (("T-1", "anna"), 5)
    assert len(replayed) == 4
    with_ids = stored()
    call_command("metrics", "rebuild", stdout=StringIO())
    assert stored() == with_ids

    flush_history()
    history_import(write_history(tmp_path / "c.jsonl", *base))
    assert not ReplyWait.objects.exists()
    live(FIRST)
    assert by_content() == imported
    live(SECOND)
    assert by_content() == replayed


@pytestmark_db
def test_a_synthetic_import_stores_what_a_rebuild_computes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "EVENT_BATCH", 50)
    path = tmp_path / "synthetic.jsonl"
    write_synthetic_history(path, tickets=80, agents=6, seed=11)
    assert not history_import(path).errors
    imported = stored()
    assert len(imported) > 40
    assert any(row[6] != row[7] for row in imported)  # closed hours in some waits
    ReplyWait.objects.all().delete()
    call_command("metrics", "rebuild", stdout=StringIO())
    assert stored() == imported


# ------------------------------------------------------------------ drill-down and listings


@pytest.fixture
def conversation(db: None) -> dict[str, Any]:
    anna = UserFactory(username="anna", role=Role.AGENT)
    bo = UserFactory(username="bo", role=Role.AGENT)
    t1, t2 = ticket(1), ticket(2)
    t1.subject = "Parcel stuck"
    t1.save(update_fields=["subject"])
    record(t1, 0, "inbound")
    record(t1, 12, "reply", anna)
    record(t1, 20, "inbound")
    record(t1, 26, "reply", anna)
    record(t1, 30, "reply", bo)
    record(t2, 5, "inbound")
    record(t2, 9, "reply", bo)
    return {"anna": anna, "bo": bo, "t1": t1, "t2": t2}


WEEK = (T0 - timedelta(days=3), T0 + timedelta(days=4))


def test_the_drilldown_lists_the_replies_behind_the_figure(conversation: dict[str, Any]) -> None:
    anna = conversation["anna"]
    start, end = WEEK
    replies = kpi_reply_waits(agent=anna, start=start, end=end)
    assert kpi(start, end)[anna.pk] == (Fraction(12 + 6, 2), 2) == (9, replies.count())
    assert [(w.waiting_since, w.at) for w in replies] == [
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=26)),
        (T0, T0 + timedelta(minutes=12)),
    ]
    tickets = list(
        kpi_tickets(kpi=KPI, agent=anna, start=start, end=end, template=default_template())
    )
    assert tickets == [conversation["t1"]]
    assert [w.business_us for w in tickets[0].replies_behind] == [12 * US, 6 * US]


def test_the_drilldown_api_gives_each_reply_and_the_message_it_answers(
    conversation: dict[str, Any],
) -> None:
    _token, raw = api_token_create(user=conversation["anna"], name="tests")
    body = (
        ApiClient(raw)
        .get(
            "/api/scorecards/drilldown",
            kpi=KPI,
            **{"from": WEEK[0].isoformat(), "to": WEEK[1].isoformat()},
        )
        .json()
    )
    assert body["count"] == 1
    [item] = body["items"]
    assert item["external_id"] == "RW-1"
    assert [
        (r["business_minutes"], r["elapsed_minutes"], r["waiting_since"][11:16])
        for r in item["replies"]
    ] == [(12.0, 12.0, "08:00"), (6.0, 6.0, "08:20")]
    inbound = TicketEvent.objects.get(pk=item["replies"][1]["inbound_event_id"])
    assert (inbound.subtype, inbound.at) == ("inbound", T0 + timedelta(minutes=20))
    other = ApiClient(raw).get(
        "/api/scorecards/drilldown",
        kpi="handled_volume",
        **{"from": WEEK[0].isoformat(), "to": WEEK[1].isoformat()},
    )
    assert other.json()["items"][0]["replies"] is None


def test_the_drilldown_page_shows_each_reply_with_its_buyer_message(
    client: Client, conversation: dict[str, Any]
) -> None:
    client.force_login(conversation["bo"])
    response = client.get(
        reverse("metrics:drilldown"),
        {
            "template": "first_line",
            "period": "week",
            "date": "2026-10-01",
            "kpi": KPI,
            "agent": "bo",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 reply, each with the buyer message it answers" in html
    assert "inbound at 5" in html  # the message bo's reply answers
    assert "4.0 min" in html
    assert "Parcel stuck" not in html  # bo's reply there answered nobody


@pytestmark_db
def test_the_kpi_is_listed_wherever_kpis_are() -> None:
    definition = json.loads(json.dumps(DEFAULT_TEMPLATE_JSON))
    definition["min_samples"] = 1
    definition["categories"][0]["kpis"].append(
        {"kpi": KPI, "weight": 10, "target": 30, "floor": 240}
    )
    spec = template_parse(definition)
    anna = UserFactory(username="anna")
    t = ticket()
    record(t, 0, "inbound")
    record(t, 30, "reply", anna)
    [row] = scorecard_compute(start=T0, end=T0 + timedelta(days=1), template=spec)
    assert (row.kpis[KPI].value, row.kpis[KPI].score) == (30, 100)
    table = kpis_table(start=T0, end=T0 + timedelta(days=1), template=spec)
    column = table.header.index(KPI)
    assert table.header[column + 1] == f"{KPI}_n"
    assert table.rows[0][column : column + 2] == [30.0, 1]
    assert kpi_label(KPI) == "Reply time (business)"
    with translation.override("zh-hans"):
        assert kpi_label(KPI) == "回复时长（工作时间）"


def test_the_template_editor_offers_the_kpi(client: Client, db: None) -> None:
    admin = UserFactory(username="ada", role=Role.ADMIN)
    client.force_login(admin)
    html = client.get(reverse("metrics:template_new")).content.decode()
    assert KPI in html
    assert "Reply time (business)" in html
    definition = {**DEFAULT_TEMPLATE_JSON, "id": "replies", "name": "Replies"}
    definition["categories"] = [
        {
            "name": "efficiency",
            "weight": 100,
            "kpis": [{"kpi": KPI, "weight": 100, "target": 20, "floor": 120}],
        }
    ]
    response = client.post(reverse("metrics:template_new"), {"definition": json.dumps(definition)})
    assert response.status_code == 302
