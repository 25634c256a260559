"""Certification allowances on payouts and statements (docs/bonuses.md, "Certification
allowances"): a rule that opts in adds the allowance of each certification an agent holds at
the period's end; in another currency it is listed, not paid; expired, revoked or later
certifications add nothing; a rule that does not opt in is unchanged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.bonuses.definition import definition_parse
from afterdesk.bonuses.exports import payout_csv
from afterdesk.bonuses.services import payout_compute, payout_statement_create
from afterdesk.core.errors import ValidationError
from afterdesk.training.services.certifications import (
    award_grant,
    award_revoke,
    certification_save,
)
from tests.bonuses.helpers import DEFINITION, END, START, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
WITH_ALLOWANCES: dict[str, Any] = {**DEFINITION, "certification_allowances": True}


def _line(document: dict[str, Any], agent: User) -> dict[str, Any]:
    return next(line for line in document["lines"] if line["agent_id"] == agent.pk)


def test_a_held_certification_adds_its_allowance_to_the_statement() -> None:
    rule = make_rule(definition=WITH_ALLOWANCES)
    anna, ben = UserFactory(username="anna"), UserFactory(username="ben")
    rated(anna, [5, 5, 5])
    rated(ben, [5, 5, 5])
    returns = certification_save(
        name="Returns specialist", valid_days=365, allowance_amount="40", allowance_currency="EUR"
    )
    spanish = certification_save(
        name="Spanish B2", allowance_amount="25.50", allowance_currency="USD"
    )
    award_grant(user=anna, certification=returns, now=START)
    award_grant(user=anna, certification=returns, now=START + timedelta(days=3))  # renewed: once
    award_grant(user=anna, certification=spanish, now=START)
    award_grant(user=ben, certification=returns, now=END + timedelta(seconds=1))  # too late
    without = payout_compute(rule=make_rule(name="plain"), start=START, end=END).as_json()

    statement = payout_statement_create(rule=rule, start=START, end=END)
    line = _line(statement.document, anna)
    assert line["allowances"] == [
        {
            "certification": "Returns specialist",
            "amount": "40.00",
            "currency": "EUR",
            "paid": True,
            "paid_amount": "40.00",
            "reason": line["allowances"][0]["reason"],
        },
        {
            "certification": "Spanish B2",
            "amount": "25.50",
            "currency": "USD",
            "paid": False,
            "paid_amount": "0.00",
            "reason": "allowance in USD, not the rule's EUR: not paid",
        },
    ]
    assert "held at the period's end until 2027-" in line["allowances"][0]["reason"]
    assert Decimal(line["amount"]) == Decimal(_line(without, anna)["amount"]) + 40
    assert "allowances" not in _line(statement.document, ben)
    assert Decimal(_line(statement.document, ben)["amount"]) == Decimal(
        _line(without, ben)["amount"]
    )
    assert statement.total == Decimal(without["summary"]["total"]) + 40
    csv = payout_csv(statement.document)
    assert csv.splitlines()[0].endswith("allowances,allowances_amount,amount,currency")
    assert "Returns specialist,40.00" in csv


def test_expired_and_revoked_certifications_pay_nothing() -> None:
    rule = make_rule(definition=WITH_ALLOWANCES)
    anna, ben = UserFactory(username="anna"), UserFactory(username="ben")
    rated(anna, [5, 5])
    rated(ben, [5, 5])
    short = certification_save(
        name="Chat basics", valid_days=10, allowance_amount="10", allowance_currency="EUR"
    )
    award_grant(user=anna, certification=short, now=START)  # expired before the period's end
    award_revoke(award=award_grant(user=ben, certification=short, now=END - timedelta(days=1)))
    document = payout_compute(rule=rule, start=START, end=END).as_json()
    assert all("allowances" not in line for line in document["lines"])


def test_a_rule_without_the_option_pays_no_allowance() -> None:
    rule = make_rule()
    anna = UserFactory(username="anna")
    rated(anna, [5, 5])
    cert = certification_save(name="X", allowance_amount="10", allowance_currency="EUR")
    award_grant(user=anna, certification=cert, now=START)
    document = payout_compute(rule=rule, start=START, end=END).as_json()
    assert "allowances" not in _line(document, anna)
    assert "certification_allowances" not in document["rule"]["definition"]
    assert "allowances" not in payout_csv(document).splitlines()[0]


def test_the_option_must_be_a_boolean() -> None:
    with pytest.raises(ValidationError) as error:
        definition_parse({**DEFINITION, "certification_allowances": "yes"})
    assert error.value.field == "definition.certification_allowances"
    assert definition_parse({"certification_allowances": True}).certification_allowances
