"""The SLA report pages (docs/sla.md, "Reports"): % met per target with links to the breached
tickets, the pending-abuse audit, both for a period (the last complete week by default), both
downloadable as CSV and XLSX; supervisors only; query counts pinned."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries

from afterdesk.accounts.models import User
from afterdesk.sla.report_views import last_complete_week
from afterdesk.sla.sweep import sla_sweep
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0, UserFactory

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
WEEK = {"start": "2026-10-01", "end": "2026-10-07"}


def amazon(external_id: str, agent: User) -> Ticket:
    ticket = services.ticket_create(
        subject="Hi",
        channel="marketplace",
        platform="amazon",
        body="?",
        at=T0,
        external_id=external_id,
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    return ticket


@pytest.fixture
def history(agent: User) -> dict[str, Ticket]:
    tickets = {name: amazon(name, agent) for name in ("A-1", "A-2", "G-1")}
    services.message_reply(ticket=tickets["A-1"], by=agent, body="ok", at=T0 + H)
    services.message_reply(ticket=tickets["A-2"], by=agent, body="late", at=T0 + 30 * H)
    # set pending half an hour before the deadline, back at once without a buyer message
    services.ticket_set_status(ticket=tickets["G-1"], by=agent, status="pending", at=T0 + 23.5 * H)
    services.ticket_set_status(ticket=tickets["G-1"], by=agent, status="open", at=T0 + 23.6 * H)
    services.message_reply(ticket=tickets["G-1"], by=agent, body="ok", at=T0 + 23.7 * H)
    sla_sweep(now=T0 + 40 * H)
    return tickets


def test_the_report_shows_met_per_target_and_links_the_breached_tickets(
    client: Client,
    supervisor: User,
    history: dict[str, Ticket],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(supervisor)
    client.get(reverse("sla:report"), WEEK)  # warm the session and translations
    with django_assert_num_queries(3):  # session, user, the clocks
        page = client.get(reverse("sla:report"), {**WEEK, "by": "agent"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="sla-report-row"') == 1
    assert '66.7 % <span class="muted">(2/3)</span>' in html
    breach = history["A-2"]
    assert f'href="/tickets/{breach.pk}/"' in html
    assert f'href="/tickets/{history["A-1"].pk}/"' not in html
    per_channel = client.get(reverse("sla:report"), {**WEEK, "by": "channel"})
    assert ">marketplace</th>" in per_channel.content.decode()


def test_the_report_downloads_as_csv_and_xlsx(
    client: Client, supervisor: User, history: dict[str, Ticket]
) -> None:
    client.force_login(supervisor)
    download = client.get(reverse("sla:report"), {**WEEK, "by": "agent", "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert "sla-agent-2026-10-01-2026-10-08.csv" in download["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[0] == ["agent", "target", "clocks", "met", "met_rate"]
    assert ["anna", "first_reply", "3", "2", "0.6667"] in lines
    assert ["anna", str(history["A-2"].pk), "A-2", "first_reply"] == lines[-1][:4]
    xlsx = client.get(reverse("sla:report"), {**WEEK, "by": "agent", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["met", "breaches"]
    assert list(book["met"].iter_rows(values_only=True))[1] == ("anna", "first_reply", 3, 2, 0.6667)
    assert list(book["breaches"].iter_rows(values_only=True))[1][2] == "A-2"


def test_the_audit_lists_the_flagged_agents_with_their_tickets(
    client: Client,
    supervisor: User,
    history: dict[str, Ticket],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(supervisor)
    client.get(reverse("sla:pending_abuse"), WEEK)
    # session, user, then a fixed number per 1,000 tickets (the clocks are recomputed from the
    # logs, read in bulk)
    with django_assert_num_queries(10):
        page = client.get(reverse("sla:pending_abuse"), WEEK)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="sla-flag"') == 1
    assert f'href="/tickets/{history["G-1"].pk}/"' in html
    assert "anna" in html
    xlsx = client.get(reverse("sla:pending_abuse"), {**WEEK, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("anna", history["G-1"].pk, "G-1")


def test_the_period_defaults_to_the_last_complete_week_and_is_checked(
    client: Client, supervisor: User, agent: User
) -> None:
    # Friday 4 December 2026: the last complete week is Monday 23 to Sunday 29 November
    assert last_complete_week(datetime(2026, 12, 4, 12, tzinfo=UTC)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    client.force_login(supervisor)
    page = client.get(reverse("sla:report"))
    monday, sunday = last_complete_week()
    assert f'value="{monday.isoformat()}"' in page.content.decode()
    assert f'value="{sunday.isoformat()}"' in page.content.decode()
    backwards = client.get(reverse("sla:report"), {"start": "2026-10-07", "end": "2026-09-01"})
    assert backwards.status_code == 400
    assert "the period&#x27;s end must be after its start" in backwards.content.decode()
    too_long = client.get(
        reverse("sla:pending_abuse"), {"start": "2024-01-01", "end": "2026-01-01"}
    )
    assert too_long.status_code == 400
    assert client.get(reverse("sla:report"), {**WEEK, "by": "moon"}).status_code == 400
    client.force_login(agent)
    assert client.get(reverse("sla:report")).status_code == 403
    assert client.get(reverse("sla:pending_abuse")).status_code == 403
    client.force_login(UserFactory(username="other"))
    assert client.get(reverse("sla:report"), {**WEEK, "format": "csv"}).status_code == 403


def test_the_pages_in_chinese(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)
    report = client.get(reverse("sla:report"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "SLA 报表" in report
    audit = client.get(reverse("sla:pending_abuse"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "“待处理”滥用审计" in audit.content.decode()
