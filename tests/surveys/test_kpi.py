"""A buyer's answer feeds `csat_rate` through the real metrics code (docs/metrics.md, "KPI
catalogue"): survey email → the page → `csat` event → facts → `afterdesk kpis` and
`afterdesk scorecard`. Only each ticket's latest rating counts, for the resolver at rating
time; a rating given while the ticket is reopened counts for nobody."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.channels.models import Mailbox
from afterdesk.surveys.models import Survey
from afterdesk.tickets import services as tickets
from tests.channels.servers import SmtpServer
from tests.factories import UserFactory
from tests.surveys.conftest import buyer_ticket, only_survey, received, run_at, solve, survey_links

pytestmark = pytest.mark.django_db


def period() -> list[str]:
    now = timezone.now()
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    return ["--from", start.isoformat(), "--to", end.isoformat()]


def kpis_of(agent: User) -> dict[str, dict[str, float | int | None]]:
    out = StringIO()
    call_command("kpis", *period(), stdout=out)
    rows = {row["agent"]: row["kpis"] for row in json.loads(out.getvalue())}
    return rows[agent.username]


def answer_by_email(smtp_server: SmtpServer, client: Client, index: int, rating: int) -> None:
    """The buyer clicks the rating in the email `index`, then sends the page's form."""
    link = survey_links(received(smtp_server)[index])[5 - rating]
    assert link.endswith(f"?r={rating}")
    page = client.get(link)
    assert page.status_code == 200
    assert client.post(link.split("?")[0], {"rating": str(rating)}).status_code == 302


def test_survey_answers_are_the_csat_rate(
    mailbox: Mailbox, smtp_server: SmtpServer, client: Client
) -> None:
    anna = UserFactory(username="anna")
    first = buyer_ticket(mailbox, subject="Parcel late")
    second = buyer_ticket(mailbox, subject="Wrong size", sender="Buyer Two <two@example.net>")
    solve(first, anna)
    solve(second, anna)
    run_at(25)
    assert len(smtp_server.received) == 2
    [to_first, to_second] = sorted(
        range(2), key=lambda i: received(smtp_server)[i]["Subject"] != "How did we do? Parcel late"
    )

    # First ticket: rated 2, then changed to 5 (the latest counts, once).
    answer_by_email(smtp_server, client, to_first, 2)
    assert kpis_of(anna)["csat_rate"] == {"value": 0.0, "n": 1}
    answer_by_email(smtp_server, client, to_first, 5)
    assert kpis_of(anna)["csat_rate"] == {"value": 1.0, "n": 1}
    # Second ticket: rated 3, not a 4 or 5.
    answer_by_email(smtp_server, client, to_second, 3)
    kpis = kpis_of(anna)
    assert kpis["csat_rate"] == {"value": 0.5, "n": 2}
    assert kpis["csat_avg"] == {"value": 4.0, "n": 2}
    assert only_survey(first).rating == 5

    # The same figure on the scorecard, scored under a template with csat_rate.
    out = StringIO()
    call_command("scorecard", "--template", "first_line", *period(), stdout=out)
    [row] = json.loads(out.getvalue())
    assert row["agent"] == "anna"
    assert row["kpis"]["csat_rate"]["value"] == 0.5
    assert row["kpis"]["csat_rate"]["n"] == 2


def test_a_rating_given_while_the_ticket_is_reopened_counts_for_nobody(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer, client: Client
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    run_at(25)
    tickets.message_ingest(ticket=ticket, body="It is still missing.")

    answer_by_email(smtp_server, client, 0, 1)

    # The answer is on the ticket, but no resolver holds it (docs/metrics.md, "Per-ticket facts").
    assert Survey.objects.get(ticket=ticket).rating == 1
    assert ticket.events.filter(kind="csat").count() == 1
    out = StringIO()
    call_command("kpis", *period(), stdout=out)
    rows = {row["agent"]: row["kpis"] for row in json.loads(out.getvalue())}
    assert rows[agent.username]["csat_rate"] == {"value": None, "n": 0}
