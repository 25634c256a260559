"""The bonus pages: roles (anonymous, agent, supervisor, admin), the payout preview against
`payout_compute`, freezing (and freezing twice), rule validation (422 naming the field),
downloads (formula injection neutralised) and "My bonus" (only one's own line)."""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from afterdesk.accounts.models import Role, User
from afterdesk.bonuses.exports import CONTENT_TYPES
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.bonuses.services import payout_compute, payout_statement_create
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.forms import PeriodForm
from afterdesk.metrics.services import template_save
from tests.bonuses.helpers import DEFINITION, END, START, TEMPLATE, make_rule, rated
from tests.factories import UserFactory
from tests.metrics.views.conftest import HTMX, INLINE_SCRIPT, INLINE_STYLE, login

pytestmark = pytest.mark.django_db

MONTH = {"period": "custom", "from": "2026-10-01", "to": "2026-11-01"}
RULES = reverse("bonuses:rules")
NEW = reverse("bonuses:rule_new")
STATEMENTS = reverse("bonuses:statements")
MINE = reverse("bonuses:mine")
PREVIEW_QUERIES = 30
FORM_QUERIES = 5


def rule_urls(rule_id: int) -> dict[str, str]:
    return {
        "preview": reverse("bonuses:preview", args=[rule_id]),
        "edit": reverse("bonuses:rule_edit", args=[rule_id]),
        "freeze": reverse("bonuses:freeze", args=[rule_id]),
        "csv": reverse("bonuses:payout_download", args=[rule_id, "csv"]),
        "xlsx": reverse("bonuses:payout_download", args=[rule_id, "xlsx"]),
    }


def statement_urls(statement_id: int) -> dict[str, str]:
    return {
        "page": reverse("bonuses:statement", args=[statement_id]),
        "csv": reverse("bonuses:statement_download", args=[statement_id, "csv"]),
        "xlsx": reverse("bonuses:statement_download", args=[statement_id, "xlsx"]),
    }


def html_of(response: Any) -> str:
    html: str = response.content.decode()
    assert not INLINE_SCRIPT.search(html), "inline <script> breaks the CSP"
    assert not INLINE_STYLE.search(html), "style= attributes break the CSP"
    return html


@pytest.fixture
def rule(agent: User, other_agent: User) -> BonusRule:
    """anna: 10 tickets rated 5 (total 100: gold 300 + csat 50 + volume 80 = 430);
    bo: 4 of 5 rated 4-5 (total 80: silver 100 + volume 80 = 180)."""
    rated(agent, [5] * 10)
    rated(other_agent, [5, 5, 5, 4, 1])
    return make_rule()


@pytest.fixture
def statement(rule: BonusRule, admin_user: User) -> PayoutStatement:
    return payout_statement_create(rule=rule, start=START, end=END, by=admin_user)


def test_anonymous_users_are_sent_to_the_login_page(
    client: Client, rule: BonusRule, statement: PayoutStatement
) -> None:
    urls = [RULES, NEW, STATEMENTS, MINE, *rule_urls(rule.pk).values()]
    urls += list(statement_urls(statement.pk).values())
    for url in urls:
        response = client.get(url) if not url.endswith("/freeze/") else client.post(url, MONTH)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("role", ["agent", "qa_reviewer"])
def test_agents_see_no_rule_preview_or_download(
    client: Client, rule: BonusRule, statement: PayoutStatement, role: str, request: Any
) -> None:
    login(client, request.getfixturevalue(role))
    urls = [RULES, NEW, STATEMENTS, *rule_urls(rule.pk).values()]
    urls += [statement_urls(statement.pk)["csv"], statement_urls(statement.pk)["xlsx"]]
    urls.append(reverse("bonuses:preview", args=[rule.pk + 999]))  # 403 before the lookup
    for url in urls:
        assert client.get(url, MONTH).status_code in (403, 405), url
    assert client.post(rule_urls(rule.pk)["freeze"], MONTH).status_code == 403
    assert client.post(NEW, {"name": "x"}).status_code == 403
    assert not PayoutStatement.objects.exclude(pk=statement.pk).exists()


