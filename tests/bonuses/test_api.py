"""The bonuses API: role × endpoint matrix, validation (422 naming the field), conflicts (409)
and exports. Agents see only their own line of a frozen statement."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.bonuses.services import payout_statement_create
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.services import template_save
from tests.api.conftest import ApiClient
from tests.bonuses.helpers import DEFINITION, END, START, TEMPLATE, make_rule, rated

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]
ROLES = ["anonymous", "other_agent", "agent", "qa_reviewer", "supervisor", "admin_user"]
PERIOD = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
READERS = {
    "anonymous": 401,
    "other_agent": 403,
    "agent": 403,
    "qa_reviewer": 403,
    "supervisor": 200,
    "admin_user": 200,
}
WRITERS = {**READERS, "supervisor": 403}
RULE_BODY: dict[str, Any] = {
    "name": "Volume bonus",
    "target_kind": "template",
    "template_key": "csat_only",
    "currency": "EUR",
    "definition": DEFINITION,
    "budget": "1000.00",
    "labour_cost": 12000,
}


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def caller(request: pytest.FixtureRequest, api_as: ApiAs) -> tuple[str, ApiClient]:
    role: str = request.param
    user = None if role == "anonymous" else request.getfixturevalue(role)
    return role, api_as(user)


@pytest.fixture
def rule(agent: User, other_agent: User) -> BonusRule:
    rated(agent, [5] * 9 + [3])
    rated(other_agent, [5] * 5)
    return make_rule()


@pytest.fixture
def statement(rule: BonusRule) -> PayoutStatement:
    return payout_statement_create(rule=rule, start=START, end=END)


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_rules_read(caller: tuple[str, ApiClient], rule: BonusRule) -> None:
    role, api = caller
    listed = api.get("/api/bonus-rules")
    assert listed.status_code == READERS[role]
    one = api.get(f"/api/bonus-rules/{rule.pk}")
    assert one.status_code == READERS[role]
    missing = api.get("/api/bonus-rules/999999")
    assert missing.status_code == {200: 404}.get(READERS[role], READERS[role])
    if listed.status_code == 200:
        assert [r["name"] for r in listed.json()] == ["CSAT bonus"]
        body = one.json()
        assert (body["budget"], body["max_share"], body["currency"]) == ("1000.00", "0.1000", "EUR")
        assert body["definition"]["tiers"][0]["amount"] == "300.00"


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_rules_write(caller: tuple[str, ApiClient], rule: BonusRule) -> None:
    role, api = caller
    created = api.post("/api/bonus-rules", RULE_BODY)
    assert created.status_code == {200: 201}.get(WRITERS[role], WRITERS[role])
    replaced = api.client.put(
        f"/api/bonus-rules/{rule.pk}",
        {**RULE_BODY, "name": "CSAT bonus", "currency": "USD", "active": False},
        content_type="application/json",
        headers=api.headers,
    )
    assert replaced.status_code == WRITERS[role]
    deleted = api.delete(f"/api/bonus-rules/{rule.pk}")
    assert deleted.status_code == {200: 204}.get(WRITERS[role], WRITERS[role])
    if role == "admin_user":
        assert created.json()["labour_cost"] == "12000.00"
        assert replaced.json()["currency"] == "USD"
        assert list(BonusRule.objects.values_list("name", flat=True)) == ["Volume bonus"]


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_preview(caller: tuple[str, ApiClient], rule: BonusRule) -> None:
    role, api = caller
    response = api.get(f"/api/bonus-rules/{rule.pk}/payouts", **PERIOD)
    assert response.status_code == READERS[role]
    if response.status_code == 200:
        body = response.json()
        assert body["period"] == PERIOD
        assert {line["agent"]: line["amount"] for line in body["lines"]} == {
            "anna": "380.00",
            "bo": "430.00",
        }
        assert {(line["position"], line["template"]) for line in body["lines"]} == {
            ("csat_team", "csat_only")
        }
        assert (body["rule"]["target_kind"], body["rule"]["position"]) == ("template", None)
        assert body["excluded"] == []
        assert body["summary"]["total"] == "810.00"
        assert PayoutStatement.objects.count() == 0


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_freeze(caller: tuple[str, ApiClient], rule: BonusRule) -> None:
    role, api = caller
    response = api.post(f"/api/bonus-rules/{rule.pk}/statements", PERIOD)
    assert response.status_code == {200: 201}.get(WRITERS[role], WRITERS[role])
    if role == "admin_user":
        body = response.json()
        assert (body["created_by"], body["summary"]["total"]) == ("ada", "810.00")
        again = api.post(f"/api/bonus-rules/{rule.pk}/statements", PERIOD)
        assert again.status_code == 409
        assert again.json()["field"] == "from"
        assert api.delete(f"/api/bonus-rules/{rule.pk}").status_code == 409


STATEMENT_READ = {
    "anonymous": 401,
    "other_agent": 200,
    "agent": 200,
    "qa_reviewer": 404,
    "supervisor": 200,
    "admin_user": 200,
}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_statement_read(caller: tuple[str, ApiClient], statement: PayoutStatement) -> None:
    role, api = caller
    response = api.get(f"/api/payout-statements/{statement.pk}")
    assert response.status_code == STATEMENT_READ[role]
    listed = api.get("/api/payout-statements")
    if role == "anonymous":
        assert listed.status_code == 401
        return
    items = listed.json()["items"]
    if role == "qa_reviewer":
        assert listed.json()["count"] == 0
        assert response.json() == {"message": f"payout statement {statement.pk} not found"}
        return
    body = response.json()
    assert items == [body]
    agents = [line["agent"] for line in body["lines"]]
    if role in ("agent", "other_agent"):
        assert agents == [{"agent": "anna", "other_agent": "bo"}[role]]
        assert body["summary"] is None
    else:
        assert sorted(agents) == ["anna", "bo"]
        assert body["summary"]["total"] == "810.00"


EXPORT = {
    "anonymous": 401,
    "other_agent": 403,
    "agent": 403,
    "qa_reviewer": 403,
    "supervisor": 200,
    "admin_user": 200,
}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_statement_export(caller: tuple[str, ApiClient], statement: PayoutStatement) -> None:
    role, api = caller
    response = api.get(f"/api/payout-statements/{statement.pk}/export", format="csv")
    assert response.status_code == EXPORT[role]
    if response.status_code != 200:
        return
    assert response["Content-Disposition"] == (
        f'attachment; filename="payout-statement-{statement.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert sorted(row[0] for row in rows[1:]) == ["anna", "bo"]
    xlsx = api.get(f"/api/payout-statements/{statement.pk}/export", format="xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == [
        "Payouts",
        "Conditions",
        "Not eligible",
        "Summary",
    ]
    as_json = api.get(f"/api/payout-statements/{statement.pk}/export", format="json")
    assert as_json.json() == statement.document
    assert api.get(f"/api/payout-statements/{statement.pk}/export", format="pdf").status_code == 422
    assert api.get("/api/payout-statements/999999/export").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"definition": {"tiers": [{"name": "t", "min_total": 90, "amount": -1}]}},
            "definition.tiers[0].amount",
        ),
        (
            {"definition": {"extras": [{"name": "x", "amount": 1, "when": [{"kpi": "nope"}]}]}},
            "definition.extras[0].when[0].kpi",
        ),
        ({"budget": "-5"}, "budget"),
        ({"budget": "1.234"}, "budget"),
        ({"max_share": 2}, "max_share"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"target_kind": "team"}, "target_kind"),
        ({"target_kind": None}, "target_kind"),
        ({"target_kind": "position"}, "position"),  # no position
        ({"target_kind": "position", "position": "nobody_has_it"}, "position"),
        ({"target_kind": "position", "position": "x" * 65}, "position"),
        ({"position": "csat_team"}, "position"),  # a template target has no position
        ({"template_key": "missing"}, "template_key"),
        ({"name": "x\x00"}, "name"),
        ({"definition": None}, "definition"),
    ],
)
def test_invalid_rule_is_422_naming_the_field(
    api_as: ApiAs, admin_user: User, rule: BonusRule, changes: dict[str, Any], field: str
) -> None:
    response = api_as(admin_user).post("/api/bonus-rules", {**RULE_BODY, **changes})
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field


def test_an_old_style_body_with_a_role_is_refused_naming_target_kind(
    api_as: ApiAs, admin_user: User, rule: BonusRule
) -> None:
    body = {k: v for k, v in RULE_BODY.items() if k != "target_kind"}
    response = api_as(admin_user).post("/api/bonus-rules", {**body, "role": "agent"})
    assert (response.status_code, response.json()["field"]) == (422, "target_kind")
    assert not BonusRule.objects.filter(name="Volume bonus").exists()


def test_a_position_rule_through_the_api(
    api_as: ApiAs, admin_user: User, rule: BonusRule, agent: User, other_agent: User
) -> None:
    """anna (csat_team, 90.00) is paid; bo, moved personally to another template, is listed
    as not eligible with the reason."""
    template_save(definition={**TEMPLATE, "id": "other", "name": "Other"})
    template_assign(template_key="other", agent=other_agent)
    api = api_as(admin_user)
    created = api.post(
        "/api/bonus-rules", {**RULE_BODY, "target_kind": "position", "position": "csat_team"}
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["target_kind"], created.json()["position"]) == ("position", "csat_team")
    body = api.get(f"/api/bonus-rules/{created.json()['id']}/payouts", **PERIOD).json()
    assert [(line["agent"], line["position"], line["rank"]) for line in body["lines"]] == [
        ("anna", "csat_team", 1)
    ]
    assert body["excluded"] == [
        {
            "agent_id": other_agent.pk,
            "agent": "bo",
            "position": "csat_team",
            "template": "other",
            "reason": "scored under template other (personal assignment), not csat_only: "
            "a rule never ranks agents of different templates together",
        }
    ]
    assert (body["summary"]["excluded"], body["summary"]["position"]) == (1, "csat_team")
    frozen = api.post(f"/api/bonus-rules/{created.json()['id']}/statements", PERIOD).json()
    assert frozen["excluded"] == body["excluded"]
    assert api_as(agent).get(f"/api/payout-statements/{frozen['id']}").json()["excluded"] == []


def test_rule_list_queries_do_not_grow_with_rules(
    api_as: ApiAs, supervisor: User, rule: BonusRule, django_assert_num_queries: Any
) -> None:
    api = api_as(supervisor)
    make_rule(name="Second")
    with django_assert_num_queries(3):
        assert len(api.get("/api/bonus-rules").json()) == 2


def test_conflicts_and_bad_periods(api_as: ApiAs, admin_user: User, rule: BonusRule) -> None:
    api = api_as(admin_user)
    taken = api.post("/api/bonus-rules", {**RULE_BODY, "name": "CSAT bonus"})
    assert (taken.status_code, taken.json()["field"]) == (409, "name")
    for params in (
        {"from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"},
        {"from": "yesterday", "to": "2026-10-01T00:00:00Z"},
        {"from": "2026-10-01T00:00:00", "to": "2026-11-01T00:00:00Z"},
        {"to": "2026-10-01T00:00:00Z"},
    ):
        preview = api.get(f"/api/bonus-rules/{rule.pk}/payouts", **params)
        assert (preview.status_code, preview.json()["field"]) == (422, "from")
        frozen = api.post(f"/api/bonus-rules/{rule.pk}/statements", params)
        assert (frozen.status_code, frozen.json()["field"]) == (422, "from")
    rule.active = False
    rule.save()
    inactive = api.post(f"/api/bonus-rules/{rule.pk}/statements", PERIOD)
    assert inactive.status_code == 409
    assert api.get("/api/bonus-rules/999999/payouts", **PERIOD).status_code == 404
    assert api.post("/api/bonus-rules/999999/statements", PERIOD).status_code == 404
