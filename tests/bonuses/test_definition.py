"""Rule validation: every error names its field (422 in the API)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from afterdesk.bonuses.definition import definition_parse
from afterdesk.bonuses.services import (
    bonus_rule_delete,
    bonus_rule_save,
    bonus_rule_validate,
    payout_statement_create,
)
from afterdesk.core.errors import Conflict, ValidationError
from tests.bonuses.helpers import DEFINITION, END, START, install_template, make_rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFINITION)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ([], "definition"),
        ({"tiers": [], "bonus": 1}, "definition.bonus"),
        ({"tiers": {}}, "definition.tiers"),
        ({"tiers": [], "extras": []}, "definition.tiers"),
        (with_change(["tiers", 0, "amount"], -1), "definition.tiers[0].amount"),
        (with_change(["tiers", 0, "amount"], "1.005"), "definition.tiers[0].amount"),
        (with_change(["tiers", 0, "amount"], "NaN"), "definition.tiers[0].amount"),
        (with_change(["tiers", 0, "amount"], "abc"), "definition.tiers[0].amount"),
        (with_change(["tiers", 0, "amount"], True), "definition.tiers[0].amount"),
        (with_change(["tiers", 0, "amount"], "2e9"), "definition.tiers[0].amount"),
        (with_change(["tiers", 1, "min_total"], 80), "definition.tiers[1].min_total"),
        (with_change(["tiers", 1, "min_total"], 101), "definition.tiers[1].min_total"),
        (with_change(["tiers", 1, "name"], "silver"), "definition.tiers[1].name"),
        (with_change(["tiers", 1, "name"], ""), "definition.tiers[1].name"),
        ({"tiers": [{"name": "a", "amount": 1}]}, "definition.tiers[0].min_total"),
        (with_change(["extras", 0, "amount"], "-0.01"), "definition.extras[0].amount"),
        (with_change(["extras", 0, "when"], {}), "definition.extras[0].when"),
        (with_change(["extras", 0, "when", 0, "kpi"], "speed"), "definition.extras[0].when[0].kpi"),
        (with_change(["extras", 0, "when", 0, "op"], "=>"), "definition.extras[0].when[0].op"),
        (
            with_change(["extras", 0, "when", 0, "value"], "1e-20"),
            "definition.extras[0].when[0].value",
        ),
        (
            with_change(["extras", 1, "unless", 0, "value"], "1e999999999"),
            "definition.extras[1].unless[0].value",
        ),
        (with_change(["extras", 1, "unless", 0], "x"), "definition.extras[1].unless[0]"),
        (with_change(["extras", 1, "name"], "csat"), "definition.extras[1].name"),
        (
            {"extras": [{"name": "x", "amount": 1, "when": [{"kpi": "fcr_rate", "op": ">"}]}]},
            "definition.extras[0].when[0].value",
        ),
        ({"tiers": DEFINITION["tiers"], "gate": []}, "definition.gate"),
        (
            {"tiers": DEFINITION["tiers"], "gate": {"when": [{"kpi": "x"}]}},
            "definition.gate.when[0].kpi",
        ),
    ],
)
def test_definition_errors_name_the_field(definition: Any, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        definition_parse(definition)
    assert error.value.field == field


def test_definition_is_normalised() -> None:
    parsed = definition_parse(DEFINITION).as_json()
    assert [t["name"] for t in parsed["tiers"]] == ["gold", "silver"]
    assert parsed["tiers"][0] == {"name": "gold", "min_total": "90", "amount": "300.00"}
    assert parsed["extras"][0]["when"] == [{"kpi": "csat_rate", "op": ">=", "value": "0.98"}]
    assert "gate" not in parsed


def rule_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "CSAT bonus",
        "target_kind": "template",
        "template_key": "csat_only",
        "currency": "EUR",
        "definition": DEFINITION,
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"template_key": "nope"}, "template_key"),
        ({"target_kind": "agent"}, "target_kind"),
        ({"target_kind": "position"}, "position"),
        ({"target_kind": "position", "position": "  "}, "position"),
        ({"target_kind": "position", "position": "first_line"}, "position"),  # not in use
        ({"target_kind": "template", "position": "csat_team"}, "position"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"budget": "-1"}, "budget"),
        ({"labour_cost": 0}, "labour_cost"),
        ({"max_share": 0}, "max_share"),
        ({"max_share": "1.5"}, "max_share"),
        ({"max_share": "0.12345"}, "max_share"),
        (
            {"definition": {"tiers": [{"name": "t", "min_total": 90, "amount": -5}]}},
            "definition.tiers[0].amount",
        ),
    ],
)
def test_rule_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    install_template()
    with pytest.raises(ValidationError) as error:
        bonus_rule_validate(**rule_fields(**changes))
    assert error.value.field == field


def test_a_position_in_use_may_be_targeted() -> None:
    install_template()
    UserFactory(username="anna", position="csat_team")
    fields = rule_fields(target_kind="position", position=" csat_team ", budget=1000)
    data = bonus_rule_validate(**fields, max_share="0.05")
    assert (data.target_kind, data.position, data.budget, data.max_share) == (
        "position",
        "csat_team",
        Decimal("1000.00"),
        Decimal("0.05"),
    )
    template = bonus_rule_validate(**rule_fields())
    assert (template.target_kind, template.position) == ("template", "")


def test_an_edited_rule_keeps_a_position_nobody_has_any_more() -> None:
    install_template()
    anna = UserFactory(username="anna", position="csat_team")
    rule = make_rule(target_kind="position", position="csat_team")
    anna.position = "second_line"
    anna.save()
    fields = rule_fields(target_kind="position", position="csat_team", currency="USD")
    assert bonus_rule_save(rule=rule, **fields).currency == "USD"
    with pytest.raises(ValidationError) as error:
        bonus_rule_save(rule=None, **{**fields, "name": "New"})  # a new rule: not in use
    assert error.value.field == "position"


def test_the_database_refuses_a_target_without_its_position() -> None:
    rule = make_rule()
    rule.target_kind = "position"
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_duplicate_name_is_a_conflict_and_update_keeps_the_name() -> None:
    rule = make_rule()
    with pytest.raises(Conflict) as error:
        make_rule()
    assert error.value.field == "name"
    updated = bonus_rule_save(rule=rule, **rule_fields(currency="USD"))
    assert (updated.pk, updated.currency) == (rule.pk, "USD")


def test_rule_with_statements_cannot_be_deleted() -> None:
    rule = make_rule()
    payout_statement_create(rule=rule, start=START, end=END)
    with pytest.raises(Conflict, match="deactivate"):
        bonus_rule_delete(rule=rule)
    other = make_rule(name="Other")
    bonus_rule_delete(rule=other)
