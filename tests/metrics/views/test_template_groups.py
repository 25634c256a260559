"""The scorecard, leaderboard and my-scorecard pages under each agent's own template
(docs/metrics.md, "Positions and templates"): a section or board per template group, ranks
and previous ranks within it, agents without a template apart, publishing a group."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.models import PublishedScorecard
from afterdesk.metrics.presets import PRESETS
from afterdesk.metrics.services import metrics_settings_update, template_save
from tests.factories import T0, UserFactory
from tests.metrics.views.conftest import HTMX, WEEK, WHAT_IF, login, solved_ticket

pytestmark = pytest.mark.django_db

SCORECARD = reverse("metrics:scorecard")
LEADERBOARD = reverse("metrics:leaderboard")
ME = reverse("metrics:me")
EARLIER = T0 - timedelta(days=7)  # the previous week


def tickets(user: User, minutes: int, rating: int, *, at: datetime = T0) -> None:
    for i in range(5):
        solved_ticket(user, minutes, rating, at=at + timedelta(hours=i), subject=f"{user} {i}")


@pytest.fixture
def desk(agent: User, other_agent: User, supervisor: User, team: Team) -> dict[str, User]:
    """anna and cy (team EU) are first-line agents, bo (APAC) second-line, sam (supervisor) has
    no template but answers tickets too. This week anna beats cy; the week before cy beat
    anna, and bo (another template) beat both."""
    cy = UserFactory(username="cy", teams=[team])
    positions = {agent: "first_line", cy: "first_line", other_agent: "second_line"}
    for user, position in positions.items():
        user.position = position
        user.save(update_fields=["position"])
    tickets(agent, 30, 5)
    tickets(cy, 100, 4)
    tickets(other_agent, 200, 4)
    tickets(supervisor, 50, 4)
    tickets(agent, 150, 4, at=EARLIER)
    tickets(cy, 20, 5, at=EARLIER)
    tickets(other_agent, 10, 5, at=EARLIER)
    return {"anna": agent, "bo": other_agent, "cy": cy, "sam": supervisor}


def section(html: str, key: str) -> str:
    """One template group's section of the scorecard page."""
    start = html.index(f'id="group-{key}"')
    end = html.find("</section>", start)
    return html[start:end]


def ranked(html: str) -> list[tuple[str, str]]:
    """(rank, agent) of a scorecard section's rows."""
    return re.findall(
        r'<td class="num">(\d+|—)</td>\s*<td><a href="/performance/agents/(\w+)/', html
    )


def drill(html: str, pattern: str) -> str:
    """The first drill-down link matching `pattern`, as a URL to get."""
    found = re.search(rf'href="(/performance/tickets/\?{pattern}[^"]*)"', html)
    assert found is not None, pattern
    return found.group(1).replace("&amp;", "&")


def board(html: str) -> list[tuple[str, str, str]]:
    """(rank, agent, previous rank) of the individual leaderboard's rows."""
    agents = html.split("<h2>Agents</h2>")[1].split("</table>")[0]
    return re.findall(
        r'<td class="num">(\d+|—)</td>\s*<td>(?:<a [^>]*>)?(\w+)(?:</a>)?</td>'
        r'.*?</td>\s*<td>.*?</td>\s*<td class="num">(\d+|—)',
        agents,
        re.S,
    )


def teams(html: str) -> list[tuple[str, str, str]]:
    """(rank, team, agents) of the team leaderboard."""
    table = html.split("<h2>Teams</h2>")[1].split("</table>")[0]
    return re.findall(
        r'<td class="num">(\d+)</td>\s*<td>(\w+)</td>\s*<td class="num">(\d+)</td>', table
    )


def new_first_line_version(effective_from: datetime) -> None:
    """first_line v2 (min_samples 1), in force from `effective_from` on."""
    definition = copy.deepcopy(next(p for p in PRESETS if p["id"] == "first_line"))
    definition["min_samples"] = 1
    template_save(definition=definition, effective_from=effective_from)


