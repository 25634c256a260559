"""When a survey is sent (docs/surveys.md, "When a survey is sent"): once per solve, after the
delay, never for a reopened ticket, a ticket no buyer wrote, a buyer without an address, a
marketplace ticket or an imported history; the periodic task run twice sends one email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.channels.models import Mailbox
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.surveys.models import Survey, SurveySettings, SurveyState
from afterdesk.surveys.services.scheduling import settings_save
from afterdesk.surveys.services.sending import BACKOFF_MINUTES
from afterdesk.surveys.tasks import surveys_periodic
from afterdesk.tickets import services as tickets
from tests.channels.servers import SmtpServer
from tests.factories import CustomerFactory, CustomerIdentityFactory, StoreFactory
from tests.surveys.conftest import buyer_ticket, only_survey, run_at, solve

pytestmark = pytest.mark.django_db


def test_the_periodic_task_run_twice_sends_one_survey(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    settings_save(enabled=True, delay_hours=0, expiry_days=14)
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)

    surveys_periodic()
    surveys_periodic()

    survey = only_survey(ticket)
    assert (survey.state, survey.attempts, survey.recipient) == (
        SurveyState.SENT,
        1,
        "buyer@example.net",
    )
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_tos == ["buyer@example.net"]


def test_the_survey_waits_for_the_delay_after_the_solve(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)

    run_at(23)
    survey = only_survey(ticket)
    assert survey.state == SurveyState.SCHEDULED
    assert survey.next_attempt_at == survey.solved_at + timedelta(hours=24)
    assert smtp_server.received == []

    run_at(24.1)
    run_at(30)
    survey.refresh_from_db()
    assert survey.state == SurveyState.SENT
    assert len(smtp_server.received) == 1


def test_a_reopened_ticket_gets_no_survey_and_its_next_solve_gets_one(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    run_at(1)
    first = only_survey(ticket)
    assert first.state == SurveyState.SCHEDULED

    # The buyer writes again: the ticket is open, the waiting survey is cancelled.
    tickets.message_ingest(ticket=ticket, body="It did not arrive after all.")
    run_at(25)
    first.refresh_from_db()
    assert (first.state, first.reason) == (SurveyState.CANCELLED, "the ticket was reopened")
    assert smtp_server.received == []

    # Solved again: that solve gets its own survey, sent once.
    solve(ticket, agent)
    run_at(25)
    run_at(26)
    surveys = list(Survey.objects.filter(ticket=ticket).order_by("id"))
    assert [s.state for s in surveys] == [SurveyState.CANCELLED, SurveyState.SENT]
    assert len(smtp_server.received) == 1


def test_a_ticket_reopened_when_its_survey_is_due_is_cancelled_at_sending(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    """Reopened and solved again within minutes: the earlier solve's survey is not the one
    the ticket's last solve asks for."""
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    run_at(1)
    first = only_survey(ticket)
    tickets.message_ingest(ticket=ticket, body="One more question.")
    solve(ticket, agent)  # solved again before the job saw the reopening

    run_at(25)
    first.refresh_from_db()
    assert first.state == SurveyState.CANCELLED
    assert Survey.objects.filter(ticket=ticket, state=SurveyState.SENT).count() == 1
    assert len(smtp_server.received) == 1


