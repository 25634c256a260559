"""The automatic checks that pre-fill a review (afterdesk/qa/checks.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.qa.checks import checks_run, mood
from afterdesk.tickets import services
from tests.factories import T0
from tests.qa.conftest import conversation

pytestmark = pytest.mark.django_db


def test_a_good_conversation_passes(agent: User, team: Team) -> None:
    ticket = conversation(agent, team)
    findings = checks_run(ticket)
    assert findings["greeting"].passed is True
    assert findings["template"].passed is True
    assert findings["language"].passed is True
    assert findings["follow_up"].passed is None  # nothing promised
    assert findings["sentiment"].passed is None  # one buyer message
    assert findings["first_reply_sla"].passed is None  # no SLA policy


def test_missing_greeting_and_unrendered_variables(agent: User, team: Team) -> None:
    ticket = conversation(agent, team, reply="Your order {{ order.number }} ships {% if x %}soon")
    findings = checks_run(ticket)
    assert findings["greeting"].passed is False
    assert "greeting" in findings["greeting"].detail
    assert "sign-off" in findings["greeting"].detail
    assert findings["template"].passed is False


def test_reply_in_another_language_than_the_buyers(agent: User, team: Team) -> None:
    ticket = services.ticket_create(
        subject="Paquete",
        channel="email",
        body="Hola, mi paquete no ha llegado todavía y ya pasaron tres semanas desde la compra.",
        at=T0,
    )
    services.message_reply(
        ticket=ticket,
        by=agent,
        body="Hello, we are checking with the carrier and will come back to you very soon. Regards",
        at=T0 + timedelta(hours=1),
    )
    finding = checks_run(ticket)["language"]
    assert finding.passed is False, finding
    assert "es" in finding.detail
    assert "en" in finding.detail


def test_promised_follow_up_kept_or_not(agent: User, team: Team) -> None:
    ticket = conversation(agent, team, reply="Hi, I will get back to you tomorrow. Regards")
    assert checks_run(ticket)["follow_up"].passed is False
    services.message_reply(
        ticket=ticket, by=agent, body="Hi, here is the update. Regards", at=T0 + timedelta(days=1)
    )
    assert checks_run(ticket)["follow_up"].passed is True


def test_sentiment_worsening_and_improving(agent: User, team: Team) -> None:
    ticket = conversation(agent, team, inbound="Hello, thanks, where is my parcel?")
    services.message_ingest(
        ticket=ticket, body="This is terrible and unacceptable, a scam!", at=T0 + timedelta(hours=2)
    )
    assert checks_run(ticket)["sentiment"].passed is False
    happy = conversation(agent, team, inbound="This is terrible, still waiting")
    services.message_ingest(ticket=happy, body="Great, thanks a lot!", at=T0 + timedelta(hours=2))
    finding = checks_run(happy)["sentiment"]
    assert finding.passed is True
    assert "improving" in finding.detail
    assert mood("Thanks, great!") == 2
    assert mood("terrible scam") == -2


def test_first_reply_sla_breach_fails(agent: User, team: Team) -> None:
    ticket = conversation(agent, team)
    services.sla_event_write(
        ticket=ticket,
        kind="sla_breach",
        target="first_reply",
        due=T0 + timedelta(minutes=30),
        at=T0 + timedelta(minutes=30),
    )
    assert checks_run(ticket)["first_reply_sla"].passed is False