# ----------------------------------------------------------------------------- scorecard


def test_scorecard_has_a_section_per_template_and_lists_agents_without_one_apart(
    client: Client, desk: dict[str, User]
) -> None:
    html = login(client, desk["sam"]).get(SCORECARD, WEEK).content.decode()
    first, second = section(html, "first_line"), section(html, "second_line")
    assert html.index('id="group-first_line"') < html.index('id="group-second_line"')
    assert "First-line agent · " in first
    assert "first_line v1</a>" in first
    assert "second_line v1</a>" in second
    # ranked within the template: bo is first among second-line agents, behind cy overall
    assert ranked(first) == [("1", "anna"), ("2", "cy")]
    assert ranked(second) == [("1", "bo")]
    assert "agents/bo/" not in first
    assert "agents/anna/" not in second
    assert "<td>second_line</td>" in second  # position
    assert "<td>second_line v1</td>" in second  # template
    # the supervisor: apart, unranked, figures without scores
    none = section(html, "none")
    assert "Agents without a template" in none
    assert "agents/sam/" in none
    assert "agents/sam/" not in first + second
    assert "50.0 min" in none
    assert "Rank" not in none
    assert "perf-category-score" not in none


def test_the_viewers_own_template_comes_first(client: Client, desk: dict[str, User]) -> None:
    lead = UserFactory(username="lea", role="admin", position="second_line")
    html = login(client, lead).get(SCORECARD, WEEK).content.decode()
    assert html.index('id="group-second_line"') < html.index('id="group-first_line"')
    assert "your template" in section(html, "second_line")
    assert "your template" not in section(html, "first_line")
    picker = html.split('name="own_template"')[1].split("</select>")[0]
    assert picker.index('value="second_line"') < picker.index('value="first_line"')
    assert "Second-line agent v1 (second_line) · yours" in picker


def test_scorecard_picker_shows_one_group_or_everyone_under_one_template(
    client: Client, desk: dict[str, User]
) -> None:
    login(client, desk["sam"])
    one = client.get(SCORECARD, {**WEEK, "own_template": "second_line"}).content.decode()
    assert 'id="group-second_line"' in one
    assert 'id="group-first_line"' not in one
    assert 'id="group-none"' not in one
    assert '<option value="second_line" selected>' in one
    what_if = client.get(SCORECARD, WHAT_IF).content.decode()
    everyone = section(what_if, "first_line")
    assert 'id="group-second_line"' not in what_if
    assert 'id="group-none"' not in what_if
    for name in ("anna", "bo", "cy", "sam"):  # everyone, ranked together
        assert f"agents/{name}/?template=first_line&amp;period=custom" in everyone
    assert "What-if: everyone scored under first_line v1" in what_if
    assert 'name="own_template" disabled' in what_if  # the group picker does not apply


def test_drilldown_of_a_row_uses_the_template_and_version_that_scored_it(
    client: Client, desk: dict[str, User]
) -> None:
    new_first_line_version(datetime(2026, 10, 10, tzinfo=UTC))  # after this week
    login(client, desk["sam"])
    html = client.get(SCORECARD, WEEK).content.decode()
    assert "first_line v1</a>" in section(html, "first_line")  # in force at the week's end
    url = drill(html, 'template=second_line[^"]*kpi=csat_rate')
    assert "version=1" in url
    assert "agent=bo" in url
    page = client.get(url).content.decode()
    assert "Template: second_line v1" in page
    assert "5 tickets" in page
    # back to bo's page under his own template, not a what-if one
    assert 'href="/performance/agents/bo/?period=custom&amp;from=2026-09-28&amp;to=' in page
    what_if = client.get(SCORECARD, WHAT_IF).content.decode()
    assert "first_line v2</a>" in what_if  # what-if: the latest version
    latest = client.get(drill(what_if, "template=first_line&amp;period")).content.decode()
    assert "Template: first_line v2" in latest
    assert client.get(url.replace("version=1", "version=9")).status_code == 404
    # an agent without a template: the built-in template
    none = client.get(drill(html, 'period=[^"]*agent=sam')).content.decode()
    assert "built-in (no template assigned)" in none


