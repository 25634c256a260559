"""Scorecard, publishing, drill-down and the self-service scorecard pages, per role."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.metrics.models import PublishedScorecard
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from afterdesk.tickets.models import Ticket
from tests.factories import AgentProfileFactory, UserFactory
from tests.metrics.views.conftest import (
    HTMX,
    INLINE_SCRIPT,
    INLINE_STYLE,
    WEEK,
    WHAT_IF,
    first_line,
    login,
    solved_ticket,
)

pytestmark = pytest.mark.django_db

SCORECARD = reverse("metrics:scorecard")
DRILLDOWN = reverse("metrics:drilldown")
ME = reverse("metrics:me")


@pytest.mark.parametrize(
    "url",
    [
        SCORECARD,
        DRILLDOWN,
        ME,
        reverse("metrics:agent", args=["anna"]),
        reverse("metrics:published_list"),
        reverse("metrics:published", args=[1]),
        reverse("metrics:leaderboard"),
        reverse("metrics:segments"),
        reverse("metrics:templates"),
        reverse("metrics:template", args=["first_line"]),
        reverse("metrics:template_new"),
        reverse("metrics:template_edit", args=["first_line"]),
        reverse("metrics:template_export", args=["first_line", 1]),
        reverse("metrics:settings"),
    ],
)
def test_every_page_sends_anonymous_visitors_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_publish_is_a_login_redirect(client: Client) -> None:
    response = client.post(reverse("metrics:publish"), WEEK)
    assert response.status_code == 302
    assert not PublishedScorecard.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("qa_reviewer", 403)])
def test_scorecard_is_for_supervisors_and_admins(
    client: Client, agent: User, qa_reviewer: User, role: str, status: int
) -> None:
    user = {"agent": agent, "qa_reviewer": qa_reviewer}[role]
    assert login(client, user).get(SCORECARD, WEEK).status_code == status


@pytest.mark.usefixtures("scored")
@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_scorecard_ranks_agents_with_their_figures(
    client: Client, role: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(role)
    response = login(client, user).get(SCORECARD, WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    anna_row = html.index('href="/performance/agents/anna/')
    assert anna_row < html.index('href="/performance/agents/bo/')  # anna ranks first
    assert "first_line v1" in html
    assert "<td>first_line</td>" in html  # each row's position
    assert "100.0%" in html  # csat_rate as a percentage
    assert "30.0 min" in html
    assert "3.3 h" in html
    assert "median 1.9 h" in html  # peer median of 30 and 200 minutes survives ranking
    # the drill-down of a row uses the template (and version) that scored it
    assert (
        f"{DRILLDOWN}?template=first_line&amp;version=1&amp;period=custom&amp;from=2026-09-28"
        in html
    )
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)


def test_scorecard_shows_exclusions_and_segment_overrides(
    client: Client, supervisor: User, agent: User, other_agent: User
) -> None:
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="night_desk", name="Night desk")
    data["segment_overrides"] = [
        {"segment": {"shift": "night"}, "kpi": "csat_rate", "target": 0.9, "floor": 0.5}
    ]
    template_save(definition=data)
    AgentProfileFactory(user=agent, shift="night")
    for _ in range(5):
        solved_ticket(agent, 30, 5)
    solved_ticket(other_agent, 30, 5)  # one ticket: every KPI below min_samples
    html = login(client, supervisor).get(SCORECARD, {**WEEK, "template": "night_desk"})
    text = html.content.decode()
    assert "shift=night" in text
    assert "excluded: n &lt; min_samples (1 &lt; 5)" in text
    assert "perf-excluded" in text


def test_scorecard_htmx_answers_with_the_results_only(client: Client, supervisor: User) -> None:
    response = login(client, supervisor).get(SCORECARD, WEEK, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="perf-results"')
    assert "No agent has data in this period." in html
    assert "HX-Request" in response["Vary"]
    # the template picker comes out of band: its groups are those of the period asked for
    assert '<span id="perf-picker" class="perf-picker" hx-swap-oob="true">' in html
    assert "<form" not in html.split('id="perf-picker"')[1]  # the picker alone, not the form


@pytest.mark.usefixtures("scored")
@pytest.mark.parametrize(("params", "queries"), [(WEEK, 19), (WHAT_IF, 16)])
def test_scorecard_query_count_is_pinned(
    client: Client,
    supervisor: User,
    django_assert_num_queries: Any,
    params: dict[str, str],
    queries: int,
) -> None:
    login(client, supervisor)
    # session, user, template choices; template groups: assignments, versions, positions; the
    # scorecard: (own templates: assignments, versions, users, positions) or the what-if
    # version, 8 KPI families, agents with profiles
    with django_assert_num_queries(queries):
        assert client.get(SCORECARD, params).status_code == 200
    more = [UserFactory(username=name) for name in ("cy", "dee", "eve", "fay")]
    first_line(*more[:2])  # two more first-line agents, two without a template
    for user in more:
        solved_ticket(user, 45, 4)
    with django_assert_num_queries(queries):  # more agents, more groups: the same queries
        html = client.get(SCORECARD, params).content.decode()
    assert 'href="/performance/agents/fay/' in html


def test_scorecard_defaults_to_this_week_under_own_templates(
    client: Client, supervisor: User
) -> None:
    response = login(client, supervisor).get(SCORECARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="" selected>Each agent’s own template</option>' in html
    assert '<option value="" selected>All template groups</option>' in html
    assert "ranks compare the agents of one template only" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "from": "2026-10-05", "to": "2026-10-01"}, "must be after"),
        ({"period": "custom", "from": "2026-10-05", "to": "2026-10-05"}, "must be after"),
        ({"period": "custom", "from": "2026-10-05"}, "Enter the day after the period."),
        ({"period": "custom", "from": "yesterday", "to": "2026-10-05"}, "Enter a date"),
        ({"period": "custom", "from": "2026-10-01T00:00:00", "to": "2026-10-05"}, "Enter a date"),
        ({"period": "fortnight"}, "Select a valid choice"),
        ({"period": "week", "date": "2026-13-01"}, "Enter a valid date"),
        ({"template": "no_such_template"}, "Select a valid choice"),
        ({"own_template": "no_such_template"}, "Select a valid choice"),
    ],
)
def test_bad_periods_are_form_errors(
    client: Client, supervisor: User, params: dict[str, str], message: str
) -> None:
    response = login(client, supervisor).get(SCORECARD, {**WEEK, **params})
    assert response.status_code == 422
    assert message in response.content.decode()


def test_custom_period_takes_desk_dates_and_instants(
    client: Client, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    login(client, supervisor)
    by_dates = client.get(
        SCORECARD, {**WEEK, "period": "custom", "from": "2026-10-01", "to": "2026-10-02"}
    )
    assert "2026-10-01" in by_dates.content.decode()
    assert 'href="/performance/agents/anna/' in by_dates.content.decode()
    by_instants = client.get(
        SCORECARD,
        {"period": "custom", "from": "2026-10-02T00:00:00+00:00", "to": "2026-10-03T00:00Z"},
    )
    assert by_instants.status_code == 200
    assert "No agent has data in this period." in by_instants.content.decode()


# ----------------------------------------------------------------------------- publishing


@pytest.mark.usefixtures("scored")
def test_publish_freezes_the_scorecard_with_its_template_version(
    client: Client, supervisor: User
) -> None:
    login(client, supervisor)
    response = client.post(reverse("metrics:publish"), WHAT_IF)
    published = PublishedScorecard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:published", args=[published.pk])
    assert [row["agent"] for row in published.rows] == ["anna", "bo"]
    changed = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    changed["min_samples"] = 1
    template_save(definition=changed)  # v2 of first_line: the published one keeps v1
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "first_line v1" in html
    assert "anna" in html
    assert "2026-09-28 – 2026-10-04" in html
    listing = client.get(reverse("metrics:published_list")).content.decode()
    assert "first_line v1" in listing


def test_publish_refuses_agents_get_and_bad_periods(
    client: Client, agent: User, supervisor: User
) -> None:
    assert login(client, agent).post(reverse("metrics:publish"), WHAT_IF).status_code == 403
    login(client, supervisor)
    assert client.get(reverse("metrics:publish"), WHAT_IF).status_code == 405
    bad = {**WHAT_IF, "period": "custom", "from": "2026-10-05", "to": "2026-10-01"}
    assert client.post(reverse("metrics:publish"), bad).status_code == 422
    nothing = client.post(reverse("metrics:publish"), WEEK)  # neither a group nor a template
    assert nothing.status_code == 422
    assert "Choose the template group to publish." in nothing.content.decode()
    assert not PublishedScorecard.objects.exists()


def test_published_pages_are_for_managers(client: Client, agent: User, supervisor: User) -> None:
    assert login(client, agent).get(reverse("metrics:published_list")).status_code == 403
    login(client, supervisor)
    assert client.get(reverse("metrics:published", args=[999])).status_code == 404


# ----------------------------------------------------------------------------- drill-down


def test_drilldown_lists_exactly_the_tickets_behind_the_figure(
    client: Client, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    response = login(client, supervisor).get(
        DRILLDOWN, {**WEEK, "agent": "anna", "kpi": "csat_rate"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "5 tickets" in html
    for ticket in scored["anna"]:
        assert f'href="{reverse("tickets:ticket", args=[ticket.pk])}"' in html
    assert "Anna earlier" not in html  # the previous week's tickets are not behind it
    assert "Bo 0" not in html


def test_agent_drills_down_into_own_tickets_only(
    client: Client, agent: User, scored: dict[str, list[Ticket]]
) -> None:
    login(client, agent)
    own = client.get(DRILLDOWN, {**WEEK, "agent": "anna", "kpi": "fcr_rate"})
    assert own.status_code == 200
    assert "Anna 3" in own.content.decode()
    assert client.get(DRILLDOWN, {**WEEK, "agent": "bo", "kpi": "fcr_rate"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"agent": "nobody", "kpi": "fcr_rate"}, 404),
        ({"agent": "anna", "kpi": "happiness"}, 422),
        ({"agent": "anna"}, 422),
        ({"agent": "anna", "kpi": "fcr_rate", "period": "custom", "from": "2026-10-02"}, 422),
    ],
)
def test_drilldown_errors(
    client: Client, supervisor: User, agent: User, params: dict[str, str], status: int
) -> None:
    assert login(client, supervisor).get(DRILLDOWN, {**WEEK, **params}).status_code == status


# ----------------------------------------------------------------------------- self-service


def test_my_scorecard_explains_my_row_only(
    client: Client, agent: User, scored: dict[str, list[Ticket]]
) -> None:
    response = login(client, agent).get(ME, WEEK)
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 of 2" in html  # rank among the scored agents
    assert "100 × clamp((1 − 0.80) / (0.98 − 0.80), 0, 1) = 100.00" in html
    assert "▲" in html  # better than the week before
    assert "higher is better" in html
    assert "lower is better" in html
    assert "/performance/agents/bo/" not in html
    assert "agent=bo" not in html
    assert "Peer median" not in html  # peers' figures stay hidden from agents
    assert f"{DRILLDOWN}?template=first_line&amp;version=1&amp;period=custom" in html
    assert not INLINE_SCRIPT.search(html)


def test_supervisor_sees_any_agents_explained_row(
    client: Client, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    response = login(client, supervisor).get(reverse("metrics:agent", args=["bo"]), WEEK)
    html = response.content.decode()
    assert "100 × clamp((240 − 200) / (240 − 30), 0, 1) = 19.05" in html
    assert "Peer median" in html
    assert "2 of 2" in html
    assert "new" in html  # unscored the week before


def test_agent_without_data_gets_a_friendly_message(
    client: Client, agent: User, other_agent: User
) -> None:
    solved_ticket(other_agent, 30, 5)
    response = login(client, agent).get(ME, WEEK)
    assert response.status_code == 200
    assert "No data in this period" in response.content.decode()


def test_agent_cannot_open_another_agents_scorecard(
    client: Client, agent: User, supervisor: User, other_agent: User
) -> None:
    login(client, agent)
    assert client.get(reverse("metrics:agent", args=["bo"]), WEEK).status_code == 403
    assert client.get(reverse("metrics:agent", args=["anna"]), WEEK).status_code == 200
    login(client, supervisor)
    assert client.get(reverse("metrics:agent", args=["ghost"]), WEEK).status_code == 404


def test_my_scorecard_bad_period_is_422(client: Client, qa_reviewer: User) -> None:
    bad = {**WEEK, "period": "custom", "from": "2026-10-05", "to": "2026-10-01"}
    assert login(client, qa_reviewer).get(ME, bad).status_code == 422


def test_my_scorecard_in_simplified_chinese(client: Client, agent: User) -> None:
    UserFactory(username="zed")
    login(client, agent)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(ME, WEEK).content.decode()
    assert "我的绩效" in html
    assert "本期没有数据" in html
