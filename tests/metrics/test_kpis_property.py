"""Random ticket histories: the SQL KPIs equal the plain reference reading of docs/metrics.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afterdesk.accounts.models import User
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, template_parse
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.services import event_record
from tests.factories import UserFactory
from tests.metrics.reference import RefEvent, RefTicket, reference_kpis

BASE = datetime(2026, 10, 1, tzinfo=UTC)
AGENTS = ["a1", "a2", "a3"]
agents = st.sampled_from(AGENTS)

event_fields = st.one_of(
    st.tuples(st.just("message"), st.fixed_dictionaries({"kind": st.just("inbound")})),
    st.tuples(
        st.just("message"),
        st.fixed_dictionaries({"kind": st.sampled_from(["reply", "note"]), "agent": agents}),
    ),
    st.tuples(st.just("message"), st.fixed_dictionaries({"kind": st.just("auto")})),
    st.tuples(st.just("assign"), st.fixed_dictionaries({"agent": st.none() | agents})),
    st.tuples(
        st.just("status"),
        st.fixed_dictionaries(
            {"status": st.sampled_from(["open", "pending", "on_hold", "solved", "closed", "new"])}
        ),
    ),
    st.tuples(st.just("escalate"), st.fixed_dictionaries({"agent": agents})),
    st.tuples(st.just("complaint"), st.fixed_dictionaries({"agent": agents})),
    st.tuples(st.just("csat"), st.fixed_dictionaries({"rating": st.integers(1, 5)})),
    st.tuples(
        st.just("return"),
        st.fixed_dictionaries(
            {"outcome": st.sampled_from(["kept_no_refund", "withdrawn", "exchange", "reship"])}
        ),
    ),
    st.tuples(
        st.just("qa_review"),
        st.fixed_dictionaries({"agent": agents, "score": st.sampled_from([0, 55, 70.5, 90, 100])}),
    ),
)


@st.composite
def histories(draw: st.DrawFn) -> list[RefTicket]:
    tickets = []
    for _ in range(draw(st.integers(1, 5))):
        created = BASE + timedelta(minutes=draw(st.integers(0, 600)))
        ticket = RefTicket(
            created_at=created,
            category=draw(st.sampled_from(["not_received", "dispute", "usage_question", ""])),
            priority=draw(st.sampled_from(["low", "normal", "high", "urgent"])),
        )
        at = created
        seen: set[str] = set()
        for kind, fields in draw(st.lists(event_fields, max_size=12)):
            at += timedelta(minutes=draw(st.sampled_from([0, 0, 1, 7, 45, 200])))
            key = repr((kind, at, sorted(fields.items())))
            if key in seen:  # an identical line is the same event (docs/history.md, "Idempotence")
                continue
            seen.add(key)
            ticket.events.append(RefEvent(kind, at, dict(fields)))
        tickets.append(ticket)
    return tickets


def store(tickets: list[RefTicket], users: dict[str, User]) -> None:
    for number, t in enumerate(tickets):
        row = Ticket.objects.create(
            external_id=f"P-{number}",
            channel="email",
            category=t.category,
            priority=t.priority,
            created_at=t.created_at,
            updated_at=t.created_at,
        )
        for e in t.events:
            fields: dict[str, Any] = dict(e.fields)
            agent = users.get(fields.get("agent") or "")
            event_record(ticket=row, kind=e.kind, fields=fields, at=e.at, agent=agent)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tickets=histories(),
    start=st.integers(0, 900),
    length=st.integers(1, 2000),
)
def test_sql_kpis_match_the_reference(tickets: list[RefTicket], start: int, length: int) -> None:
    Ticket.objects.all().delete()
    users = {name: UserFactory(username=name) for name in AGENTS}
    store(tickets, users)
    begin = BASE + timedelta(minutes=start)
    end = begin + timedelta(minutes=length)
    template = template_parse(DEFAULT_TEMPLATE_JSON)
    got = compute_kpis(start=begin, end=end, template=template)
    names = {u.pk: name for name, u in users.items()}
    actual = {names[a]: {k: (v.value, v.n) for k, v in kpis.items()} for a, kpis in got.items()}
    assert actual == reference_kpis(tickets, begin, end, DEFAULT_TEMPLATE_JSON)
