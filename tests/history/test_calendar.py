"""A calendar line that changes a stored calendar recomputes its tickets' business times."""

from __future__ import annotations

from pathlib import Path

import pytest

from afterdesk.history.importer import history_import
from afterdesk.metrics.models import TicketFacts
from tests.history.helpers import CALENDAR, INBOUND, REPLY, TICKET, write_history

pytestmark = pytest.mark.django_db


def test_changed_calendar_line_recomputes_facts(tmp_path: Path) -> None:
    first = write_history(
        tmp_path / "a.jsonl",
        CALENDAR,
        {"type": "agent", "id": "anna", "name": "A"},
        TICKET,
        INBOUND,
        REPLY,
    )
    assert not history_import(first).errors
    before = TicketFacts.objects.get().first_reply_business_us
    wider = {**CALENDAR, "hours": {"thu": [["00:00", "24:00"]]}}  # 2026-10-01 is a Thursday
    second = write_history(tmp_path / "b.jsonl", wider)
    report = history_import(second)
    assert not report.errors
    assert report.entities["calendar"].updated == 1
    after = TicketFacts.objects.get().first_reply_business_us
    assert before != after
    assert after == 3600 * 10**6  # 08:00 → 09:00, all of it open now