def test_solved_then_closed_is_one_solve(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    tickets.ticket_set_status(ticket=ticket, by=agent, status="closed")
    run_at(25)
    run_at(26)
    assert only_survey(ticket).state == SurveyState.SENT
    assert len(smtp_server.received) == 1


def test_tickets_that_take_no_survey_say_why(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    # Opened by an agent, no buyer message (a desk-made or bulk ticket).
    store = StoreFactory()
    customer = CustomerFactory(store=store)
    CustomerIdentityFactory(customer=customer, value="known@example.net")
    desk_made = tickets.ticket_open(
        by=agent, subject="Recall notice", channel="api", customer=customer
    )
    # A chat buyer without an email address.
    anonymous = tickets.ticket_create(
        subject="Size question", channel="chat", body="Does it run small?", customer=None
    )
    # An Amazon buyer writing through the marketplace relay.
    relay = tickets.ticket_create(
        subject="Return", channel="marketplace", body="I want to return it.", platform="amazon"
    )
    # A buyer whose address takes no mail.
    noreply = buyer_ticket(mailbox, sender="Shop <no-reply@example.net>")
    # Mail from the desk's own address (a forwarding loop).
    own = buyer_ticket(mailbox, sender="Support <Support@shop.example>")
    for ticket in (desk_made, anonymous, relay, noreply, own):
        tickets.ticket_set_status(ticket=ticket, by=agent, status="solved")

    run_at(25)
    run_at(26)

    reasons = {
        ticket.pk: (only_survey(ticket).state, only_survey(ticket).reason)
        for ticket in (desk_made, anonymous, relay, noreply, own)
    }
    assert reasons == {
        desk_made.pk: (
            SurveyState.SKIPPED,
            "no message from the buyer: the ticket was opened by the desk or automatically",
        ),
        anonymous.pk: (SurveyState.SKIPPED, "the buyer has no email address"),
        relay.pk: (
            SurveyState.SKIPPED,
            "marketplace ticket: the platform's rules forbid survey links",
        ),
        noreply.pk: (
            SurveyState.SKIPPED,
            "the buyer's address no-reply@example.net takes no mail",
        ),
        own.pk: (
            SurveyState.SKIPPED,
            "the address support@shop.example is one of the desk's mailboxes",
        ),
    }
    assert smtp_server.received == []


def test_the_customers_address_is_used_when_no_mail_came(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    customer = CustomerFactory(store=StoreFactory())
    CustomerIdentityFactory(
        customer=customer, kind=CustomerIdentity.Kind.EMAIL, value="chat.buyer@example.net"
    )
    ticket = tickets.ticket_create(
        subject="Size question", channel="chat", body="Does it run small?", customer=customer
    )
    tickets.ticket_set_status(ticket=ticket, by=agent, status="solved")
    run_at(25)
    assert only_survey(ticket).state == SurveyState.SENT
    assert smtp_server.received[0].rcpt_tos == ["chat.buyer@example.net"]


def test_imported_solves_send_nothing(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    """A solve dated days before it was recorded (a history import, a late event) is history,
    not a buyer waiting for a survey."""
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent, at=timezone.now() - timedelta(days=3))
    run_at(1)
    assert not Survey.objects.exists()
    assert smtp_server.received == []


def test_turned_off_nothing_is_scheduled_or_sent(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    waiting = buyer_ticket(mailbox)
    solve(waiting, agent)
    run_at(1)
    settings_save(enabled=False, delay_hours=24, expiry_days=14)
    later = buyer_ticket(mailbox, subject="Wrong size")
    solve(later, agent)

    run_at(25)
    assert only_survey(waiting).state == SurveyState.SCHEDULED
    skipped = only_survey(later)
    assert (skipped.state, skipped.reason) == (SurveyState.SKIPPED, "surveys were turned off")
    assert smtp_server.received == []

    # On again: the survey that waited leaves; the solve made while off stays without one.
    settings_save(enabled=True, delay_hours=24, expiry_days=14)
    run_at(26)
    assert only_survey(waiting).state == SurveyState.SENT
    assert only_survey(later).state == SurveyState.SKIPPED
    assert len(smtp_server.received) == 1


def test_a_new_delay_moves_the_waiting_surveys(mailbox: Mailbox, agent: User) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    run_at(0)
    _config, moved = settings_save(enabled=True, delay_hours=48, expiry_days=7)
    survey = only_survey(ticket)
    assert moved == 1
    assert survey.next_attempt_at == survey.solved_at + timedelta(hours=48)
    config = SurveySettings.load()
    assert (config.delay_hours, config.expiry_days) == (48, 7)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"delay_hours": -1, "expiry_days": 14}, "delay_hours"),
        ({"delay_hours": 24 * 31, "expiry_days": 14}, "delay_hours"),
        ({"delay_hours": 24, "expiry_days": 0}, "expiry_days"),
    ],
)
def test_settings_out_of_range_are_refused(options: dict[str, int], field: str) -> None:
    from afterdesk.core.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        settings_save(enabled=True, **options)
    assert refused.value.field == field
    assert SurveySettings.load().delay_hours == 24


