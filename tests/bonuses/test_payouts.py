"""Pure payout computation: tiers on the reported total, extras, gates, excluded KPIs and the
rule summary's warnings."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from afterdesk.bonuses.definition import definition_parse
from afterdesk.bonuses.payouts import RuleTarget, payout_line, payout_summary
from afterdesk.metrics.kpis import KpiValue
from tests.bonuses.helpers import DEFINITION, row

TIERS = definition_parse({"tiers": DEFINITION["tiers"]})


@pytest.mark.parametrize(
    ("total", "tier", "amount"),
    [
        (Fraction(90), "gold", "300.00"),
        (Fraction(89995, 1000), "gold", "300.00"),  # reported as 90.00: meets ≥ 90
        (Fraction(89994, 1000), "silver", "100.00"),  # reported as 89.99
        (Fraction(80), "silver", "100.00"),
        (Fraction(7999, 100), None, "0.00"),
        (Fraction(100), "gold", "300.00"),
    ],
)
def test_tier_boundaries_use_the_reported_total(
    total: Fraction, tier: str | None, amount: str
) -> None:
    line = payout_line(row=row(total), definition=TIERS, others={}, min_samples=1)
    assert (line.tier.name if line.tier else None) == tier
    assert line.amount == Decimal(amount)


def test_tier_reason_explains() -> None:
    line = payout_line(row=row(Fraction(89995, 1000)), definition=TIERS, others={}, min_samples=1)
    assert line.tier_reason == "total 90.00 ≥ 90 (gold)"
    line = payout_line(row=row(Fraction(7999, 100)), definition=TIERS, others={}, min_samples=1)
    assert line.tier_reason == "total 79.99 < 80 (lowest tier silver)"
    line = payout_line(row=row(None), definition=TIERS, others={}, min_samples=1)
    assert line.tier is None
    assert "no total score" in line.tier_reason


def extra(when: list[dict[str, Any]], unless: list[dict[str, Any]] | None = None) -> Any:
    return definition_parse(
        {"extras": [{"name": "x", "amount": "50", "when": when, "unless": unless or []}]}
    )


CSAT_98 = [{"kpi": "csat_rate", "op": ">=", "value": 0.98}]


def test_extra_compares_the_exact_value_with_the_exact_threshold() -> None:
    # 49/50 is exactly 0.98: meets ≥ 0.98; 0.98 - 1e-12 does not
    exact = row(Fraction(90), {"csat_rate": (Fraction(49, 50), 50, None)})
    line = payout_line(row=exact, definition=extra(CSAT_98), others={}, min_samples=1)
    assert line.extras[0].paid
    assert line.extras[0].reason == "csat_rate 0.98 ≥ 0.98"
    assert line.amount == Decimal("50.00")
    below = row(Fraction(90), {"csat_rate": (Fraction(98, 100) - Fraction(1, 10**12), 50, None)})
    line = payout_line(row=below, definition=extra(CSAT_98), others={}, min_samples=1)
    assert not line.extras[0].paid
    assert line.extras[0].reason.startswith("condition not met: csat_rate 0.97999")
    assert line.amount == 0


@pytest.mark.parametrize(
    ("op", "value", "paid"),
    [
        (">", "0.5", False),
        (">", "0.4", True),
        ("<=", "0.5", True),
        ("<", "0.5", False),
        ("==", "0.50", True),
        ("==", "0.51", False),
    ],
)
def test_operators(op: str, value: str, paid: bool) -> None:
    data = row(Fraction(90), {"fcr_rate": (Fraction(1, 2), 10, None)})
    definition = extra([{"kpi": "fcr_rate", "op": op, "value": value}])
    line = payout_line(row=data, definition=definition, others={}, min_samples=1)
    assert line.extras[0].paid is paid


def test_unless_blocks_and_names_the_condition() -> None:
    definition = extra(
        [{"kpi": "handled_volume", "op": ">=", "value": 5}],
        [{"kpi": "complaint_rate", "op": ">", "value": "0.1"}],
    )
    others = {
        "handled_volume": KpiValue(Fraction(10), 10),
        "complaint_rate": KpiValue(Fraction(2, 10), 10),
    }
    line = payout_line(row=row(Fraction(90)), definition=definition, others=others, min_samples=1)
    assert not line.extras[0].paid
    assert line.extras[0].reason == "blocked: complaint_rate 0.2 > 0.1"
    others["complaint_rate"] = KpiValue(Fraction(1, 10), 10)  # exactly 0.1 is not > 0.1
    line = payout_line(row=row(Fraction(90)), definition=definition, others=others, min_samples=1)
    assert line.extras[0].paid
    assert line.extras[0].reason == "handled_volume 10 ≥ 5; not blocked"


def test_null_or_excluded_kpi_fails_when_and_does_not_block_unless() -> None:
    definition = extra(CSAT_98, [{"kpi": "complaint_rate", "op": ">", "value": 0}])
    # csat excluded in the scorecard (n < min_samples): the `when` fails
    data = row(Fraction(90), {"csat_rate": (Fraction(1), 1, "n < min_samples (1 < 5)")})
    line = payout_line(row=data, definition=definition, others={}, min_samples=5)
    assert not line.extras[0].paid
    assert "csat_rate excluded (n < min_samples (1 < 5)): fails" in line.extras[0].reason
    # csat fine; complaint_rate (outside the template) has too few samples: does not block
    data = row(Fraction(90), {"csat_rate": (Fraction(1), 9, None)})
    others = {"complaint_rate": KpiValue(Fraction(1, 2), 2)}
    line = payout_line(row=data, definition=definition, others=others, min_samples=5)
    assert line.extras[0].paid
    unless = line.extras[0].conditions[1]
    assert (unless.holds, unless.observed.excluded) == (False, "n < min_samples (2 < 5)")
    assert unless.explanation.endswith("does not block")
    # no data at all (null): the `when` fails
    line = payout_line(row=row(Fraction(90)), definition=definition, others={}, min_samples=1)
    assert "csat_rate excluded (no data): fails" in line.extras[0].reason


def test_gate_blocks_tier_and_extras() -> None:
    definition = definition_parse(
        {
            "tiers": DEFINITION["tiers"],
            "extras": [{"name": "always", "amount": "10"}],
            "gate": {"when": [{"kpi": "qa_score", "op": ">=", "value": 70}]},
        }
    )
    good = row(Fraction(95), {"qa_score": (Fraction(80), 3, None)})
    line = payout_line(row=good, definition=definition, others={}, min_samples=1)
    assert (line.gate_passed, line.amount) == (True, Decimal("310.00"))
    assert line.extras[0].reason == "unconditional"
    bad = row(Fraction(95), {"qa_score": (Fraction(60), 3, None)})
    line = payout_line(row=bad, definition=definition, others={}, min_samples=1)
    assert (line.gate_passed, line.tier.name if line.tier else None) == (False, "gold")
    assert line.amount == 0
    assert "not paid, gate condition not met: qa_score 60 < 70" in line.tier_reason
    assert line.extras[0].reason == "gate condition not met: qa_score 60 < 70"


def summary(total: str, **kwargs: Any) -> Any:
    line = payout_line(
        row=row(Fraction(95)),
        definition=definition_parse({"tiers": [{"name": "t", "min_total": 0, "amount": total}]}),
        others={},
        min_samples=1,
    )
    values: dict[str, Any] = {"budget": None, "labour_cost": None, "max_share": Decimal("0.10")}
    values.update(kwargs)
    target = RuleTarget("template", "", "csat_only")
    return payout_summary(lines=(line,), target=target, currency="EUR", **values)


def test_budget_warning_only_above_the_budget() -> None:
    assert summary("1000", budget=Decimal(1000)).warnings == ()
    result = summary("1000.01", budget=Decimal(1000))
    assert [w.code for w in result.warnings] == ["budget_exceeded"]
    assert "exceeds the budget 1000 EUR by 0.01" in result.warnings[0].message
    assert summary("5000").warnings == ()  # no budget: no check


def test_labour_share_warning_above_max_share() -> None:
    at_max = summary("1000", labour_cost=Decimal(10000))
    assert (at_max.labour_share, at_max.warnings) == (Decimal("0.1000"), ())
    over = summary("1000.01", labour_cost=Decimal(10000))
    assert [w.code for w in over.warnings] == ["labour_share_exceeded"]
    assert over.warnings[0].message == (
        "payout is 10.0001% of the labour cost 10000 EUR, above the maximum 10%"
    )
    custom = summary("600", labour_cost=Decimal(10000), max_share=Decimal("0.05"))
    assert [w.code for w in custom.warnings] == ["labour_share_exceeded"]
    assert custom.labour_share == Decimal("0.0600")
    assert summary("600").labour_share is None
