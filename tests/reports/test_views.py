"""Report URLs: who may see them, bad parameters, and what each returns."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from afterdesk.accounts.models import User
from afterdesk.reports.params import review_period
from tests.factories import UserFactory

from .builders import (
    PREVIOUS_START,
    WEEK_END,
    WEEK_START,
    review_template,
    solved,
    tier_history,
    tier_templates,
)

pytestmark = pytest.mark.django_db
# The weekly page, whatever the number of agents and template groups: session and user, the
# templates and assignments (three times: groups, this and the previous period's scorecards,
# breaches), 8 weeks of team KPIs, the distributions, the breaches and the picker. Cold: the
# KPIs and breaches computed and stored (metrics.stored), with the days' versions, a look-up
# and a write each; warm: read from the store, one look-up each.
WEEKLY_PAGE_QUERIES = 107
WEEKLY_PAGE_QUERIES_WARM = 31
CSRF_TOKEN = r"[A-Za-z0-9]{64}"
# A chart in the PDF: an RGB image (its transparency is a separate, shareable grey image).
CHART_IMAGE = rb"/ColorSpace /DeviceRGB [^>]*/Subtype /Image"
PERIOD = {"from": "2026-10-05T00:00:00Z", "to": "2026-10-12T00:00:00+00:00"}
URLS = [
    ("/reports/weekly/", {"week": "2026-10-07"}),
    ("/reports/weekly.pdf", {"week": "2026-10-07"}),
    ("/reports/kpis.csv", PERIOD),
    ("/reports/kpis.xlsx", PERIOD),
    ("/reports/scorecard.csv", PERIOD),
    ("/reports/scorecard.xlsx", PERIOD),
]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def history() -> None:
    # First-line agents: the preset `first_line` template is assigned to that position.
    anna = UserFactory(username="anna", position="first_line")
    bo = UserFactory(username="bo", position="first_line")
    for agent, minutes in ((anna, 30), (bo, 600)):
        solved(agent, created=PREVIOUS_START + timedelta(days=1), reply_minutes=minutes)
        solved(
            agent,
            created=WEEK_START + timedelta(days=1),
            reply_minutes=minutes,
            rating=5,
            category="size_issue",
            skus=["SHIRT-M"],
            market="DE",
        )


@pytest.mark.parametrize(("url", "query"), URLS)
def test_anonymous_is_sent_to_login(url: str, query: dict[str, str]) -> None:
    response = Client().get(url, query)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("url", "query"), URLS)
@pytest.mark.parametrize("who", ["agent", "qa_reviewer"])
def test_agents_and_reviewers_are_forbidden(
    url: str, query: dict[str, str], who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    assert signed_in(user).get(url, query).status_code == 403


@pytest.mark.parametrize(("url", "query"), URLS)
@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_supervisors_and_admins_get_the_report(
    url: str, query: dict[str, str], who: str, request: pytest.FixtureRequest
) -> None:
    response = signed_in(request.getfixturevalue(who)).get(url, query)
    assert response.status_code == 200


def test_post_is_not_allowed(supervisor: User) -> None:
    assert signed_in(supervisor).post("/reports/kpis.csv", PERIOD).status_code == 405


@pytest.mark.parametrize(
    ("url", "query", "status", "message"),
    [
        ("/reports/kpis.csv", {"to": PERIOD["to"]}, 400, "from is required"),
        ("/reports/kpis.xlsx", {"from": PERIOD["from"]}, 400, "to is required"),
        ("/reports/kpis.csv", {**PERIOD, "from": "2026-10-05T00:00:00"}, 400, "offset"),
        ("/reports/kpis.csv", {**PERIOD, "from": "yesterday"}, 400, "not an ISO 8601"),
        ("/reports/scorecard.csv", {**PERIOD, "from": PERIOD["to"]}, 400, "before"),
        ("/reports/scorecard.xlsx", {**PERIOD, "template": "nope"}, 404, "unknown template"),
        ("/reports/kpis.csv", {**PERIOD, "template": "nope"}, 404, "unknown template"),
        ("/reports/weekly/", {"week": "2026-13-01"}, 400, "YYYY-MM-DD"),
        ("/reports/weekly/", {"week": "2026-10-07", **PERIOD}, 400, "either week or"),
        ("/reports/weekly/", {"from": PERIOD["from"]}, 400, "to is required"),
        ("/reports/weekly/", {"template": "nope"}, 404, "unknown template"),
        ("/reports/weekly/", {"own_template": "nope"}, 404, "unknown template"),
        ("/reports/scorecard.csv", {**PERIOD, "own_template": "nope"}, 404, "own_template"),
        (
            "/reports/scorecard.csv",
            {**PERIOD, "template": "first_line", "own_template": "first_line"},
            400,
            "not both",
        ),
        ("/reports/weekly.pdf", {"template": "first_line", "own_template": "x"}, 400, "not both"),
        ("/reports/weekly.pdf", {"week": "soon"}, 400, "YYYY-MM-DD"),
    ],
)
def test_bad_parameters_answer_clearly(
    supervisor: User, url: str, query: dict[str, str], status: int, message: str
) -> None:
    response = signed_in(supervisor).get(url, query)
    assert response.status_code == status
    assert message in response.content.decode()


@pytest.mark.usefixtures("history")
def test_csv_download(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/scorecard.csv", PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="scorecard_own-templates_2026-10-05_2026-10-12.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rank,agent,template,position,total,efficiency")
    assert [line.split(",")[1:4] for line in lines[1:]] == [
        ["anna", "first_line", "first_line"],
        ["bo", "first_line", "first_line"],
    ]


@pytest.mark.usefixtures("history")
def test_what_if_and_one_group_downloads(supervisor: User) -> None:
    review_template()
    client = signed_in(supervisor)
    response = client.get("/reports/scorecard.csv", {**PERIOD, "template": "review_test"})
    assert response["Content-Disposition"] == (
        'attachment; filename="scorecard_review_test_2026-10-05_2026-10-12.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rank,agent,template,total,efficiency")  # no position
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["1", "anna", "review_test"],
        ["2", "bo", "review_test"],
    ]
    response = client.get("/reports/kpis.csv", {**PERIOD, "own_template": "first_line"})
    assert 'filename="kpis_own-first_line_2026-10-05' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["anna", "first_line"],
        ["bo", "first_line"],
    ]


@pytest.mark.usefixtures("history")
def test_xlsx_download(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/kpis.xlsx", PERIOD)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="kpis_own-templates_' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["KPIs"]
    assert [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("anna", "first_line"),
        ("bo", "first_line"),
    ]


def chart_urls(html: str) -> list[str]:
    """The weekly page's chart images: addresses of their own, never inlined data."""
    assert "data:image" not in html
    return [
        unescape(url)
        for url in re.findall(
            r'<img class="report-chart" src="(/reports/weekly/charts/[^"]+)"', html
        )
    ]