def test_supervisors_read_but_do_not_write(
    client: Client, rule: BonusRule, supervisor: User
) -> None:
    login(client, supervisor)
    html = html_of(client.get(RULES))
    assert "CSAT bonus" in html
    assert "gold ≥ 90: 300.00 · silver ≥ 80: 100.00" in html
    assert "csat: 50.00 · volume: 80.00" in html
    assert NEW not in html
    assert rule_urls(rule.pk)["edit"] not in html
    assert client.get(NEW).status_code == 403
    assert client.get(rule_urls(rule.pk)["edit"]).status_code == 403
    assert client.post(rule_urls(rule.pk)["freeze"], MONTH).status_code == 403
    preview = html_of(client.get(rule_urls(rule.pk)["preview"], MONTH))
    assert "Freeze statement" not in preview
    assert not PayoutStatement.objects.exists()


def test_unknown_rule_is_404_for_managers(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    assert client.get(reverse("bonuses:preview", args=[999]), MONTH).status_code == 404
    assert client.get(reverse("bonuses:statement", args=[999])).status_code == 404


def test_navigation_links_to_the_bonus_pages(client: Client, supervisor: User, agent: User) -> None:
    assert RULES in html_of(login(client, supervisor).get(reverse("metrics:scorecard")))
    assert MINE in html_of(login(client, agent).get(reverse("metrics:me")))


def test_preview_shows_what_payout_compute_pays(
    client: Client, rule: BonusRule, supervisor: User
) -> None:
    result = payout_compute(rule=rule, start=START, end=END)
    html = html_of(login(client, supervisor).get(rule_urls(rule.pk)["preview"], MONTH))
    assert [(line.agent, str(line.amount)) for line in result.lines] == [
        ("anna", "430.00"),
        ("bo", "180.00"),
    ]
    for line in result.lines:
        assert f"{line.amount} EUR" in html
        assert escape(line.tier_reason) in html
        for extra in line.extras:
            assert escape(extra.reason) in html
    assert "total 100.00 ≥ 90 (gold)" in html
    assert f"{result.summary.total} EUR" in html  # 610.00
    assert "6.1%" in html  # labour share (0.0610), as a percentage
    assert "csat_only v1" in html
    assert 'role="alert"' not in html  # within budget: no warning


def test_preview_highlights_warnings(client: Client, agent: User, supervisor: User) -> None:
    rated(agent, [5] * 10)
    rule = make_rule(budget="100", labour_cost="1000")
    html = html_of(login(client, supervisor).get(rule_urls(rule.pk)["preview"], MONTH))
    assert 'class="form-errors" role="alert"' in html
    assert "Budget exceeded" in html
    assert "Share of labour cost above the maximum" in html


def test_preview_htmx_partial_and_bad_period(
    client: Client, rule: BonusRule, supervisor: User
) -> None:
    login(client, supervisor)
    url = rule_urls(rule.pk)["preview"]
    partial = html_of(client.get(url, MONTH, **HTMX))  # type: ignore[arg-type]
    assert partial.lstrip().startswith('<div id="perf-results"')
    assert "430.00 EUR" in partial
    week = html_of(client.get(url, {"period": "week", "date": "2026-10-01"}))
    assert "2026-09-28 – 2026-10-04" in week
    bad = client.get(url, {"period": "custom", "from": "2026-11-01", "to": "2026-10-01"})
    assert bad.status_code == 422
    assert "“To” must be after “from”." in html_of(bad)
    assert client.get(url, {"period": "custom", "from": "soon"}).status_code == 422


def test_admin_freezes_once_and_a_second_freeze_is_409(
    client: Client, rule: BonusRule, admin_user: User
) -> None:
    login(client, admin_user)
    urls = rule_urls(rule.pk)
    assert "Freeze statement" in html_of(client.get(urls["preview"], MONTH))
    hidden = {"period": "custom", "from": START.isoformat(), "to": END.isoformat()}
    frozen = client.post(urls["freeze"], hidden)
    statement = PayoutStatement.objects.get()
    assert frozen.status_code == 302
    assert frozen["Location"] == reverse("bonuses:statement", args=[statement.pk])
    assert statement.created_by == admin_user
    assert (statement.period_start, statement.period_end) == (START, END)
    after = html_of(client.get(urls["preview"], MONTH))
    assert "A statement is frozen for this period" in after
    assert "Freeze statement" not in after
    again = client.post(urls["freeze"], hidden)
    assert again.status_code == 409
    conflict = html_of(again)
    assert "a statement for this rule and period exists" in conflict
    assert f'action="{urls["preview"]}"' in conflict  # the period filters still work
    assert PayoutStatement.objects.count() == 1
    assert client.post(urls["freeze"], {"period": "custom"}).status_code == 422


def test_an_inactive_rule_cannot_be_frozen(client: Client, agent: User, admin_user: User) -> None:
    rated(agent, [5] * 10)
    rule = make_rule(active=False)
    login(client, admin_user)
    assert "Freeze statement" not in html_of(client.get(rule_urls(rule.pk)["preview"], MONTH))
    response = client.post(rule_urls(rule.pk)["freeze"], MONTH)
    assert response.status_code == 409
    assert "is not active" in html_of(response)
    assert not PayoutStatement.objects.exists()


def test_statement_page_shows_the_frozen_document_and_template_version(
    client: Client, statement: PayoutStatement, supervisor: User, agent: User
) -> None:
    agent.role = Role.SUPERVISOR  # later changes do not touch the statement
    agent.save()
    login(client, supervisor)
    listing = html_of(client.get(STATEMENTS))
    assert "CSAT bonus" in listing
    assert "610.00 EUR" in listing
    html = html_of(client.get(statement_urls(statement.pk)["page"]))
    assert "csat_only v1" in html
    assert "430.00 EUR" in html
    assert "180.00 EUR" in html
    assert "Frozen " in html
    assert "by Ada" in html
    assert statement_urls(statement.pk)["csv"] in html
    other = html_of(client.get(STATEMENTS, {"rule": str(statement.rule_id + 1)}))
    assert "CSAT bonus" not in other


def test_agents_see_only_their_own_line(
    client: Client, statement: PayoutStatement, agent: User, supervisor: User
) -> None:
    login(client, agent)
    html = html_of(client.get(statement_urls(statement.pk)["page"]))
    assert "430.00 EUR" in html
    assert "<td>bo</td>" not in html  # no colleague
    assert "180.00 EUR" not in html  # bo's pay
    assert "610.00" not in html  # the role total
    assert "Budget" not in html
    assert statement_urls(statement.pk)["csv"] not in html
    mine = html_of(client.get(MINE))
    assert "430.00 EUR" in mine
    assert "total 100.00 ≥ 90 (gold)" in mine
    assert "180.00 EUR" not in mine
    stranger = cast(User, UserFactory(username="cy", role=Role.AGENT))
    login(client, stranger)
    assert client.get(statement_urls(statement.pk)["page"]).status_code == 404
    assert "No frozen statement pays you yet." in html_of(client.get(MINE))
    assert "430.00" not in html_of(login(client, supervisor).get(MINE))  # pays nobody else


def rule_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Monthly bonus",
        "target_kind": "template",
        "position": "",
        "template_key": "csat_only",
        "currency": "eur",
        "budget": "1000",
        "labour_cost": "",
        "max_share": "0.08",
        "active": "on",
        "definition": json.dumps(DEFINITION),
    }
    data.update(changes)
    return data


