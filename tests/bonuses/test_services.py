"""payout_compute on real tickets, and frozen statements."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from afterdesk.accounts.models import Role, User
from afterdesk.bonuses.models import PayoutStatement
from afterdesk.bonuses.services import (
    bonus_rule_save,
    payout_compute,
    payout_statement_create,
)
from afterdesk.core.errors import Conflict, NotFound, ValidationError
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.models import ScorecardTemplateVersion
from afterdesk.metrics.services import template_save
from tests.bonuses.helpers import DEFINITION, END, START, TEMPLATE, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_data() -> None:
    rated(UserFactory(username="anna"), [5] * 9 + [3])  # csat 0.9 → total 90.00
    rated(UserFactory(username="bo"), [5] * 5, complaints=1)  # 100.00, complaint_rate 0.2
    rated(UserFactory(username="cy"), [5, 5, 5, 5, 1])  # 80.00
    rated(UserFactory(username="dee"), [5])  # n = 1 < min_samples 2: no total
    # a supervisor: the position "supervisor" has no template, so sam is scored by none
    rated(UserFactory(username="sam", role=Role.SUPERVISOR, position="supervisor"), [5, 5])


def lines_by_agent(result: dict) -> dict:  # type: ignore[type-arg]
    return {line["agent"]: line for line in result["lines"]}


@pytest.mark.usefixtures("team_data")
def test_payout_per_agent_with_reasons() -> None:
    result = payout_compute(rule=make_rule(), start=START, end=END).as_json()
    lines = lines_by_agent(result)
    assert set(lines) == {"anna", "bo", "cy", "dee"}  # sam has no template
    anna, bo, cy, dee = (lines[name] for name in ("anna", "bo", "cy", "dee"))
    assert (anna["total"], anna["tier"], anna["tier_reason"]) == (
        "90.00",
        "gold",
        "total 90.00 ≥ 90 (gold)",
    )
    extras = {e["name"]: e for e in anna["extras"]}
    assert extras["csat"]["paid"] is False
    assert extras["csat"]["reason"] == "condition not met: csat_rate 0.9 < 0.98"
    assert extras["volume"]["paid"] is True
    assert extras["volume"]["reason"] == "handled_volume 10 ≥ 5; not blocked"
    assert anna["amount"] == "380.00"
    bo_extras = {e["name"]: e for e in bo["extras"]}
    assert bo_extras["csat"]["paid"] is True
    assert bo_extras["volume"]["reason"] == "blocked: complaint_rate 0.2 > 0.1"
    assert bo["amount"] == "350.00"
    assert (cy["tier"], cy["amount"]) == ("silver", "180.00")
    assert (dee["total"], dee["tier"], dee["amount"]) == (None, None, "0.00")
    assert "handled_volume excluded (n < min_samples (1 < 2)): fails" in dee["extras"][1]["reason"]
    summary = result["summary"]
    assert summary["total"] == "910.00"
    assert (summary["agents"], summary["paid_agents"]) == (4, 3)
    assert summary["labour_share"] == "0.0910"
    assert summary["warnings"] == []
    assert result["rule"]["template_version"] == 1
    assert {(line["position"], line["template"]) for line in lines.values()} == {
        ("csat_team", "csat_only")
    }
    assert [line["rank"] for line in result["lines"]] == [1, 2, 3, None]  # bo, anna, cy, dee
    assert result["excluded"] == []  # a template rule pays everyone under it: none excluded
    assert result["period"] == {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}


@pytest.mark.usefixtures("team_data")
def test_warnings_over_budget_and_labour_share() -> None:
    rule = make_rule(budget="900", labour_cost="9000", max_share="0.10")
    summary = payout_compute(rule=rule, start=START, end=END).summary
    assert [w.code for w in summary.warnings] == ["budget_exceeded", "labour_share_exceeded"]
    assert summary.warnings[0].message == (
        "payout 910.00 EUR exceeds the budget 900.00 EUR by 10.00"
    )


@pytest.mark.usefixtures("team_data")
def test_a_personal_assignment_brings_an_agent_under_the_template() -> None:
    rule = make_rule()
    template_assign(template_key="csat_only", agent=User.objects.get(username="sam"))
    lines = lines_by_agent(payout_compute(rule=rule, start=START, end=END).as_json())
    assert "sam" in lines
    assert lines["sam"]["amount"] == "350.00"  # gold 300 + csat 50; volume: 2 < 5
    assert (lines["sam"]["position"], lines["sam"]["template"]) == ("supervisor", "csat_only")


def test_empty_period_and_bad_period() -> None:
    rule = make_rule()
    result = payout_compute(rule=rule, start=START, end=END)
    assert (result.lines, result.summary.total) == ((), Decimal("0.00"))
    with pytest.raises(ValidationError) as error:
        payout_compute(rule=rule, start=END, end=START)
    assert error.value.field == "from"


def test_deleted_template_is_not_found() -> None:
    rule = make_rule()
    rule.template_key = "gone"
    with pytest.raises(NotFound):
        payout_compute(rule=rule, start=START, end=END)


@pytest.mark.usefixtures("team_data")
def test_statement_is_frozen() -> None:
    admin = UserFactory(username="ada", role=Role.ADMIN)
    rule = make_rule()
    statement = payout_statement_create(rule=rule, start=START, end=END, by=admin)
    assert (statement.total, statement.currency, statement.created_by) == (
        Decimal("910.00"),
        "EUR",
        admin,
    )
    assert sorted(statement.agents.values_list("username", flat=True)) == [
        "anna",
        "bo",
        "cy",
        "dee",
    ]
    frozen = copy.deepcopy(statement.document)
    # later data, a new template version and an edited rule change nothing already frozen
    rated(UserFactory(username="eve"), [5, 5])
    template_save(definition={**TEMPLATE, "min_samples": 1})
    # in force from October on, it scores October (a version saved later would not)
    ScorecardTemplateVersion.objects.filter(number=2).update(effective_from=START)
    bonus_rule_save(
        rule=rule,
        name=rule.name,
        target_kind="template",
        template_key="csat_only",
        currency="USD",
        definition={"tiers": [{"name": "all", "min_total": 0, "amount": 1}]},
    )
    statement.refresh_from_db()
    assert statement.document == frozen
    assert statement.template_version.number == 1
    assert payout_compute(rule=rule, start=START, end=END).template_version == 2
    with pytest.raises(Conflict, match="frozen"):
        statement.save()
    with pytest.raises(Conflict) as error:
        payout_statement_create(rule=rule, start=START, end=END)
    assert error.value.field == "from"
    assert PayoutStatement.objects.count() == 1


def test_inactive_rule_cannot_be_frozen() -> None:
    rule = make_rule(active=False)
    with pytest.raises(Conflict, match="not active"):
        payout_statement_create(rule=rule, start=START, end=END)
    assert DEFINITION["tiers"][0]["name"] == "silver"  # the shared definition is untouched