def test_publishing_a_group_freezes_its_rows_under_the_version_in_force(
    client: Client, desk: dict[str, User]
) -> None:
    new_first_line_version(datetime(2026, 10, 10, tzinfo=UTC))
    login(client, desk["sam"])
    html = client.get(SCORECARD, WEEK).content.decode()
    assert '<input type="hidden" name="own_template" value="first_line">' in html
    assert "Publish first_line v1" in html
    response = client.post(reverse("metrics:publish"), {**WEEK, "own_template": "first_line"})
    assert response.status_code == 302
    group = PublishedScorecard.objects.select_related("template_version").get()
    assert str(group.template_version) == "first_line v1"  # not the latest, v2
    assert [(r["agent"], r["rank"], r["template"]) for r in group.rows] == [
        ("anna", 1, "first_line"),
        ("cy", 2, "first_line"),
    ]
    client.post(reverse("metrics:publish"), WHAT_IF)  # what-if: everyone, latest version
    what_if = PublishedScorecard.objects.exclude(pk=group.pk).get()
    assert str(what_if.template_version) == "first_line v2"
    assert {r["agent"] for r in what_if.rows} == {"anna", "bo", "cy", "sam"}
    page = client.get(reverse("metrics:published", args=[group.pk])).content.decode()
    assert "template=first_line&amp;period=custom" in page
    assert "version=1&amp;agent=anna" in page  # drill-downs use the frozen version


# --------------------------------------------------------------------------- leaderboard


def test_leaderboard_ranks_within_one_template_group(client: Client, desk: dict[str, User]) -> None:
    login(client, desk["sam"])
    html = client.get(LEADERBOARD, WEEK).content.decode()  # sam has none: the first group
    assert "Template group: First-line agent · first_line v1" in html
    # previous ranks among the first-line agents of the week before: cy 1, anna 2 (bo, of
    # another template, was best of all but is not on this board)
    assert board(html) == [("1", "anna", "2"), ("2", "cy", "1")]
    assert ">bo<" not in html
    assert ">sam<" not in html  # no template: on no leaderboard
    assert teams(html) == [("1", "EU", "2")]  # APAC's only agent is second-line
    second = client.get(LEADERBOARD, {**WEEK, "own_template": "second_line"}).content.decode()
    assert board(second) == [("1", "bo", "1")]
    assert teams(second) == [("1", "APAC", "1")]
    what_if = client.get(LEADERBOARD, WHAT_IF).content.decode()
    assert "What-if: everyone under first_line v1" in what_if
    # what-if: everyone under first_line, the week before too (bo tied with cy then, so
    # anna was third of all, but second of the first-line agents)
    assert [(agent, before) for _rank, agent, before in board(what_if)] == [
        ("anna", "3"),
        ("sam", "—"),
        ("cy", "1"),
        ("bo", "1"),
    ]


def test_leaderboard_defaults_to_the_viewers_own_template(
    client: Client, desk: dict[str, User]
) -> None:
    metrics_settings_update(public_leaderboard=True)
    html = login(client, desk["bo"]).get(LEADERBOARD, WEEK).content.decode()
    assert "Template group: Second-line agent · second_line v1" in html
    assert "your template" in html
    assert board(html) == [("1", "bo", "1")]
    assert 'class="perf-me"' in html
    picker = html.split('name="own_template"')[1].split("</select>")[0]
    assert picker.index('value="second_line" selected') < picker.index('value="first_line"')
    assert "All template groups" not in picker  # a leaderboard shows one group
    # another group stays visible on a public leaderboard: ranks and totals only
    other = client.get(LEADERBOARD, {**WEEK, "own_template": "first_line"}).content.decode()
    assert board(other) == [("1", "anna", "2"), ("2", "cy", "1")]
    assert ">quality<" not in other
    assert "/performance/agents/anna/" not in other


