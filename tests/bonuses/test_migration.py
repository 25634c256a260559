"""bonuses 0002: rules made the old way (a `role`) become targets and still pay."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from afterdesk.accounts.models import Role
from afterdesk.bonuses.models import BonusRule
from afterdesk.bonuses.services import payout_compute, payout_statement_create
from tests.bonuses.helpers import DEFINITION, END, START, install_template, rated
from tests.factories import UserFactory

BEFORE = [("bonuses", "0001_initial")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_rules_become_targets_and_still_compute() -> None:
    install_template()  # csat_only, scoring the position csat_team
    anna = UserFactory(username="anna")
    rated(anna, [5] * 9 + [3])  # csat_team: 90.00
    sam = UserFactory(username="sam", role=Role.SUPERVISOR, position="supervisor")
    rated(sam, [5, 5], position="")
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("bonuses")
    old_apps = migrate(BEFORE)
    try:
        OldRule = old_apps.get_model("bonuses", "BonusRule")
        common = {"template_key": "csat_only", "currency": "EUR", "definition": DEFINITION}
        for name, role in [
            ("agents", "agent"),
            ("hint", "csat_team"),  # the template's role hint
            ("supervisors", "supervisor"),
            ("reviewers", "qa_reviewer"),
            ("admins", "admin"),
        ]:
            OldRule.objects.create(name=name, role=role, **common)
    finally:
        migrate(leaf)
    targets = {rule.name: (rule.target_kind, rule.position) for rule in BonusRule.objects.all()}
    assert targets == {
        "agents": ("template", ""),
        "hint": ("template", ""),
        "supervisors": ("position", "supervisor"),
        "reviewers": ("position", "qa_reviewer"),
        "admins": ("position", "admin"),
    }
    agents = BonusRule.objects.get(name="agents")
    statement = payout_statement_create(rule=agents, start=START, end=END)
    lines = statement.document["lines"]
    assert [(line["agent"], line["amount"]) for line in lines] == [("anna", "380.00")]
    supervisors = payout_compute(
        rule=BonusRule.objects.get(name="supervisors"), start=START, end=END
    )
    assert supervisors.lines == ()  # the position supervisor has no template: sam not eligible
    assert [item.agent for item in supervisors.excluded] == ["sam"]
