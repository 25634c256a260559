from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer, Order, Shipment, Store, TrackingEvent
from afterdesk.demo.catalog import DEMO_PASSWORD
from afterdesk.demo.generator import generate
from afterdesk.demo.stories import CATEGORIES, LANGUAGES
from afterdesk.history.importer import history_import
from afterdesk.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=False)

TICKETS = 200


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--tickets", str(TICKETS), *args, stdout=out)
    return out.getvalue()


def test_generated_history_imports_without_errors(tmp_path: Path) -> None:
    dataset = generate(seed=2, tickets=150)
    path = tmp_path / "demo.jsonl"
    dataset.write_history(path)
    report = history_import(path)
    assert report.errors == []
    assert report.events_added == dataset.event_count
    # Importing the same file again changes nothing (docs/history.md, "Idempotence").
    again = history_import(path)
    assert again.errors == []
    assert again.events_added == 0


def test_demo_on_an_empty_database_loads_everything() -> None:
    output = _demo()
    assert f"{TICKETS} tickets" in output
    assert "admin / afterdesk-demo" in output
    assert Ticket.objects.count() == TICKETS
    assert User.objects.count() == 20
    assert AgentProfile.objects.count() == 20
    assert set(Team.objects.values_list("name", flat=True)) == {
        "EN Tier 1",
        "EU Languages",
        "APAC",
        "Escalations",
    }
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["admin"] == Role.ADMIN
    assert sorted(roles.values()).count(Role.SUPERVISOR) == 2
    assert sorted(roles.values()).count(Role.QA_REVIEWER) == 2
    positions = Counter(User.objects.values_list("position", flat=True))
    assert positions == {
        "": 1,  # admin
        "supervisor": 2,
        "qa_reviewer": 2,
        "first_line": 7,
        "second_line": 2,
        "returns_specialist": 1,
        "minor_language": 3,
        "new_agent": 2,
    }
    assert {u: roles[u] for u in ("olivia.brown", "omar.haddad", "rachel.cohen")} == {
        "olivia.brown": Role.AGENT,
        "omar.haddad": Role.AGENT,
        "rachel.cohen": Role.AGENT,
    }
    assert Calendar.objects.count() == 4
    assert Store.objects.count() == 6
    assert Order.objects.count() == TICKETS == Shipment.objects.count()
    assert 0.7 * TICKETS < Customer.objects.count() <= TICKETS
    assert TrackingEvent.objects.count() >= 3 * TICKETS
    assert TicketEvent.objects.count() > 6 * TICKETS
    assert Message.objects.filter(kind="inbound").count() >= TICKETS
    # every ticket is tied to its store, its customer and its order
    assert not Ticket.objects.filter(store=None).exists()
    assert not Ticket.objects.filter(customer=None).exists()
    assert not Ticket.objects.filter(orders=None).exists()
    for ticket in Ticket.objects.select_related("customer", "store")[:20]:
        assert ticket.customer.store_id == ticket.store_id
        assert ticket.orders.get().customer_id == ticket.customer_id
    assert set(Ticket.objects.values_list("language", flat=True)) == set(LANGUAGES)
    assert set(Ticket.objects.values_list("category", flat=True)) == set(CATEGORIES)
    assert Ticket.objects.filter(status__in=("new", "open", "pending")).exists()
    assert Ticket.objects.filter(status="closed").exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert check_password(DEMO_PASSWORD, admin.password)
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1  # hashed once, shared


def test_demo_refuses_a_database_with_tickets_unless_reset() -> None:
    _demo()
    with pytest.raises(CommandError, match="already has 200 tickets"):
        _demo()
    output = _demo("--reset")
    assert "Deleted 200 tickets and 6 stores" in output
    assert Ticket.objects.count() == TICKETS
    assert Order.objects.count() == TICKETS
    admin = User.objects.get(username="admin")  # imported again: still the admin
    assert (admin.role, admin.position, admin.is_superuser) == (Role.ADMIN, "", True)


def test_only_history_writes_the_file_and_leaves_the_database_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    output = _demo("--only-history", str(path))
    assert "lines written" in output
    assert path.read_text(encoding="utf-8").count('"type":"ticket"') == TICKETS
    assert not Ticket.objects.exists()
