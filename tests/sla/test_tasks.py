"""The worker's SLA jobs and the calendars' hours reaching the deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from huey.api import PeriodicTask

from afterdesk.accounts.models import Role
from afterdesk.calendars.services import calendar_update
from afterdesk.sla.models import Policy, TicketSla
from afterdesk.sla.tasks import sla_sweep_periodic
from afterdesk.tickets import services
from afterdesk.tickets.models import TicketEvent
from tests.factories import T0, CalendarFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_periodic_sweep_runs_every_minute_and_mails_the_breach() -> None:
    assert isinstance(sla_sweep_periodic.task_class(), PeriodicTask)
    assert sla_sweep_periodic.task_class().validate_datetime(
        datetime(2026, 10, 1, 8, 7, tzinfo=UTC)
    )
    UserFactory(username="sue", role=Role.SUPERVISOR, email="sue@example.com")
    ticket = services.ticket_create(
        subject="Hi", channel="marketplace", platform="amazon", body="?", at=T0
    )
    assert sla_sweep_periodic.call_local() == 1  # T0 is long past: the breach, no warning
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breach").count() == 1
    assert [m.to for m in mail.outbox] == [["sue@example.com"]]
    assert sla_sweep_periodic.call_local() == 0
    assert len(mail.outbox) == 1


def test_new_business_hours_move_the_deadlines_of_the_calendars_tickets() -> None:
    calendar = CalendarFactory(
        key="eu", tz="UTC", hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed")}
    )
    Policy.objects.create(
        name="Email",
        channels=["email"],
        hours="business",
        targets={"normal": {"first_reply": 60}},
    )
    monday = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)
    ticket = services.ticket_create(
        subject="Hi", channel="email", body="?", at=monday, calendar=calendar
    )
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == monday + timedelta(hours=17)
    calendar_update(
        calendar=calendar,
        name="",
        tz="UTC",
        hours={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed")},
        holidays=[],
    )
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == monday + timedelta(hours=1)
