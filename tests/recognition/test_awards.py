"""The monthly awards: winners, their figures, minimum volumes, ties, the quality gates."""

from __future__ import annotations

from fractions import Fraction

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.kpis import AgentKpis, KpiValue
from afterdesk.metrics.scorecards import report, scorecard_compute
from afterdesk.recognition import awards
from afterdesk.recognition.awards import awards_compute
from afterdesk.recognition.models import AwardKind
from afterdesk.recognition.months import month_bounds
from tests.recognition.conftest import OCTOBER, SEPTEMBER

OCT, SEP = month_bounds(OCTOBER), month_bounds(SEPTEMBER)

pytestmark = pytest.mark.django_db


def _by_kind(month=OCTOBER):  # type: ignore[no-untyped-def]
    return {result.kind: result for result in awards_compute(month)}


def test_each_award_goes_to_the_agent_the_figures_name(month_of_work: dict[str, User]) -> None:
    results = _by_kind()
    improved = results[AwardKind.MOST_IMPROVED]
    assert improved.winner is not None
    assert improved.winner.username == "anna"
    assert improved.candidates == 1  # bo's total did not rise; cy had no September
    figures = improved.winner.figures
    assert Fraction(figures["rise"]) > 0
    rows = {r.agent: r for r in scorecard_compute(start=OCT[0], end=OCT[1])}
    before = {r.agent: r for r in scorecard_compute(start=SEP[0], end=SEP[1])}
    total, previous = rows["anna"].total, before["anna"].total
    assert total is not None
    assert previous is not None
    assert figures["total"] == f"{report(total):.2f}"
    assert figures["previous_total"] == f"{report(previous):.2f}"
    assert figures["rise"] == f"{report(total - previous):.2f}"
    assert (figures["handled"], figures["handled_before"], figures["template"]) == (
        12,
        12,
        "first_line",
    )

    csat = results[AwardKind.CSAT_CHAMPION]
    assert csat.winner is not None
    assert csat.winner.username == "anna"
    assert csat.winner.figures == {
        "csat_rate": "1.0000",
        "positive": 12,
        "ratings": 12,
        "csat_avg": "5.00",
    }
    assert csat.runner_up is not None
    assert csat.runner_up.username == "bo"
    assert csat.runner_up.figures["csat_rate"] == "0.8333"  # 10 of 12, rounded half up
    assert csat.runner_up.figures["positive"] == 10

    fastest = results[AwardKind.FASTEST_FIRST_REPLY]
    assert fastest.winner is not None
    assert fastest.winner.username == "bo"
    assert fastest.winner.figures["minutes"] == "10.00"
    assert fastest.winner.figures["first_replies"] == 12
    assert fastest.runner_up is not None
    assert fastest.runner_up.username == "anna"

    tough = results[AwardKind.TOUGHEST_CASES]
    assert tough.winner is not None
    assert tough.winner.username == "bo"
    assert tough.winner.figures == {
        "tough": 4,
        "solved": 12,
        "urgent": 4,
        "high": 0,
        "disputes": 0,
        "escalated": 0,
    }
    assert tough.runner_up is not None
    assert tough.runner_up.username == "anna"
    assert tough.candidates == 2  # cy's 2 urgent tickets are under the minimum of 3


def test_a_tiny_sample_wins_nothing(month_of_work: dict[str, User]) -> None:
    """cy answered 2 tickets in a minute, both rated 5: the best figures, on too few tickets."""
    for result in awards_compute(OCTOBER):
        assert result.winner is None or result.winner.username != "cy"
        assert result.runner_up is None or result.runner_up.username != "cy"


def test_a_month_without_work_has_no_winner() -> None:
    assert all(
        result.winner is None and result.candidates == 0 for result in awards_compute(OCTOBER)
    )


def _kpis(**values: tuple[Fraction | None, int]) -> AgentKpis:
    out = {kpi: KpiValue(None, 0) for kpi in KPI_IDS}
    out.update({kpi: KpiValue(value, n) for kpi, (value, n) in values.items()})
    return out


def test_ties_are_broken_by_the_figures_then_the_username() -> None:
    same = _kpis(csat_rate=(Fraction(9, 10), 20), csat_avg=(Fraction(46, 10), 20))
    names = {1: "zoe", 2: "adam", 3: "mia"}
    result = awards._csat_champion({1: same, 2: same, 3: same}, names)
    assert result.winner is not None
    assert result.winner.username == "adam"
    assert result.runner_up is not None
    assert result.runner_up.username == "mia"
    # More ratings beats the username at the same rate.
    more = _kpis(csat_rate=(Fraction(9, 10), 30), csat_avg=(Fraction(4), 30))
    result = awards._csat_champion({1: same, 2: same, 3: more}, names)
    assert result.winner is not None
    assert result.winner.username == "mia"
    # And the order does not depend on the order the agents come in.
    reordered = awards._csat_champion({3: more, 2: same, 1: same}, names)
    assert reordered.winner == result.winner
    assert reordered.runner_up == result.runner_up


def test_fastest_first_reply_only_within_the_quality_gates() -> None:
    names = {1: "fast-bad-csat", 2: "fast-bad-qa", 3: "few-ratings", 4: "good"}
    fast = (Fraction(5), 30)
    kpis = {
        1: _kpis(first_reply_time_business=fast, csat_rate=(Fraction(79, 100), 100)),
        2: _kpis(
            first_reply_time_business=fast,
            csat_rate=(Fraction(1), 10),
            qa_score=(Fraction(7999, 100), 2),
        ),
        3: _kpis(first_reply_time_business=fast, csat_rate=(Fraction(1), 4)),
        4: _kpis(
            first_reply_time_business=(Fraction(50), 10),
            csat_rate=(Fraction(4, 5), 5),  # exactly on both gates: in
            qa_score=(Fraction(80), 1),
        ),
    }
    result = awards._fastest_first_reply(kpis, names)
    assert result.candidates == 1
    assert result.winner is not None
    assert result.winner.username == "good"
    assert result.winner.figures["minutes"] == "50.00"


def test_minimum_first_replies() -> None:
    kpis = {
        1: _kpis(
            first_reply_time_business=(Fraction(1), awards.FIRST_REPLY_MIN - 1),
            csat_rate=(Fraction(1), 50),
        ),
    }
    assert awards._fastest_first_reply(kpis, {1: "x"}).winner is None


def test_rounding_for_display_is_half_up_from_the_exact_value() -> None:
    assert awards._decimal(Fraction(5, 6), 4) == "0.8333"
    assert awards._decimal(Fraction(1, 8), 2) == "0.13"
    assert awards._decimal(Fraction(-1, 8), 2) == "-0.13"
    assert awards._decimal(None) is None