@pytest.mark.usefixtures("history")
def test_weekly_page_has_charts_and_sections_without_inline_code(supervisor: User) -> None:
    review_template()
    response = signed_in(supervisor).get(
        "/reports/weekly/", {"week": "2026-10-07", "template": "review_test"}
    )
    html = response.content.decode()
    assert "what-if: every agent under this template" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    images = chart_urls(html)
    assert len(images) == 4
    client = signed_in(supervisor)
    for url in images:
        chart = client.get(url)
        assert chart["Content-Type"] == "image/png"
        assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert chart["Cache-Control"] == "private, max-age=31536000, immutable"
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script  # no inline script
    assert " style=" not in html
    assert "<style" not in html
    assert "onclick" not in html
    for section in ("team-trends", "leaderboard", "improvers", "sla-breaches", "by-sku"):
        assert f'id="{section}"' in html
    assert "SHIRT-M" in html
    assert "size_issue" in html
    assert "bo</td>" in html  # leaderboard row
    assert "First replies over target" in html
    assert "1 of 2" in html
    assert 'href="/reports/weekly.pdf?from=2026-10-05T00%3A00%3A00Z' in html
    assert "template=review_test" in html  # the downloads keep the what-if template
    assert '<option value="review_test" selected>' in html


@pytest.mark.usefixtures("history")
def test_weekly_page_shows_one_leaderboard_per_template(
    supervisor: User, django_assert_num_queries: Any
) -> None:
    tier_templates()
    tier_history(WEEK_START + timedelta(days=1))
    supervisor.position = "pos_a"  # the viewer's own template comes first in the picker
    supervisor.save(update_fields=["position"])
    client = signed_in(supervisor)
    with django_assert_num_queries(WEEKLY_PAGE_QUERIES):
        response = client.get("/reports/weekly/", {"week": "2026-10-07"})
    html = response.content.decode()
    assert response.status_code == 200
    with django_assert_num_queries(WEEKLY_PAGE_QUERIES_WARM):  # the figures stored
        warm = client.get("/reports/weekly/", {"week": "2026-10-07"}).content.decode()
    # The same page (but for its CSRF token); the charts, named by a digest of the whole
    # review's figures, are the same.
    assert re.sub(CSRF_TOKEN, "", warm) == re.sub(CSRF_TOKEN, "", html)
    assert chart_urls(warm) == chart_urls(html)
    images = chart_urls(html)
    assert len(images) == 3 + 3  # team trends, SKU, market; first_line, tier_a, tier_b
    order = [html.index(f'id="leaderboard-{key}"') for key in ("first_line", "tier_a", "tier_b")]
    assert order == sorted(order)
    tier_b = html[order[2] : html.index('id="improvers"')]
    assert "=Tier B (tier_b), version 1 · ranked within this template" in tier_b
    assert re.search(r'<td class="num">1</td><td>b1</td>', tier_b)  # the rank restarts
    assert re.search(r'<td class="num">2</td><td>b2</td>', tier_b)
    assert "a1</td>" not in tier_b
    unassigned = html[html.index('id="without-template"') :]
    assert "<td>nobody</td>" in unassigned
    assert "Under each agent’s own template a team’s mean total would mix templates" in html
    assert '<option value="" selected>Each agent’s own template</option>' in html
    picker = html[html.index('name="own_template"') :]
    # The viewer's own template first, then by name ("=Tier B", "First-line agent").
    assert picker.index('value="tier_a"') < picker.index('value="tier_b"')
    assert picker.index('value="tier_b"') < picker.index('value="first_line"')
    # More agents and groups cost no more queries.
    for name in ("c1", "c2", "c3"):
        agent = UserFactory(username=name, position="second_line")
        solved(agent, created=WEEK_START + timedelta(days=2), reply_minutes=45)
    with django_assert_num_queries(WEEKLY_PAGE_QUERIES):
        response = client.get("/reports/weekly/", {"week": "2026-10-07"})
    assert 'id="leaderboard-second_line"' in response.content.decode()


