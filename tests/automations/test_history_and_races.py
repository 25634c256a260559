"""An `automation` event round-trips through history export and import; coupon codes are
handed out once under threads on PostgreSQL; two runners of one occurrence fire it once."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from afterdesk.accounts.models import User
from afterdesk.automations.coupons import PoolEmpty, codes_add, coupon_issue, pool_save
from afterdesk.automations.engine import ticket_trigger
from afterdesk.automations.models import Coupon, Firing
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.automations.conftest import MakeRule
from tests.factories import T0
from tests.history.helpers import AGENT, CALENDAR, INBOUND, TICKET, event, write_history


@pytest.mark.django_db
def test_an_automation_event_round_trips(tmp_path: Path) -> None:
    ticket = services.ticket_create(
        subject="Hi", channel="email", body="hi", at=T0, external_id="T-7"
    )
    services.ticket_automate(
        ticket=ticket,
        rule="Tag VIP",
        trigger="ticket_created",
        actions=["tagged vip"],
        tags=["vip"],
        priority="high",
        at=T0,
    )
    services.ticket_automate(
        ticket=ticket,
        rule="Apology",
        trigger="parcel_stalled",
        actions=[],
        error="order_number has no value for this ticket",
        at=T0,
    )
    first = io.StringIO()
    assert history_export(first)["automation"] == 2
    lines = [json.loads(line) for line in first.getvalue().splitlines()]
    fired = [line for line in lines if line["type"] == "automation"]
    assert fired[0]["actions"] == ["tagged vip"]
    assert fired[1]["error"].startswith("order_number")
    Ticket.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(first.getvalue(), encoding="utf-8")
    assert history_import(copy).errors == []
    second = io.StringIO()
    history_export(second)
    assert second.getvalue() == first.getvalue()


@pytest.mark.django_db
def test_a_bad_automation_line_is_refused(tmp_path: Path) -> None:
    bad = event("automation", "2026-10-01T08:00:00Z", rule="x", trigger="time", actions="tag")
    report = history_import(
        write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, bad)
    )
    assert any("actions must be a list of strings" in str(error) for error in report.errors)


def _threads(count: int, work: object) -> list[object]:
    results: list[object] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())  # type: ignore[operator]
        except Exception as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_coupon_codes_are_handed_out_once_under_threads(admin_user: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL (SQLite serialises writers)")
    pool = pool_save(by=admin_user, name="race")
    codes_add(by=admin_user, pool=pool, codes=[f"C-{n}" for n in range(6)])
    tickets = [services.ticket_create(subject=f"t{n}", channel="email", body="x") for n in range(8)]
    iterator = iter(tickets)
    lock = threading.Lock()

    def take() -> object:
        with lock:
            ticket = next(iterator)
        return coupon_issue(pool=pool, ticket_id=ticket.pk)

    results = _threads(8, take)
    issued = [r for r in results if isinstance(r, Coupon)]
    assert len(issued) == 6
    assert len({c.code for c in issued}) == 6
    assert sum(isinstance(r, PoolEmpty) for r in results) == 2
    assert Coupon.objects.filter(ticket__isnull=False).count() == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_occurrence_run_at_once_fires_once(make_rule: MakeRule) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL (SQLite serialises writers)")
    make_rule("ticket_created", [{"type": "tag", "tags": ["once"]}])
    ticket = services.ticket_create(subject="t", channel="email", body="x")
    results = _threads(
        4, lambda: ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="created")
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Firing.objects.count() == 1
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind="automation").count() == 1
