"""Agents' corrections kept as labels: `afterdesk triage labels` writes each corrected
ticket's first buyer message with the agent's label in the labelled set's format, and
`afterdesk triage measure --file` measures triage against it (docs/triage.md,
"Corrections"). Also: the desk's copies of triage's codes are triage's codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.accounts.models import User
from afterdesk.tickets import services
from afterdesk.tickets.events import TRIAGE_ISSUE_TYPES, TRIAGE_RISK_FLAGS
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS, LANGUAGE_LABELS, RISK_FLAG_LABELS
from afterdesk.triage.language import SELLER_LANGUAGES
from afterdesk.triage.lexicon import ISSUE_TYPES, RISK_FLAGS
from afterdesk.triage.measure import labelled_load
from tests.factories import T0

pytestmark = pytest.mark.django_db


def test_the_desk_knows_exactly_the_codes_triage_decides_on() -> None:
    assert set(TRIAGE_ISSUE_TYPES) == set(ISSUE_TYPES)
    assert len(TRIAGE_ISSUE_TYPES) == 12
    assert TRIAGE_RISK_FLAGS == RISK_FLAGS
    assert set(ISSUE_TYPE_LABELS) == set(ISSUE_TYPES)
    assert set(RISK_FLAG_LABELS) == set(RISK_FLAGS)
    assert set(LANGUAGE_LABELS) == set(SELLER_LANGUAGES)


def opened(subject: str, body: str, minutes: int) -> Ticket:
    ticket = services.ticket_create(
        subject=subject, channel="email", body=body, at=T0 + timedelta(minutes=minutes)
    )
    services.ticket_triage_record(
        ticket=ticket,
        language="en",
        issue_type="other",
        risk=0,
        risk_flags=[],
        priority="normal",
        reason="no issue phrase matched",
        at=T0 + timedelta(minutes=minutes),
    )
    return Ticket.objects.get(pk=ticket.pk)


def labels(*args: str) -> list[dict[str, object]]:
    out = StringIO()
    call_command("triage", "labels", *args, stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_corrected_ticket_gives_its_first_message_with_the_latest_label(
    agent: User, tmp_path: Path
) -> None:
    parcel = opened("Order 1182", "Tracking has said 'in transit' for three weeks.", 0)
    opened("Thanks", "All good, thank you!", 1)  # never corrected: no label
    services.message_reply(ticket=parcel, by=agent, body="Checking", at=T0 + timedelta(hours=1))
    services.message_ingest(ticket=parcel, body="Still nothing!!", at=T0 + timedelta(hours=2))
    services.ticket_triage_correct(
        ticket=parcel, by=agent, language="en", issue_type="dispute", risk_flags=[],
        at=T0 + timedelta(hours=3),
    )  # fmt: skip
    services.ticket_triage_correct(
        ticket=parcel, by=agent, language="en", issue_type="not_received",
        risk_flags=["atoz_claim"], at=T0 + timedelta(hours=4),
    )  # fmt: skip
    wrote = labels()
    assert wrote == [
        {
            "id": f"ticket-{parcel.pk}",
            "lang": "en",
            "subject": "Order 1182",
            "body": "Tracking has said 'in transit' for three weeks.",
            "issue_type": "not_received",
            "risk_flags": ["atoz_claim"],
            "corrected_at": (T0 + timedelta(hours=4)).isoformat(),
            "agent": "anna",
        }
    ]
    # the file measures: triage against the agent's label
    path = tmp_path / "corrections.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in wrote), encoding="utf-8")
    assert [row.issue_type for row in labelled_load(path)] == ["not_received"]
    out = StringIO()
    call_command("triage", "measure", "--file", str(path), "--split", "all", stdout=out)
    assert "== all: 1 messages ==" in out.getvalue()


def test_since_keeps_the_corrections_made_from_then_on(agent: User) -> None:
    early = opened("A", "The mug arrived cracked.", 0)
    late = opened("B", "Wrong colour sent.", 1)
    services.ticket_triage_correct(
        ticket=early, by=agent, language="en", issue_type="damaged", risk_flags=[],
        at=T0 + timedelta(days=1),
    )  # fmt: skip
    services.ticket_triage_correct(
        ticket=late, by=agent, language="en", issue_type="wrong_item", risk_flags=[],
        at=T0 + timedelta(days=3),
    )  # fmt: skip
    assert [line["issue_type"] for line in labels()] == ["damaged", "wrong_item"]
    since = (T0 + timedelta(days=2)).isoformat()
    assert [line["issue_type"] for line in labels("--since", since)] == ["wrong_item"]
    day = (T0 + timedelta(days=2)).date().isoformat()
    assert [line["issue_type"] for line in labels("--since", day)] == ["wrong_item"]


def test_a_bad_since_is_refused() -> None:
    with pytest.raises(CommandError, match="--since 'last week'"):
        labels("--since", "last week")


def test_a_bad_since_on_the_command_line_is_a_message_and_a_non_zero_exit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "afterdesk.cli", "triage", "labels", "--since", "soon"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "--since 'soon'" in result.stderr