def test_previous_rank_under_another_template_then(client: Client, desk: dict[str, User]) -> None:
    # cy moves to second-line work from this week on: last week she was a first-line agent
    template_assign(template_key="second_line", agent=desk["cy"], effective_from=date(2026, 9, 28))
    login(client, desk["sam"])
    html = client.get(LEADERBOARD, {**WEEK, "own_template": "second_line"}).content.decode()
    rows = html.split("<h2>Agents</h2>")[1].split("</table>")[0]
    assert [agent for _rank, agent, _before in board(html)] == ["cy", "bo"]
    cy = rows.split(">cy<")[1].split("</tr>")[0]
    assert "1 <span" in cy  # rank 1 among first-line agents the week before
    assert "(first_line)" in cy
    assert "another template then" in cy  # so no trend
    first = client.get(LEADERBOARD, WEEK).content.decode()
    assert board(first) == [("1", "anna", "2")]  # anna was behind cy the week before


def test_leaderboard_htmx_refreshes_the_picker_for_the_period(
    client: Client, desk: dict[str, User]
) -> None:
    html = login(client, desk["sam"]).get(LEADERBOARD, WEEK, **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="perf-results"')
    picker = html.split('<span id="perf-picker" class="perf-picker" hx-swap-oob="true">')[1]
    assert '<option value="first_line" selected>' in picker


@pytest.mark.parametrize(("params", "queries"), [(WEEK, 33), (WHAT_IF, 26)])
def test_leaderboard_query_count_is_pinned(
    client: Client,
    desk: dict[str, User],
    django_assert_num_queries: Any,
    params: dict[str, str],
    queries: int,
) -> None:
    login(client, desk["sam"])
    # session, user, template choices, template groups (3); then per period the scorecard
    # (own templates: 4 + 8 KPI families + agents; what-if: 8 + 1, after the version); teams
    with django_assert_num_queries(queries):
        assert client.get(LEADERBOARD, params).status_code == 200
    for name, position in (("dee", "first_line"), ("eve", "second_line"), ("fay", "")):
        user = UserFactory(username=name, position=position)
        tickets(user, 60, 4)
        tickets(user, 60, 4, at=EARLIER)
    with django_assert_num_queries(queries):
        html = client.get(LEADERBOARD, params).content.decode()
    assert ">dee<" in html


# ----------------------------------------------------------------------------- my scorecard


def test_my_scorecard_names_my_position_template_and_its_source(
    client: Client, desk: dict[str, User]
) -> None:
    html = login(client, desk["anna"]).get(ME, WEEK).content.decode()
    assert "Position: first_line" in html
    assert "First-line agent · " in html
    assert "first_line v1</a>" in html
    assert "assigned to the position first_line" in html
    assert "1 of 2" in html  # among the first-line agents only
    assert "among the agents scored under First-line agent" in html
    template_assign(template_key="second_line", agent=desk["anna"])
    html = client.get(ME, WEEK).content.decode()
    assert "Second-line agent · " in html
    assert "assigned personally" in html
    assert "1 of 2" in html  # now among bo and herself


def test_my_scorecard_without_a_template(client: Client, desk: dict[str, User]) -> None:
    html = login(client, desk["sam"]).get(ME, WEEK).content.decode()
    assert "Template: none" in html
    assert "No scorecard template is assigned to you or to your position" in html
    assert "50.0 min" in html  # the figures
    assert "Total score" not in html
    assert "Rank" not in html
    what_if = client.get(ME, WHAT_IF).content.decode()  # what-if: scored under first_line
    assert "What-if: scored under first_line v1" in what_if
    assert "Total score" in what_if


def test_my_scorecard_in_simplified_chinese_names_the_template(
    client: Client, desk: dict[str, User]
) -> None:
    login(client, desk["anna"])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(ME, WEEK).content.decode()
    assert "岗位" in html
    assert "分配给岗位 first_line" in html
    none = login(client, desk["sam"]).get(ME, WEEK).content.decode()
    assert "没有为你或你的岗位分配绩效模板" in none
