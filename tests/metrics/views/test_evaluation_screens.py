"""The evaluation screens (issue 20, item 4): the last complete period by default, confirmation
and undo for publish, confirmation for freeze, the per-ticket values of a drill-down, segments
linked to their tickets, catalogue labels, locale formatting and one agent-name format."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import User
from afterdesk.metrics.forms import last_complete_day
from afterdesk.metrics.models import PublishedScorecard
from afterdesk.metrics.selectors import period_bounds
from afterdesk.metrics.services import PUBLISH_UNDO_WINDOW
from afterdesk.metrics.templatetags.perf_tags import kpi_value, label, minutes, share_percent
from afterdesk.tickets.models import Ticket
from tests.factories import UserFactory
from tests.metrics.views.conftest import WEEK, WHAT_IF, login, solved_ticket

pytestmark = pytest.mark.django_db

SCORECARD = reverse("metrics:scorecard")
DRILL = reverse("metrics:drilldown")
SEGMENTS = reverse("metrics:segments")
SEGMENT_TICKETS = reverse("metrics:segment_tickets")


def test_the_default_period_is_the_last_complete_week_or_month(
    client: Client, supervisor: User
) -> None:
    zone = ZoneInfo(settings.TIME_ZONE)
    now = datetime.now(zone)
    week_start, week_end = period_bounds(kind="week", containing=now - timedelta(days=7))
    assert week_end <= now  # complete
    html = login(client, supervisor).get(SCORECARD).content.decode()
    last_day = (week_end - timedelta(days=1)).date()
    assert f"{week_start.date().isoformat()} – {last_day.isoformat()}" in html
    month_start, month_end = period_bounds(
        kind="month", containing=now.replace(day=1) - timedelta(days=1)
    )
    html = client.get(SCORECARD, {"period": "month"}).content.decode()
    last_day = (month_end - timedelta(days=1)).date()
    assert f"{month_start.date().isoformat()} – {last_day.isoformat()}" in html
    assert month_end <= now
    assert last_complete_day("month") < now.date().replace(day=1)


@pytest.mark.usefixtures("scored")
def test_publish_and_freeze_ask_first(client: Client, admin_user: User) -> None:
    html = login(client, admin_user).get(SCORECARD, WEEK).content.decode()
    assert 'data-confirm="Publish first_line v1 for 2026-09-28 – 2026-10-04?' in html
    assert "you can undo it for 10 minutes" in html


@pytest.mark.usefixtures("scored")
def test_a_publish_can_be_undone_within_its_window(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    response = client.post(reverse("metrics:publish"), WHAT_IF, follow=True)
    published = PublishedScorecard.objects.get()
    html = response.content.decode()
    assert "Published. You can undo it until" in html
    assert "Undo publish (until" in html
    undo = reverse("metrics:published_undo", args=[published.pk])
    response = client.post(undo)
    assert response.status_code == 302
    assert response["Location"].startswith(SCORECARD + "?period=custom&from=2026-09-28")
    assert not PublishedScorecard.objects.exists()
    # The period can be published again, and that publish is new.
    client.post(reverse("metrics:publish"), WHAT_IF)
    assert PublishedScorecard.objects.count() == 1


@pytest.mark.usefixtures("scored")
def test_undo_is_refused_after_the_window_or_to_someone_else(
    client: Client, supervisor: User
) -> None:
    login(client, supervisor)
    client.post(reverse("metrics:publish"), WHAT_IF)
    published = PublishedScorecard.objects.get()
    undo = reverse("metrics:published_undo", args=[published.pk])
    other = UserFactory(username="sue", role="supervisor")
    login(client, other)
    assert (
        "Undo publish"
        not in client.get(reverse("metrics:published", args=[published.pk])).content.decode()
    )
    html = client.post(undo, follow=True).content.decode()
    assert "Not undone: only who published a scorecard (or an admin) may undo it." in html
    PublishedScorecard.objects.filter(pk=published.pk).update(
        published_at=published.published_at - PUBLISH_UNDO_WINDOW
    )
    login(client, supervisor)
    assert (
        "Undo publish"
        not in client.get(reverse("metrics:published", args=[published.pk])).content.decode()
    )
    html = client.post(undo, follow=True).content.decode()
    assert "the undo window of this publish has passed" in html
    assert PublishedScorecard.objects.filter(pk=published.pk).exists()


def test_agents_cannot_undo(client: Client, agent: User, supervisor: User, scored: Any) -> None:
    login(client, supervisor).post(reverse("metrics:publish"), WHAT_IF)
    published = PublishedScorecard.objects.get()
    response = login(client, agent).post(reverse("metrics:published_undo", args=[published.pk]))
    assert response.status_code == 403
    assert PublishedScorecard.objects.exists()


def _cells(html: str) -> list[str]:
    out = []
    for chunk in html.split('<td class="num perf-contribution">')[1:]:
        out.append(chunk.split("</td>")[0])
    return out


@pytest.mark.usefixtures("scored")
def test_drill_down_rows_show_what_each_ticket_brings(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    html = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "first_reply_time"}).content.decode()
    assert _cells(html) == ["30.0 min"] * 5  # the figure is their mean: 30.0 min
    html = client.get(DRILL, {**WEEK, "agent": "bo", "kpi": "csat_rate"}).content.decode()
    cells = _cells(html)
    assert len(cells) == 5
    assert all(
        c == '<span class="perf-good">✓ counts</span> <span class="muted">4 ★</span>' for c in cells
    )
    html = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "handled_volume"}).content.decode()
    assert _cells(html) == ["1"] * 5
    html = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "fcr_rate"}).content.decode()
    assert "1 replies · 0 reopens · 0 transfers · 0 escalations" in html


def test_drill_down_values_add_up_to_the_figure(
    client: Client, supervisor: User, agent: User
) -> None:
    """Three tickets answered in 10, 20 and 45 minutes, rated 5, 3 and 4: the first reply time
    is their mean, the CSAT share the ticks over the rows."""
    for minutes_, rating in ((10, 5), (20, 3), (45, 4)):
        solved_ticket(agent, minutes_, rating)
    login(client, supervisor)
    html = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "first_reply_time"}).content.decode()
    values = sorted(Fraction(c.split(" ")[0]) for c in _cells(html))
    assert values == [10, 20, 45]
    card = client.get(reverse("metrics:agent", args=["anna"]), WEEK).content.decode()
    assert kpi_value(Fraction(75, 3), "first_reply_time") in card  # 25.0 min
    html = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "csat_rate"}).content.decode()
    ticks = sum("✓ counts" in c for c in _cells(html))
    assert (ticks, len(_cells(html))) == (2, 3)
    assert share_percent(Fraction(2, 3)) in card  # 66.7%


def test_segments_link_to_their_tickets_with_labels(
    client: Client, supervisor: User, agent: User, django_assert_num_queries: Any
) -> None:
    german = [solved_ticket(agent, 30, 5, language="de") for _ in range(2)]
    solved_ticket(agent, 30, 4, language="ja")
    Ticket.objects.filter(pk=german[0].pk).update(category="not_received")
    login(client, supervisor)
    html = client.get(SEGMENTS, WEEK).content.decode()
    link = f"{SEGMENT_TICKETS}?dimension=language&amp;segment=de&amp;period=custom"
    assert link in html
    assert ">German</a>" in html
    assert ">de<" not in html
    html = client.get(SEGMENTS, {**WEEK, "dimension": "category"}).content.decode()
    assert ">Not received</a>" in html
    assert "not_received<" not in html
    params = {**WEEK, "dimension": "language", "segment": "de"}
    # session, user; the count and the rows (with facts, resolver, assignee)
    with django_assert_num_queries(4):
        html = client.get(SEGMENT_TICKETS, params).content.decode()
    assert "Language: German" in html
    for ticket in german:
        assert f'href="/tickets/{ticket.pk}/"' in html
    assert html.count('<td class="num"><a href="/tickets/') == 2
    for _ in range(3):
        solved_ticket(UserFactory(), 20, 3, language="de")
    with django_assert_num_queries(4):
        html = client.get(SEGMENT_TICKETS, params).content.decode()
    assert html.count('<td class="num"><a href="/tickets/') == 5


def test_segment_tickets_refuse_bad_input_and_agents(
    client: Client, supervisor: User, agent: User
) -> None:
    assert login(client, agent).get(SEGMENT_TICKETS, WEEK).status_code == 403
    login(client, supervisor)
    assert client.get(SEGMENT_TICKETS, {**WEEK, "dimension": "colour"}).status_code == 422
    assert client.get(SEGMENT_TICKETS, {**WEEK, "segment": "x" * 101}).status_code == 422
    bad = client.get(
        SEGMENT_TICKETS, {"period": "custom", "from": "2026-10-05", "to": "2026-10-01"}
    )
    assert bad.status_code == 422


def test_labels_and_locale_formats() -> None:
    assert label("not_received", "category") == "Not received"
    assert label("de", "language") == "German"
    assert label("JP", "market") == "Japan"
    assert label("kept_no_refund", "outcome") == "Kept without refund"
    assert label("mystery", "category") == "mystery"
    assert label("", "channel") == "(none)"
    assert kpi_value(Fraction(7, 9), "csat_rate") == "77.8%"  # never 0.7777…
    assert kpi_value(0.7777777777, "fcr_rate") == "77.8%"
    assert minutes(Fraction(1, 3)) == "0.3 min"
    assert share_percent("0.0778") == "7.8%"
    assert kpi_value(Fraction(1, 8), "escalation_rate") == "0.13"  # half up
    with translation.override("zh-hans"):
        assert label("not_received", "category") == "未收到货"
        assert label("de", "language") == "德语"


@pytest.mark.usefixtures("scored")
def test_one_agent_name_format(client: Client, supervisor: User) -> None:
    User.objects.filter(username="anna").update(display_name="Anna Schmidt")
    login(client, supervisor)
    page = client.get(reverse("metrics:agent", args=["anna"]), WEEK).content.decode()
    assert "Scorecard of anna" in page
    board = client.get(SCORECARD, WEEK).content.decode()
    assert ">anna</a>" in board
    drill = client.get(DRILL, {**WEEK, "agent": "anna", "kpi": "csat_rate"}).content.decode()
    assert "<h1>anna · CSAT (4–5 stars)</h1>" in drill
    assert "Anna Schmidt" not in page + drill
