"""Scoring, exclusion, rounding and rank (docs/metrics.md, "Scorecard templates")."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.kpis import KpiValue
from afterdesk.metrics.scorecards import (
    ScorecardRow,
    kpi_score,
    rank_rows,
    report,
    score_agent,
)
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, TemplateKpi, template_parse


def item(kpi: str, target: float, floor: float) -> TemplateKpi:
    return TemplateKpi(kpi, Fraction(1), Fraction(str(target)), Fraction(str(floor)))


def test_higher_is_better_score_is_clamped_linear() -> None:
    csat = item("csat_rate", 0.98, 0.8)
    assert kpi_score(csat, Fraction("0.89")) == 50
    assert kpi_score(csat, Fraction(1)) == 100
    assert kpi_score(csat, Fraction("0.5")) == 0


def test_lower_is_better_score() -> None:
    frt = item("first_reply_time_business", 30, 240)
    assert kpi_score(frt, Fraction(135)) == 50
    assert kpi_score(frt, Fraction(10)) == 100
    assert kpi_score(frt, Fraction(500)) == 0


def test_target_equal_floor_is_all_or_nothing() -> None:
    assert kpi_score(item("csat_rate", 0.9, 0.9), Fraction("0.9")) == 100
    assert kpi_score(item("csat_rate", 0.9, 0.9), Fraction("0.89")) == 0
    assert kpi_score(item("reopen_rate", 0.1, 0.1), Fraction("0.1")) == 100
    assert kpi_score(item("reopen_rate", 0.1, 0.1), Fraction("0.11")) == 0


def test_rounding_is_half_up_from_the_exact_value() -> None:
    assert report(Fraction(12345, 1000)) == Decimal("12.35")  # 12.345 exactly
    assert report(Fraction(1, 3) * 100) == Decimal("33.33")
    assert report(Fraction(2, 3) * 100) == Decimal("66.67")


def test_exclusion_and_renormalisation() -> None:
    template = template_parse(DEFAULT_TEMPLATE_JSON)
    values = {
        "first_reply_time_business": KpiValue(Fraction(30), 10),  # 100
        "resolution_time_index": KpiValue(Fraction(3), 3),  # excluded: n < 5 (score 0 shown)
        "fcr_rate": KpiValue(None, 0),  # no data
        "csat_rate": KpiValue(Fraction("0.89"), 6),  # 50
        "weighted_volume": KpiValue(Fraction(250), 20),  # 50
    }
    row = score_agent(agent_id=1, agent="a", values=values, template=template)
    assert row.kpis["resolution_time_index"].excluded == "n < min_samples (3 < 5)"
    assert row.kpis["resolution_time_index"].score == 0
    assert row.kpis["fcr_rate"].excluded == "no data"
    assert row.categories == {"efficiency": 100, "quality": 50, "cost": 50}
    # (35×100 + 50×50 + 15×50) / 100
    assert row.total == Fraction(6750, 100)


def test_all_categories_null_gives_null_total() -> None:
    template = template_parse(DEFAULT_TEMPLATE_JSON)
    row = score_agent(agent_id=1, agent="a", values={}, template=template)
    assert row.total is None
    assert set(row.kpis) == set(template.kpi_ids)


def test_ties_share_the_better_rank_on_reported_totals() -> None:
    def row(name: str, total: Fraction | None) -> ScorecardRow:
        return ScorecardRow(0, name, {}, {}, total)

    ranked = rank_rows(
        [
            row("d", Fraction(70)),
            row("b", Fraction(80)),
            row("c", Fraction(80001, 1000)),  # 80.001 reports as 80.00: tie with b
            row("a", Fraction(90)),
            row("e", None),
        ]
    )
    assert [(r.agent, r.rank) for r in ranked] == [
        ("a", 1),
        ("b", 2),
        ("c", 2),
        ("d", 4),
        ("e", None),
    ]


def _bad(mutate: Any) -> str:
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    mutate(data)
    with pytest.raises(ValidationError) as info:
        template_parse(data)
    return info.value.field or ""


def test_template_rejections_name_the_field() -> None:
    assert _bad(lambda d: d["categories"][0].update(weight=-1)) == "categories[0].weight"
    assert (
        _bad(lambda d: d["categories"][0]["kpis"][0].pop("target"))
        == "categories[0].kpis[0].target"
    )
    assert (
        _bad(lambda d: d["categories"][0]["kpis"][0].update(kpi="speed"))
        == "categories[0].kpis[0].kpi"
    )
    assert (
        _bad(lambda d: d["categories"][1]["kpis"][0].update(kpi="first_reply_time_business"))
        == "categories[1].kpis[0].kpi"
    )
    assert _bad(lambda d: d.pop("default_category_target")) == "default_category_target"
    assert _bad(lambda d: d.update(min_samples=0)) == "min_samples"
    assert _bad(lambda d: d["first_reply_target"].update(asap=5)) == "first_reply_target.asap"
    assert _bad(lambda d: d["category_weights"].update(dispute=0)) == "category_weights.dispute"
    assert _bad(lambda d: d["categories"].append(dict(d["categories"][0]))) == "categories[3].name"


def test_segment_override_replaces_target_and_floor_and_is_shown() -> None:
    from afterdesk.metrics.scorecards import AgentSegment

    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["segment_overrides"] = [
        {
            "segment": {"shift": "night"},
            "kpi": "first_reply_time_business",
            "target": 60,
            "floor": 480,
        },
        {"segment": {"language": "ja"}, "kpi": "csat_rate", "target": 0.9, "floor": 0.7},
    ]
    template = template_parse(data)
    values = {"first_reply_time_business": KpiValue(Fraction(60), 10)}
    night = AgentSegment(shift="night", languages=("en",))
    day = AgentSegment(shift="day", languages=("ja",))
    night_row = score_agent(agent_id=1, agent="n", values=values, template=template, segment=night)
    day_row = score_agent(agent_id=2, agent="d", values=values, template=template, segment=day)
    assert night_row.kpis["first_reply_time_business"].score == 100
    assert night_row.kpis["first_reply_time_business"].override == "shift=night"
    assert day_row.kpis["first_reply_time_business"].override is None
    assert day_row.kpis["first_reply_time_business"].score == Fraction(100 * 180, 210)
    assert day_row.kpis["csat_rate"].override == "language=ja"
    detailed = night_row.as_json(detailed=True)["kpis"]["first_reply_time_business"]
    assert (detailed["target"], detailed["floor"], detailed["override"]) == (60, 480, "shift=night")
    assert "override" not in night_row.as_json()["kpis"]["first_reply_time_business"]


def test_override_validation_names_the_field() -> None:
    assert (
        _bad(lambda d: d.update(segment_overrides=[{"segment": {"team": "x"}, "kpi": "fcr_rate"}]))
        == "segment_overrides[0].segment"
    )
    assert (
        _bad(
            lambda d: d.update(
                segment_overrides=[{"segment": {"shift": "night"}, "kpi": "qa_score"}]
            )
        )
        == "segment_overrides[0].kpi"
    )


def test_median() -> None:
    from afterdesk.metrics.scorecards import median

    assert median([]) is None
    assert median([Fraction(3), Fraction(1), Fraction(2)]) == 2
    assert median([Fraction(1), Fraction(4)]) == Fraction(5, 2)
