"""Report URLs: who may see them, bad parameters, and what each returns."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from afterdesk.accounts.models import User
from afterdesk.metrics.reports.params import review_period
from tests.factories import UserFactory

from .builders import PREVIOUS_START, WEEK_END, WEEK_START, review_template, solved

pytestmark = pytest.mark.django_db
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
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
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
        'attachment; filename="scorecard_first_line_2026-10-05_2026-10-12.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rank,agent,total,efficiency")
    assert [line.split(",")[1] for line in lines[1:]] == ["anna", "bo"]


@pytest.mark.usefixtures("history")
def test_xlsx_download(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/kpis.xlsx", PERIOD)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="kpis_first_line_' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["KPIs"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["anna", "bo"]


@pytest.mark.usefixtures("history")
def test_weekly_page_has_charts_and_sections_without_inline_code(supervisor: User) -> None:
    review_template()
    response = signed_in(supervisor).get(
        "/reports/weekly/", {"week": "2026-10-07", "template": "review_test"}
    )
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    images = re.findall(r'<img class="report-chart" src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
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


@pytest.mark.usefixtures("history")
def test_weekly_pdf_is_a_pdf(supervisor: User) -> None:
    response = signed_in(supervisor).get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="weekly-review_first_line_2026-10-05_2026-10-12.pdf"'
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
    from afterdesk.metrics.reports.pdf import markup

    assert markup("a < b & c") == "a &lt; b &amp; c"
    assert markup("Size 尺码 issue") == 'Size <font name="STSong-Light">尺码</font> issue'
    assert markup("サイズ違い") == '<font name="HeiseiKakuGo-W5">サイズ違い</font>'
    assert markup("배송 <지연>") == (
        '<font name="HYGothic-Medium">배송</font> &lt;<font name="HYGothic-Medium">지연</font>&gt;'
    )


def test_weekly_charts_draw_cjk_names_with_an_installed_cjk_font(supervisor: User) -> None:
    import warnings

    from afterdesk.metrics.reports.charts import chart_fonts

    if len(chart_fonts()) < 2:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    for username in ("王芳", "さとう"):
        agent = UserFactory(username=username)
        solved(agent, created=WEEK_START + timedelta(days=1), reply_minutes=30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = signed_in(supervisor).get("/reports/weekly/", {"week": "2026-10-05"})
    assert response.status_code == 200
    assert not [w for w in caught if "missing from font" in str(w.message)]


@pytest.mark.usefixtures("history")
def test_weekly_review_speaks_chinese(supervisor: User) -> None:
    client = signed_in(supervisor)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/reports/weekly/", {"week": "2026-10-05"}).content.decode()
    for text in ("团队趋势 · 最近 8 周", "进步最大", "已评分客服", "对比周期", "各 SKU 的问题类型"):
        assert text in html
    assert "Most improved" not in html
    pdf = client.get("/reports/weekly.pdf", {"week": "2026-10-05"})
    assert pdf.status_code == 200
    assert b"/BaseFont /STSong-Light" in pdf.content  # the Chinese headings