@pytest.mark.usefixtures("history")
def test_weekly_page_for_one_template_group(supervisor: User) -> None:
    tier_templates()
    tier_history(WEEK_START + timedelta(days=1))
    html = (
        signed_in(supervisor)
        .get("/reports/weekly/", {"week": "2026-10-07", "own_template": "tier_b"})
        .content.decode()
    )
    assert 'id="leaderboard-tier_b"' in html
    assert 'id="leaderboard-tier_a"' not in html
    assert 'id="without-template"' not in html
    assert "own_template=tier_b" in html  # the PDF and downloads keep the group
    assert '<option value="tier_b" selected>' in html


def test_weekly_pdf_has_one_leaderboard_per_template(supervisor: User) -> None:
    tier_templates()
    tier_history(WEEK_START + timedelta(days=1))
    response = signed_in(supervisor).get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert response.status_code == 200
    assert 'filename="weekly-review_own-templates_' in response["Content-Disposition"]
    # A chart per template group (tier_a, tier_b) besides team trends, SKU and market.
    assert len(re.findall(CHART_IMAGE, response.content)) == 3 + 2
    response = signed_in(supervisor).get(
        "/reports/weekly.pdf", {"week": "2026-10-05", "own_template": "tier_a"}
    )
    assert 'filename="weekly-review_own-tier_a_' in response["Content-Disposition"]
    assert len(re.findall(CHART_IMAGE, response.content)) == 3 + 1


@pytest.mark.usefixtures("history")
def test_weekly_pdf_is_a_pdf(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="weekly-review_own-templates_2026-10-05_2026-10-12.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" in response.content
    assert b"DejaVuSans" in response.content  # the embedded font


def test_review_period_defaults() -> None:
    now = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)  # a Wednesday
    assert review_period({}, now=now) == (WEEK_START, WEEK_END)
    assert review_period({"week": "2026-10-11"}) == (WEEK_START, WEEK_END)  # a Sunday
    assert review_period({"week": "2026-10-12"})[0] == WEEK_END
    assert review_period(PERIOD) == (WEEK_START, WEEK_END)


