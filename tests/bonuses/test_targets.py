"""Whom a rule pays (docs/bonuses.md, "Whom a rule pays"): the agents scored under its
template by their own template at the period's end, all of them or one position's; ranks
within that template only; agents of the position under another template (or none) listed as
not eligible; the template version in force at the period's end scores and is frozen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.bonuses.models import BonusRule
from afterdesk.bonuses.services import payout_compute, payout_statement_create
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.models import ScorecardTemplateVersion
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import template_parse
from tests.bonuses.helpers import END, START, TEMPLATE, install_template, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OTHER = {**TEMPLATE, "id": "csat_b", "name": "CSAT B"}  # scores exactly the same way


def staff(username: str, position: str) -> User:
    user: User = UserFactory(username=username, position=position)
    return user


@pytest.fixture
def teams() -> dict[str, User]:
    """csat_team (csat_only): anna 90, bo 100; second_line (csat_b): cy 80, dan 100."""
    install_template()
    template_save(definition=OTHER)
    template_assign(template_key="csat_b", position="second_line")
    people = {
        "anna": staff("anna", "csat_team"),
        "bo": staff("bo", "csat_team"),
        "cy": staff("cy", "second_line"),
        "dan": staff("dan", "second_line"),
    }
    rated(people["anna"], [5] * 9 + [3])
    rated(people["bo"], [5] * 5)
    rated(people["cy"], [5, 5, 5, 5, 1])
    rated(people["dan"], [5] * 4)
    return people


def pay(rule: BonusRule) -> dict[str, Any]:
    return payout_compute(rule=rule, start=START, end=END).as_json()


def ranks(document: dict[str, Any]) -> list[tuple[str, str | None, int | None, str]]:
    return [
        (line["agent"], line["template"], line["rank"], line["position"])
        for line in document["lines"]
    ]


@pytest.mark.usefixtures("teams")
def test_ranks_restart_per_template_and_no_rule_mixes_templates() -> None:
    # Everyone under one template (the what-if view) would rank dan 1st and anna 3rd.
    what_if = scorecard_compute(start=START, end=END, template=template_parse(TEMPLATE))
    assert {row.agent: row.rank for row in what_if} == {"bo": 1, "dan": 1, "anna": 3, "cy": 4}
    first = pay(make_rule(name="First"))
    assert ranks(first) == [
        ("bo", "csat_only", 1, "csat_team"),
        ("anna", "csat_only", 2, "csat_team"),
    ]
    second = pay(make_rule(name="Second", template_key="csat_b"))
    assert ranks(second) == [
        ("dan", "csat_b", 1, "second_line"),
        ("cy", "csat_b", 2, "second_line"),
    ]
    assert (first["excluded"], second["excluded"]) == ([], [])
    assert (first["summary"]["agents"], second["summary"]["agents"]) == (2, 2)


def test_a_position_rule_pays_its_agents_under_the_rule_template(teams: dict[str, User]) -> None:
    """night has no template: erin is not eligible; fred, moved personally to csat_only, is
    paid; the csat_team agents are not of the position, so not mentioned at all."""
    erin, fred = staff("erin", "night"), staff("fred", "night")
    rated(erin, [5] * 3)
    rated(fred, [5, 5, 5, 1])  # 0.75 → 75.00: no tier
    template_assign(template_key="csat_only", agent=fred)
    rule = make_rule(name="Night", target_kind="position", position="night")
    document = pay(rule)
    assert ranks(document) == [("fred", "csat_only", 3, "night")]  # after bo and anna
    assert document["excluded"] == [
        {
            "agent_id": erin.pk,
            "agent": "erin",
            "position": "night",
            "template": None,
            "reason": "no scorecard template at the period's end (none assigned to the agent "
            "or the position): not scored",
        }
    ]
    assert document["rule"]["target_kind"] == "position"
    assert document["rule"]["position"] == "night"
    summary = document["summary"]
    assert (summary["agents"], summary["excluded"], summary["position"]) == (1, 1, "night")
    # the same position, under the other template: nobody of it is scored by csat_b
    other = pay(
        make_rule(name="Night B", template_key="csat_b", target_kind="position", position="night")
    )
    assert other["lines"] == []
    assert [(item["agent"], item["template"]) for item in other["excluded"]] == [
        ("fred", "csat_only"),  # in the scorecard's order: by template, unscored last
        ("erin", None),
    ]
    assert other["excluded"][0]["reason"].startswith(
        "scored under template csat_only (personal assignment), not csat_b"
    )


def test_a_position_under_another_template_is_excluded_with_the_position_as_reason(
    teams: dict[str, User],
) -> None:
    rule = make_rule(
        name="Wrong", template_key="csat_b", target_kind="position", position="csat_team"
    )
    document = pay(rule)
    assert document["lines"] == []
    assert [item["agent"] for item in document["excluded"]] == ["bo", "anna"]
    assert document["excluded"][0]["reason"] == (
        "scored under template csat_only (position), not csat_b: a rule never ranks agents "
        "of different templates together"
    )


@pytest.mark.parametrize(
    ("effective_from", "moved"),
    [
        (date(2026, 10, 15), True),  # in force at the period's end
        (date(2026, 11, 1), False),  # takes effect at the end: October is still csat_only
        (None, True),  # always
    ],
)
def test_a_personal_assignment_moves_an_agent_out_of_the_rule_template(
    teams: dict[str, User], effective_from: date | None, moved: bool
) -> None:
    template_assign(template_key="csat_b", agent=teams["bo"], effective_from=effective_from)
    by_position = pay(make_rule(name="Team", target_kind="position", position="csat_team"))
    by_template = pay(make_rule(name="B", template_key="csat_b"))
    if moved:
        assert ranks(by_position) == [("anna", "csat_only", 1, "csat_team")]
        assert [item["agent"] for item in by_position["excluded"]] == ["bo"]
        assert "(personal assignment)" in by_position["excluded"][0]["reason"]
        assert ranks(by_template) == [  # bo ranked with the csat_b agents only
            ("bo", "csat_b", 1, "csat_team"),
            ("dan", "csat_b", 1, "second_line"),
            ("cy", "csat_b", 3, "second_line"),
        ]
    else:
        assert [line[0] for line in ranks(by_position)] == ["bo", "anna"]
        assert by_position["excluded"] == []
        assert [line[0] for line in ranks(by_template)] == ["dan", "cy"]


@pytest.mark.usefixtures("teams")
def test_the_version_in_force_at_the_period_end_scores_and_is_frozen() -> None:
    rule = make_rule()
    template_save(definition={**TEMPLATE, "min_samples": 20})  # v2, in force from now on
    v1, v2 = ScorecardTemplateVersion.objects.filter(template__key="csat_only").order_by("number")
    october = payout_compute(rule=rule, start=START, end=END)
    assert (october.template_version, october.lines[0].total) == (1, 100)
    v2.effective_from = START.replace(day=15)
    v2.save()
    later = payout_compute(rule=rule, start=START, end=END)
    assert (later.template_version, later.template_version_id) == (2, v2.pk)
    assert [line.total for line in later.lines] == [None, None]  # n < 20: no total
    statement = payout_statement_create(rule=rule, start=START, end=END)
    assert statement.template_version == v2
    assert statement.document["rule"]["template_version"] == 2
    assert v1.number == 1
