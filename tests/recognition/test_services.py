"""Storing awards once, the command line, the monthly task and the monthly email."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.recognition.models import Award, AwardKind, PerformanceEmail
from afterdesk.recognition.months import month_parse
from afterdesk.recognition.services import awards_store, performance_emails_send
from afterdesk.recognition.tasks import EmailsNotSent, recognition_monthly
from tests.alerts.conftest import Mailbox, free_port, smtp_server, smtp_settings  # noqa: F401
from tests.recognition.conftest import AFTER_OCTOBER, OCTOBER

pytestmark = pytest.mark.django_db


def test_awarding_a_month_twice_stores_each_award_once(month_of_work: dict[str, User]) -> None:
    first = awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    assert [s.created for s in first] == [True] * 4
    again = awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    assert [s.created for s in again] == [False] * 4
    assert [s.award.pk for s in again] == [s.award.pk for s in first]
    assert Award.objects.count() == 4
    winners = dict(Award.objects.values_list("kind", "agent__username"))
    assert winners == {
        AwardKind.MOST_IMPROVED: "anna",
        AwardKind.CSAT_CHAMPION: "anna",
        AwardKind.FASTEST_FIRST_REPLY: "bo",
        AwardKind.TOUGHEST_CASES: "bo",
    }
    stored = Award.objects.get(kind=AwardKind.CSAT_CHAMPION)
    assert stored.figures["rules"] == {"min_ratings": 10}
    assert stored.figures["runner_up"]["agent"] == "bo"
    assert stored.candidates == 2


def test_an_award_once_given_stays_as_announced(month_of_work: dict[str, User]) -> None:
    """A late event that would change the winner does not rewrite an announced award."""
    awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    Award.objects.filter(kind=AwardKind.CSAT_CHAMPION).update(candidates=99)
    awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    assert Award.objects.get(kind=AwardKind.CSAT_CHAMPION).candidates == 99


def test_an_unfinished_month_is_refused() -> None:
    with pytest.raises(ValidationError, match="not over yet"):
        awards_store(month=OCTOBER, now=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    assert not Award.objects.exists()


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "october", "", "0999-01", "2026-10-01"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        month_parse(text)
    assert caught.value.field == "month"


def test_cli_awards_a_month_and_says_so_again(month_of_work: dict[str, User]) -> None:
    out = StringIO()
    call_command("recognition", "awards", "--month", "2026-10", stdout=out)
    text = out.getvalue()
    assert "2026-10 CSAT champion (awarded): anna — CSAT 100.0%: 12 of 12 ratings" in text
    assert "Toughest cases solved (awarded): bo — 4 tough tickets solved of 12" in text
    out = StringIO()
    call_command("recognition", "awards", "--month", "2026-10", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert {a["kind"]: a["new"] for a in document["awards"]} == dict.fromkeys(
        AwardKind.values, False
    )
    assert Award.objects.count() == 4


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "--month: month must be 01 to 12"), ("2999-12", "--month: year must be between")],
)
def test_cli_refuses_bad_input_with_a_message(month: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("recognition", "awards", "--month", month, stdout=StringIO())


def test_cli_refuses_the_current_month() -> None:
    this_month = datetime.now(UTC).strftime("%Y-%m")
    with pytest.raises(CommandError, match="is not over yet"):
        call_command("recognition", "awards", "--month", this_month, stdout=StringIO())


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_the_monthly_task_twice_awards_and_mails_once(month_of_work: dict[str, User]) -> None:
    assert recognition_monthly(now=AFTER_OCTOBER) == {"awards": 4, "emails": 3}
    assert recognition_monthly(now=AFTER_OCTOBER) == {"awards": 0, "emails": 0}
    assert Award.objects.filter(month=OCTOBER).count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "anna@desk.example",
        "bo@desk.example",
        "cy@desk.example",
    ]
    assert PerformanceEmail.objects.filter(month=OCTOBER, sent_at__isnull=False).count() == 3


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_the_email_gives_the_figures_against_the_team_median(
    month_of_work: dict[str, User],
) -> None:
    awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    performance_emails_send(month=OCTOBER, now=AFTER_OCTOBER)
    anna = next(m for m in mail.outbox if m.to == ["anna@desk.example"])
    assert anna.subject == "[Afterdesk] Your performance in October 2026"
    # anna's team EU has anna (12 tickets, 20 min, CSAT 100 %) and cy (2 tickets, 1 min):
    # the median of two is their mean.
    assert "against the median of your team EU (2 agents with figures)" in anna.body
    assert "Handled tickets: 12 (n = 12), team median 7 — better" in anna.body
    assert (
        "First reply time (business): 20.0 min (n = 12), team median 10.5 min — below" in anna.body
    )
    assert "CSAT (4–5 stars): 100.0% (n = 12), team median 100.0%" in anna.body
    assert "- CSAT champion: CSAT 100.0%: 12 of 12 ratings were 4 or 5 stars" in anna.body
    assert "QA score: — (n = 0), team median —" in anna.body
    bo = next(m for m in mail.outbox if m.to == ["bo@desk.example"])
    assert "against the median of your team APAC (1 agents with figures)" in bo.body


def test_a_failed_email_is_sent_by_the_next_run_and_only_once(
    month_of_work: dict[str, User],
    smtp_server: Mailbox,  # noqa: F811
) -> None:
    nobody_listens = override_settings(**smtp_settings(free_port()))
    with nobody_listens, pytest.raises(EmailsNotSent, match="3 performance emails not sent"):
        recognition_monthly(now=AFTER_OCTOBER)
    assert Award.objects.count() == 4  # stored before the mail failed
    failed = PerformanceEmail.objects.get(agent__username="anna")
    assert failed.sent_at is None
    assert failed.claimed_at is None
    assert failed.error
    with override_settings(**smtp_settings(smtp_server.port)):
        assert recognition_monthly(now=AFTER_OCTOBER) == {"awards": 0, "emails": 3}
        assert recognition_monthly(now=AFTER_OCTOBER) == {"awards": 0, "emails": 0}
    assert sorted(r.recipients[0] for r in smtp_server.messages) == [
        "anna@desk.example",
        "bo@desk.example",
        "cy@desk.example",
    ]
    assert PerformanceEmail.objects.filter(error="").count() == 3


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_an_agent_without_an_address_gets_no_email(month_of_work: dict[str, User]) -> None:
    User.objects.filter(username="cy").update(email="")
    outcome = performance_emails_send(month=OCTOBER, now=AFTER_OCTOBER)
    assert outcome.no_address == ["cy"]
    assert outcome.sent == ["anna", "bo"]
