"""`return_step` events round-trip through `afterdesk history export/import` unchanged, beside
the `return` outcome; a bad step is refused line by line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.returns.services.cases import LineIn, case_approve, case_create, case_resolve
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.history.helpers import (
    AGENT,
    CALENDAR,
    INBOUND,
    TICKET,
    event,
    flush_history,
    write_history,
)

pytestmark = pytest.mark.django_db


def _events() -> list[tuple[str, str, dict[str, object]]]:
    return list(
        TicketEvent.objects.filter(kind__in=["return_step", "return"])
        .order_by("at", "id")
        .values_list("kind", "subtype", "fields")
    )


def test_return_steps_export_and_import_back_unchanged(
    tmp_path: Path, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="size_issue",
        requested_resolution="exchange",
        note="too small",
    )
    case_resolve(by=agent, case=case_approve(by=agent, case=case), resolution="exchange")
    before = _events()
    assert [kind for kind, *_ in before] == ["return_step", "return_step", "return_step", "return"]
    first = io.StringIO()
    counts = history_export(first)
    assert counts["return_step"] == 3
    assert counts["return"] == 1
    flush_history()
    Team.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(first.getvalue(), encoding="utf-8")
    assert history_import(copy).errors == []
    assert _events() == before
    second = io.StringIO()
    history_export(second)
    assert second.getvalue() == first.getvalue()


def test_an_unknown_step_is_an_error_of_its_line(tmp_path: Path) -> None:
    bad = event("return_step", "2026-10-01T09:00:00Z", rma="RMA-1", step="teleported")
    report = history_import(
        write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, bad)
    )
    assert report.errors
    assert "teleported" in str(report.errors[0])
    good = event("return_step", "2026-10-01T09:00:00Z", rma="RMA-1", step="received", agent="anna")
    report = history_import(
        write_history(tmp_path / "g.jsonl", CALENDAR, AGENT, TICKET, INBOUND, good)
    )
    assert report.errors == []
    assert json.loads(json.dumps(TicketEvent.objects.get(kind="return_step").fields)) == {
        "rma": "RMA-1",
        "step": "received",
        "agent": "anna",
    }