def test_weekly_page_for_an_empty_week(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/weekly/", {"week": "2026-10-07"})
    assert response.status_code == 200
    assert "No first reply over its target in this period." in response.content.decode()


def test_weekly_pdf_sets_chinese_and_japanese_names_in_cjk_fonts(supervisor: User) -> None:
    for username in ("王芳", "さとう"):  # usernames are agent ids, shown on the leaderboard
        agent = UserFactory(username=username)
        solved(agent, created=WEEK_START + timedelta(days=1), reply_minutes=30)
    response = signed_in(supervisor).get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert response.status_code == 200
    assert b"/BaseFont /STSong-Light" in response.content
    assert b"/BaseFont /HeiseiKakuGo-W5" in response.content


def test_pdf_markup_escapes_and_switches_fonts_by_script() -> None:
    from afterdesk.reports.pdf import markup

    assert markup("a < b & c") == "a &lt; b &amp; c"
    assert markup("Size 尺码 issue") == 'Size <font name="STSong-Light">尺码</font> issue'
    assert markup("サイズ違い") == '<font name="HeiseiKakuGo-W5">サイズ違い</font>'
    assert markup("배송 <지연>") == (
        '<font name="HYGothic-Medium">배송</font> &lt;<font name="HYGothic-Medium">지연</font>&gt;'
    )


def test_weekly_charts_draw_cjk_names_with_an_installed_cjk_font(supervisor: User) -> None:
    import warnings

    from afterdesk.reports.charts import chart_fonts

    if len(chart_fonts()) < 2:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    for username in ("王芳", "さとう"):
        agent = UserFactory(username=username)
        solved(agent, created=WEEK_START + timedelta(days=1), reply_minutes=30)
    client = signed_in(supervisor)
    response = client.get("/reports/weekly/", {"week": "2026-10-05"})
    assert response.status_code == 200
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for url in chart_urls(response.content.decode()):
            assert client.get(url).status_code == 200
    assert not [w for w in caught if "missing from font" in str(w.message)]


@pytest.mark.usefixtures("history")
def test_weekly_review_speaks_chinese(supervisor: User) -> None:
    client = signed_in(supervisor)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/reports/weekly/", {"week": "2026-10-05"}).content.decode()
    for text in (
        "团队趋势 · 最近 8 周",
        "进步最大",
        "有数据的客服",
        "对比周期",
        "各 SKU 的问题类型",
    ):
        assert text in html
    for text in ("各客服自己的模板", "模板组", "第 1 版 · 仅在此模板内排名", "每个模板一个排行榜"):
        assert text in html  # the own-template groups
    assert "Most improved" not in html
    what_if = client.get("/reports/weekly/", {"week": "2026-10-05", "template": "first_line"})
    assert "已评分客服" in what_if.content.decode()  # the team totals of the what-if view
    pdf = client.get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert pdf.status_code == 200
    assert b"/BaseFont /STSong-Light" in pdf.content  # the Chinese headings


@pytest.mark.usefixtures("history")
def test_a_chart_is_named_by_its_content_and_drawn_once(
    supervisor: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(supervisor)
    query = {"week": "2026-10-07"}
    first = chart_urls(client.get("/reports/weekly/", query).content.decode())
    again = chart_urls(client.get("/reports/weekly/", query).content.decode())
    assert first == again  # the same figures, the same addresses: browsers keep them

    drawn = client.get(first[0]).content
    with django_assert_max_num_queries(3):  # the session and user: no review is computed
        cached = client.get(first[0])
    assert cached.content == drawn

    solved(UserFactory(username="late"), created=WEEK_START + timedelta(days=2), reply_minutes=5)
    changed = chart_urls(client.get("/reports/weekly/", query).content.decode())
    assert changed[0] != first[0]  # new figures, a new address: a chart is never stale


@pytest.mark.usefixtures("history")
def test_a_chart_whose_figures_changed_is_served_current_and_not_kept(supervisor: User) -> None:
    client = signed_in(supervisor)
    url = chart_urls(client.get("/reports/weekly/", {"week": "2026-10-07"}).content.decode())[0]
    digest = url.split("/")[4]
    other = url.replace(digest, "f" * len(digest))

    response = client.get(other)

    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.usefixtures("history")
def test_an_unknown_chart_is_404_and_agents_get_no_chart(supervisor: User, agent: User) -> None:
    url = chart_urls(
        signed_in(supervisor).get("/reports/weekly/", {"week": "2026-10-07"}).content.decode()
    )[0]
    assert signed_in(supervisor).get(url.replace("team_trends", "nothing")).status_code == 404
    assert signed_in(agent).get(url).status_code == 403


@pytest.mark.usefixtures("history")
def test_the_weekly_page_is_light(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/weekly/", {"week": "2026-10-07"})
    assert len(response.content) < 150_000  # the charts are images of their own
