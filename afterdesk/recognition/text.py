"""An award explained in words, from the figures stored with it (the page, the banner, the
email and the command line say the same)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from afterdesk.recognition.models import Award, AwardKind


def _num(value: str | int | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return number_format(Decimal(str(value)), decimal_pos=places, use_l10n=True)


def _percent(value: str | None) -> str:
    if value is None:
        return "—"
    return number_format(Decimal(value) * 100, decimal_pos=1, use_l10n=True) + "%"


def _minutes(value: str | None) -> str:
    if value is None:
        return "—"
    amount = Decimal(value)
    if amount < 60:
        return _("%(n)s min") % {"n": number_format(amount, decimal_pos=1, use_l10n=True)}
    return _("%(n)s h") % {"n": number_format(amount / 60, decimal_pos=1, use_l10n=True)}


def figures_text(kind: str, f: dict[str, Any]) -> str:
    """The figures of one candidate (the winner's, or the runner-up's)."""
    if kind == AwardKind.MOST_IMPROVED:
        return _(
            "scorecard total %(total)s, up %(rise)s from %(previous)s the month before "
            "(template %(template)s; %(handled)s and %(handled_before)s tickets handled)"
        ) % {
            "total": _num(f.get("total")),
            "rise": _num(f.get("rise")),
            "previous": _num(f.get("previous_total")),
            "template": f.get("template"),
            "handled": f.get("handled"),
            "handled_before": f.get("handled_before"),
        }
    if kind == AwardKind.CSAT_CHAMPION:
        return _(
            "CSAT %(rate)s: %(positive)s of %(ratings)s ratings were 4 or 5 stars (average %(avg)s)"
        ) % {
            "rate": _percent(f.get("csat_rate")),
            "positive": f.get("positive"),
            "ratings": f.get("ratings"),
            "avg": _num(f.get("csat_avg")),
        }
    if kind == AwardKind.FASTEST_FIRST_REPLY:
        text = _(
            "first reply in %(minutes)s of business time on average over %(n)s first replies, "
            "with CSAT %(rate)s over %(ratings)s ratings"
        ) % {
            "minutes": _minutes(f.get("minutes")),
            "n": f.get("first_replies"),
            "rate": _percent(f.get("csat_rate")),
            "ratings": f.get("ratings"),
        }
        if f.get("reviews"):
            text += _(" and a QA score of %(qa)s over %(reviews)s reviews") % {
                "qa": _num(f.get("qa_score")),
                "reviews": f.get("reviews"),
            }
        return text
    return _(
        "%(tough)s tough tickets solved of %(solved)s (%(urgent)s urgent, %(high)s high "
        "priority, %(disputes)s disputes, %(escalated)s escalated)"
    ) % {key: f.get(key) for key in ("tough", "solved", "urgent", "high", "disputes", "escalated")}


def rules_text(kind: str, rules: dict[str, Any]) -> str:
    """Who could win, and how a tie is broken."""
    if kind == AwardKind.MOST_IMPROVED:
        return _(
            "Agents scored under the same template in both months with at least %(n)s tickets "
            "handled in each; a tie goes to the higher total, then the username."
        ) % {"n": rules.get("min_handled")}
    if kind == AwardKind.CSAT_CHAMPION:
        return _(
            "Agents with at least %(n)s ratings; a tie goes to more ratings, then the higher "
            "average, then the username."
        ) % {"n": rules.get("min_ratings")}
    if kind == AwardKind.FASTEST_FIRST_REPLY:
        return _(
            "Agents with at least %(n)s first replies, CSAT of at least %(csat)s over at least "
            "%(ratings)s ratings and, when reviewed, a QA score of at least %(qa)s; a tie goes "
            "to more first replies, then the username."
        ) % {
            "n": rules.get("min_first_replies"),
            "csat": _percent(rules.get("min_csat_rate")),
            "ratings": rules.get("min_ratings"),
            "qa": _num(rules.get("min_qa_score")),
        }
    return _(
        "Tough: priority high or urgent, a dispute, or escalated; solved by the agent in the "
        "month (last solve). At least %(n)s; a tie goes to the larger share of tough tickets, "
        "then the username."
    ) % {"n": rules.get("min_tough")}


def award_explanation(award: Award) -> str:
    return figures_text(award.kind, award.figures)


def award_runner_up(award: Award) -> str:
    runner = award.figures.get("runner_up")
    if not runner:
        return ""
    return _("Runner-up: %(agent)s, %(figures)s.") % {
        "agent": runner["agent"],
        "figures": figures_text(award.kind, runner),
    }