def test_a_refused_email_is_retried_with_backoff(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    smtp_server.refuse = "451 4.3.0 try again later"
    run_at(25)
    survey = only_survey(ticket)
    assert (survey.state, survey.attempts) == (SurveyState.RETRYING, 1)
    assert survey.last_error == "SMTP 451: 4.3.0 try again later"
    due = survey.next_attempt_at
    assert due is not None

    smtp_server.refuse = ""
    run_at(25)  # not due yet: BACKOFF_MINUTES[0] later
    survey.refresh_from_db()
    assert survey.state == SurveyState.RETRYING
    run_at(25 + BACKOFF_MINUTES[0] / 60 + 0.1)
    survey.refresh_from_db()
    assert (survey.state, survey.attempts, survey.last_error) == (SurveyState.SENT, 2, "")
    assert len(smtp_server.received) == 1


def test_the_worker_runs_the_job_every_five_minutes() -> None:
    """The consumer's schedule (what `afterdesk serve` and `afterdesk worker` run)."""
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    def due(minute: int) -> set[str]:
        return {task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, 10, minute))}  # noqa: DTZ001

    assert "surveys_periodic" in due(15)
    assert "surveys_periodic" not in due(17)


def test_the_command_runs_the_job_now_or_at_a_given_instant(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    out = StringIO()
    call_command("surveys", "run", stdout=out)
    assert out.getvalue().splitlines() == ["scheduled 1, not sent 0, cancelled 0"]
    assert smtp_server.received == []

    later = (timezone.now() + timedelta(hours=25)).isoformat()
    out = StringIO()
    call_command("surveys", "run", "--now", later, stdout=out)
    survey = only_survey(ticket)
    assert out.getvalue().splitlines() == [
        "scheduled 0, not sent 0, cancelled 0",
        f"survey {survey.pk}: sent to buyer@example.net",
    ]
    assert len(smtp_server.received) == 1
    with pytest.raises(CommandError, match="--now: time without an offset"):
        call_command("surveys", "run", "--now", "2026-12-04T10:00:00")


def test_closes_after_a_surveyed_solve_are_not_looked_at_again(
    mailbox: Mailbox, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's list holds only new solves, however many tickets were closed after their
    survey (a long list of closes must not push new solves out of a run)."""
    from afterdesk.surveys.services import scheduling

    now = timezone.now()
    closed = []
    for i in range(3):
        ticket = buyer_ticket(mailbox, sender=f"B <b{i}@example.net>")
        solve(ticket, agent)
        closed.append(ticket)
    run_at(0)
    for ticket in closed:
        tickets.ticket_set_status(ticket=ticket, by=agent, status="closed")
    assert scheduling._candidates(now) == []

    # Reopened and solved again: that solve is a candidate (the earlier survey does not cover it).
    again = closed[0]
    tickets.message_ingest(ticket=again, body="Still broken")
    solve(again, agent)
    assert [ticket for _e, ticket, _at in scheduling._candidates(now)] == [again.pk]

    # Many new solves are taken in chunks, all in one run.
    monkeypatch.setattr(scheduling, "BATCH", 2)
    fresh = [buyer_ticket(mailbox, sender=f"N <n{i}@example.net>") for i in range(3)]
    for ticket in fresh:
        solve(ticket, agent)
    result = scheduling.surveys_schedule(timezone.now())
    assert result.scheduled == 4
    assert all(only_survey(ticket).state == SurveyState.SCHEDULED for ticket in fresh)
