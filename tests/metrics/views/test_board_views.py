"""Leaderboards (public-leaderboard switch), segment views and the metrics settings page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.metrics.models import MetricsSettings
from afterdesk.metrics.services import metrics_settings_update
from afterdesk.tickets.models import Ticket
from tests.metrics.views.conftest import HTMX, INLINE_SCRIPT, WEEK, login

pytestmark = pytest.mark.django_db

LEADERBOARD = reverse("metrics:leaderboard")
SEGMENTS = reverse("metrics:segments")
SETTINGS = reverse("metrics:settings")


def test_supervisor_sees_the_leaderboards_with_trends(
    client: Client, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    response = login(client, supervisor).get(LEADERBOARD, WEEK)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(">anna<") < html.index(">bo<")
    assert "▲ +" in html  # anna improved on the previous week
    assert "new" in html  # bo was not scored the week before
    assert ">EU<" in html
    assert ">APAC<" in html
    assert ">quality<" in html  # managers see the category scores
    assert "/performance/agents/bo/" in html
    assert not INLINE_SCRIPT.search(html)


def test_agents_need_the_public_leaderboard(
    client: Client, agent: User, scored: dict[str, list[Ticket]]
) -> None:
    login(client, agent)
    assert client.get(LEADERBOARD, WEEK).status_code == 403
    assert (
        'href="/performance/leaderboard/"' not in client.get(reverse("metrics:me")).content.decode()
    )
    metrics_settings_update(public_leaderboard=True)
    response = client.get(LEADERBOARD, WEEK)
    html = response.content.decode()
    assert response.status_code == 200
    assert ">bo<" in html  # ranks and totals of everyone
    assert ">quality<" not in html  # but no category or KPI details
    assert "/performance/agents/bo/" not in html
    assert "agent=bo" not in html
    assert 'class="perf-me"' in html
    assert 'href="/performance/leaderboard/"' in client.get(reverse("metrics:me")).content.decode()


def test_leaderboard_period_must_be_week_or_month(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    custom = {**WEEK, "period": "custom", "from": "2026-10-01", "to": "2026-10-05"}
    assert client.get(LEADERBOARD, custom).status_code == 422
    month = client.get(LEADERBOARD, {**WEEK, "period": "month"}, **HTMX)
    assert month.status_code == 200
    assert "2026-10-01 – 2026-10-31" in month.content.decode()


def test_segments_by_language_with_the_previous_period(
    client: Client, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    response = login(client, supervisor).get(
        SEGMENTS, {"period": "week", "date": "2026-10-01", "dimension": "language"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    rows = html.split("<tr>")
    de = next(row for row in rows if ">German</a></td>" in row)  # the catalogue's label
    assert "prev. 6" in de  # 5 of anna's and one of bo's tickets the week before
    assert "▼ −1" in de
    assert ">Japanese</a></td>" in html


@pytest.mark.parametrize("dimension", ["market", "platform", "channel", "category", "shift"])
def test_every_segment_dimension_renders(client: Client, supervisor: User, dimension: str) -> None:
    response = login(client, supervisor).get(SEGMENTS, {"dimension": dimension})
    assert response.status_code == 200


def test_segments_refuse_agents_and_unknown_dimensions(
    client: Client, agent: User, supervisor: User
) -> None:
    assert login(client, agent).get(SEGMENTS).status_code == 403
    assert login(client, supervisor).get(SEGMENTS, {"dimension": "moon"}).status_code == 422


def test_settings_toggle_the_public_leaderboard(
    client: Client, admin_user: User, supervisor: User, agent: User
) -> None:
    assert login(client, supervisor).get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {"public_leaderboard": "on"}).status_code == 403
    assert not MetricsSettings.load().public_leaderboard
    login(client, admin_user)
    assert client.get(SETTINGS).status_code == 200
    response = client.post(SETTINGS, {"public_leaderboard": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == SETTINGS
    assert "Settings saved." in response.content.decode()
    assert MetricsSettings.load().public_leaderboard
    assert login(client, agent).get(LEADERBOARD).status_code == 200
    login(client, admin_user).post(SETTINGS, {})
    assert not MetricsSettings.load().public_leaderboard
    assert login(client, agent).get(LEADERBOARD).status_code == 403