def test_admin_creates_and_edits_a_rule(client: Client, admin_user: User) -> None:
    make_rule()  # installs the template
    login(client, admin_user)
    form = html_of(client.get(NEW))
    assert "&quot;tiers&quot;" in form
    assert 'name="target_kind" value="position"' in form
    assert '<option value="csat_team">csat_team</option>' not in form  # nobody has it yet
    created = client.post(NEW, rule_form())
    assert created.status_code == 302
    assert created["Location"] == RULES
    rule = BonusRule.objects.get(name="Monthly bonus")
    assert (rule.currency, str(rule.budget), rule.labour_cost) == ("EUR", "1000.00", None)
    assert rule.definition["tiers"][0]["name"] == "gold"  # normalised, highest first
    edit = rule_urls(rule.pk)["edit"]
    assert "Monthly bonus" in html_of(client.get(edit))
    assert client.post(edit, rule_form(active="", labour_cost="5000")).status_code == 302
    rule.refresh_from_db()
    assert (rule.active, str(rule.labour_cost)) == (False, "5000.00")
    assert "Monthly bonus" in html_of(client.get(RULES))
    assert client.get(reverse("bonuses:rule_edit", args=[rule.pk + 99])).status_code == 404


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {"definition": json.dumps({"tiers": [{"name": "a", "min_total": 1, "amount": "x"}]})},
            "definition.tiers[0].amount",
        ),
        ({"definition": json.dumps({"tiers": [], "bonus": 1})}, "definition.bonus"),
        ({"definition": "{not json"}, "Not valid JSON"),
        ({"currency": "E1R"}, "currency must be an ISO 4217 code"),
        ({"budget": "-5"}, "budget must be ≥ 0"),
        ({"labour_cost": "0"}, "labour_cost must be &gt; 0"),
        ({"max_share": "2"}, "max_share must be &gt; 0 and ≤ 1"),
        ({"target_kind": "boss"}, "Select a valid choice"),
        ({"target_kind": "position"}, "Pick the position the rule pays."),
        ({"target_kind": "position", "position": "night"}, "Select a valid choice"),
        ({"template_key": "nope"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(
    client: Client, admin_user: User, changes: dict[str, Any], named: str
) -> None:
    make_rule()
    login(client, admin_user)
    response = client.post(NEW, rule_form(**changes))
    assert response.status_code == 422
    assert named in html_of(response)
    assert not BonusRule.objects.filter(name="Monthly bonus").exists()


def test_a_name_in_use_is_409_and_nothing_changes(client: Client, admin_user: User) -> None:
    rule = make_rule()
    other = make_rule(name="Other")
    login(client, admin_user)
    response = client.post(rule_urls(other.pk)["edit"], rule_form(name=rule.name, budget="5"))
    assert response.status_code == 409
    assert "a bonus rule named" in html_of(response)
    other.refresh_from_db()
    assert (other.name, str(other.budget)) == ("Other", "1000.00")


def test_downloads_neutralise_formulas(client: Client, supervisor: User) -> None:
    evil = cast(User, UserFactory(username="=cmd|calc", role=Role.AGENT))
    rated(evil, [5] * 10)
    rule = make_rule()
    login(client, supervisor)
    urls = rule_urls(rule.pk)
    response = client.get(urls["csv"], MONTH)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["csv"]
    assert response["Content-Disposition"].startswith('attachment; filename="payout-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'=cmd|calc"
    assert rows[1][-2:] == ["430.00", "EUR"]
    xlsx = client.get(urls["xlsx"], MONTH)
    assert xlsx["Content-Type"] == CONTENT_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["Payouts"]
    assert sheet["A2"].value == "'=cmd|calc"
    assert sheet["A2"].data_type == "s"
    as_json = client.get(reverse("bonuses:payout_download", args=[rule.pk, "json"]), MONTH)
    assert json.loads(as_json.content)["lines"][0]["amount"] == "430.00"
    unknown = reverse("bonuses:payout_download", args=[rule.pk, "pdf"])
    assert client.get(unknown, MONTH).status_code == 404
    assert client.get(urls["csv"], {"period": "custom"}).status_code == 422


def test_statement_downloads(client: Client, statement: PayoutStatement, admin_user: User) -> None:
    login(client, admin_user)
    urls = statement_urls(statement.pk)
    response = client.get(urls["csv"])
    assert response["Content-Type"] == CONTENT_TYPES["csv"]
    name = f'attachment; filename="payout-statement-{statement.pk}.csv"'
    assert response["Content-Disposition"] == name
    assert "anna" in response.content.decode()
    xlsx = client.get(urls["xlsx"])
    assert xlsx["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == [
        "Payouts",
        "Conditions",
        "Not eligible",
        "Summary",
    ]
    missing = reverse("bonuses:statement_download", args=[statement.pk + 9, "csv"])
    assert client.get(missing).status_code == 404


def test_period_form_is_the_scorecard_one() -> None:
    from afterdesk.bonuses.forms import PayoutPeriodForm

    assert issubclass(PayoutPeriodForm, PeriodForm)
    assert "template" not in PayoutPeriodForm(MONTH).fields


def test_pages_are_translated(client: Client, statement: PayoutStatement, agent: User) -> None:
    html = html_of(login(client, agent).get(MINE, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "我的奖金" in html
    assert "430.00 EUR" in html


def test_list_pages_do_not_query_per_row(
    client: Client, rule: BonusRule, agent: User, admin_user: User, supervisor: User
) -> None:
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    payout_statement_create(rule=rule, start=START, end=END, by=admin_user)
    login(client, supervisor)
    before = {url: queries(url) for url in (RULES, STATEMENTS, MINE)}
    other = make_rule(name="Second")
    for month in (9, 8):
        start = START.replace(month=month)
        payout_statement_create(rule=other, start=start, end=START, by=admin_user)
    assert {url: queries(url) for url in (RULES, STATEMENTS, MINE)} == before
    login(client, agent)
    client.get(MINE)  # creates the metrics settings row the navigation reads for agents
    assert queries(MINE) == before[MINE] + 1  # + that settings row, whatever the rows


@pytest.fixture
def position_rule(rule: BonusRule, agent: User, other_agent: User) -> BonusRule:
    """The csat_team rule: anna (csat_only) is paid; bo, moved personally to another
    template, is not eligible."""
    template_save(definition={**TEMPLATE, "id": "other", "name": "Other"})
    template_assign(template_key="other", agent=other_agent)
    return make_rule(name="Team rule", target_kind="position", position="csat_team")


def test_admin_creates_a_position_rule_from_the_positions_in_use(
    client: Client, rule: BonusRule, admin_user: User
) -> None:
    UserFactory(username="nora", position="night_shift_es")
    login(client, admin_user)
    form = html_of(client.get(NEW))
    assert '<option value="csat_team">csat_team</option>' in form
    assert '<option value="night_shift_es">night_shift_es</option>' in form
    data = rule_form(target_kind="position", position="night_shift_es")
    assert client.post(NEW, data).status_code == 302
    created = BonusRule.objects.get(name="Monthly bonus")
    assert (created.target_kind, created.position) == ("position", "night_shift_es")
    assert "position night_shift_es" in html_of(client.get(RULES))
    # a template rule keeps no position, even if one was picked in the form
    edit = rule_urls(created.pk)["edit"]
    assert client.post(edit, rule_form(position="csat_team")).status_code == 302
    created.refresh_from_db()
    assert (created.target_kind, created.position) == ("template", "")


def test_editing_keeps_a_position_nobody_has_any_more(
    client: Client, position_rule: BonusRule, admin_user: User
) -> None:
    User.objects.filter(position="csat_team").update(position="second_line")
    login(client, admin_user)
    edit = rule_urls(position_rule.pk)["edit"]
    assert '<option value="csat_team" selected>csat_team</option>' in html_of(client.get(edit))
    data = rule_form(name="Team rule", target_kind="position", position="csat_team")
    assert client.post(edit, data).status_code == 302
    assert client.post(NEW, {**data, "name": "New"}).status_code == 422  # not for a new rule


def test_preview_and_statement_show_positions_templates_and_who_is_not_eligible(
    client: Client, position_rule: BonusRule, supervisor: User, agent: User, admin_user: User
) -> None:
    login(client, supervisor)
    html = html_of(client.get(rule_urls(position_rule.pk)["preview"], MONTH))
    assert "position csat_team" in html
    assert "<td>csat_team</td>" in html
    assert '<td class="perf-id">csat_only</td>' in html
    assert "Not eligible" in html
    assert '<td class="perf-id">other</td>' in html
    assert escape("scored under template other (personal assignment), not csat_only") in html
    assert "template version in force at the period" in html
    statement = payout_statement_create(rule=position_rule, start=START, end=END, by=admin_user)
    page = html_of(client.get(statement_urls(statement.pk)["page"]))
    assert "scored under template other (personal assignment)" in page
    assert "<td>bo</td>" in page
    own = html_of(login(client, agent).get(statement_urls(statement.pk)["page"]))
    assert "Not eligible" not in own  # colleagues are not the agent's to see
    assert "<td>bo</td>" not in own


def test_a_statement_frozen_before_targets_still_renders(
    client: Client, statement: PayoutStatement, supervisor: User
) -> None:
    document = copy.deepcopy(statement.document)
    document["rule"] = {
        k: v for k, v in document["rule"].items() if k not in ("target_kind", "position")
    }
    document["rule"]["role"] = "agent"
    document.pop("excluded")
    for line in document["lines"]:
        del line["position"], line["template"]
    PayoutStatement.objects.filter(pk=statement.pk).update(document=document)
    html = html_of(login(client, supervisor).get(statement_urls(statement.pk)["page"]))
    assert "Role agent" in html
    assert "430.00 EUR" in html


def test_preview_and_form_query_counts_are_pinned(
    client: Client,
    position_rule: BonusRule,
    admin_user: User,
    django_assert_num_queries: Any,
) -> None:
    login(client, admin_user)
    client.get(RULES)  # the session and settings rows exist from now on
    url = rule_urls(position_rule.pk)["preview"]
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert client.get(url, MONTH).status_code == 200
    for name in ("cy", "dee", "eve"):  # more agents, of the position or not: same queries
        rated(cast(User, UserFactory(username=name)), [5] * 3)
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert client.get(url, MONTH).status_code == 200
    with django_assert_num_queries(FORM_QUERIES):
        assert client.get(rule_urls(position_rule.pk)["edit"]).status_code == 200


def test_targets_are_translated(client: Client, position_rule: BonusRule, supervisor: User) -> None:
    login(client, supervisor)
    url = rule_urls(position_rule.pk)["preview"]
    html = html_of(client.get(url, MONTH, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "岗位 csat_team" in html
    assert "不符合条件" in html
