"""The weekly review as display tables (strings), shared by the HTML page and the PDF so both
show exactly the same figures. Scores are reported half up to 2 decimals (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from afterdesk.metrics.scorecards import report
from afterdesk.reports.review import Distribution, LeaderboardGroup, WeeklyReview

DASH = "–"
MAX_DISTRIBUTION_ROWS = 12


@dataclass(frozen=True)
class DisplayTable:
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: right-aligned figures
    links: list[int | None] | None = None  # per row: the ticket id the row is about

    @property
    def linked_rows(self) -> list[tuple[int | None, list[tuple[str, bool]]]]:
        links = self.links or [None] * len(self.rows)
        return [
            (link, list(zip(row, self.numeric, strict=True)))
            for link, row in zip(links, self.rows, strict=True)
        ]

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.header, self.numeric, strict=True))


def score(value: Fraction | None) -> str:
    reported = report(value)
    return DASH if reported is None else f"{reported:.2f}"


def change(value: Fraction | None) -> str:
    """A signed score change, rounded like a score (half away from zero)."""
    if value is None:
        return DASH
    reported = report(abs(value))
    if reported == 0:
        return "±0.00"
    return f"{'+' if value > 0 else '−'}{reported:.2f}"


def percent(value: Fraction | None) -> str:
    return DASH if value is None else f"{float(value * 100):.1f} %"


def minutes(value: Fraction | None) -> str:
    if value is None:
        return DASH
    if value < 60:
        return _("%(minutes)s min") % {"minutes": f"{float(value):.1f}"}
    whole = round(value)
    return _("%(hours)s h %(minutes)s min") % {
        "hours": whole // 60,
        "minutes": f"{whole % 60:02d}",
    }


def period_label(start: datetime, end: datetime) -> str:
    """Both ends with the day's and month's names in the active language."""
    # The order of day, month and year is the language's: Chinese reads "2026年10月5日 周一".
    shown = pgettext("weekly review period bound (Django date format)", "D d M Y H:i")
    return f"{date_format(start, shown)} – {date_format(end, shown)} ({start:%z})".replace(
        "(+0000)", "(UTC)"
    )


def team_table(review: WeeklyReview) -> DisplayTable:
    """Each team in the last trend week (the period's own week), with the week before. The
    mean total score only in the what-if view: under own templates it would mix templates."""
    rows = []
    for trend in review.team_trends:
        now, before = trend.weeks[-1], trend.weeks[-2] if len(trend.weeks) > 1 else None
        kpis = now.kpis
        figures = [
            str(kpis["handled_volume"].n),
            minutes(kpis["first_reply_time_business"].value),
            percent(kpis["sla_first_reply_rate"].value),
            percent(kpis["csat_rate"].value),
        ]
        if not review.what_if:
            rows.append([trend.team, str(now.agents), *figures])
            continue
        delta = (
            now.total - before.total
            if before and now.total is not None and before.total is not None
            else None
        )
        rows.append([trend.team, str(now.scored_agents), score(now.total), change(delta), *figures])
    kpi_header = [_("Handled"), _("First reply (business)"), _("Within target"), _("CSAT 4–5")]
    if not review.what_if:
        return DisplayTable(
            [_("Team"), _("Agents with data"), *kpi_header], rows, [False] + [True] * 5
        )
    return DisplayTable(
        [_("Team"), _("Scored agents"), _("Total"), _("vs week before"), *kpi_header],
        rows,
        [False] + [True] * 7,
    )


def no_group_message() -> str:
    return _("No agent with a template has data in this period.")


def unranked_message() -> str:
    return _(
        "No template is assigned to these agents or to their position: they are listed, not ranked."
    )


def leaderboard_key(index: int) -> str:
    """The chart name of the review's `index`-th leaderboard group (one per template)."""
    return f"leaderboard_{index}"


def group_title(review: WeeklyReview, group: LeaderboardGroup) -> str:
    """A leaderboard group's heading: the template, its version, and the mode."""
    if review.what_if:
        return _("%(name)s (%(key)s) · what-if: every agent under this template") % {
            "name": group.name,
            "key": group.template,
        }
    return _("%(name)s (%(key)s), version %(version)s · ranked within this template") % {
        "name": group.name,
        "key": group.template,
        "version": group.version,
    }


def leaderboard_table(group: LeaderboardGroup) -> DisplayTable:
    """One template's leaderboard: ranks within the template, the previous period's total and
    rank when the agent had the same template then."""
    rows = [
        [
            str(r.row.rank) if r.row.rank is not None else DASH,
            r.row.agent,
            score(r.row.total),
            score(r.previous_total),
            change(r.trend),
            str(r.previous_rank) if r.previous_rank is not None else DASH,
        ]
        for r in group.rows
    ]
    return DisplayTable(
        [_("Rank"), _("Agent"), _("Total"), _("Previous"), _("Change"), _("Previous rank")],
        rows,
        [True, False, True, True, True, True],
    )


def improvers_table(group: LeaderboardGroup) -> DisplayTable:
    rows = [
        [i.agent, score(i.previous_total), score(i.total), change(i.change)]
        for i in group.improvers
    ]
    return DisplayTable(
        [_("Agent"), _("Previous total"), _("Total"), _("Change")], rows, [False, True, True, True]
    )


def without_template_table(review: WeeklyReview) -> DisplayTable:
    """The agents with data but no template: listed, never ranked."""
    rows = [
        [
            row.agent,
            (row.segment.role if row.segment else "") or DASH,
            str(row.kpis["handled_volume"].n) if "handled_volume" in row.kpis else "0",
        ]
        for row in review.without_template
    ]
    return DisplayTable([_("Agent"), _("Position"), _("Handled")], rows, [False, False, True])


def breaches_table(review: WeeklyReview) -> DisplayTable:
    rows = [
        [
            f"#{b.ticket_id}",
            b.subject,
            b.priority,
            b.category or DASH,
            b.market or DASH,
            b.agent or DASH,
            minutes(b.business_minutes),
            minutes(b.target_minutes),
            minutes(b.over_minutes),
        ]
        for b in review.breaches
    ]
    return DisplayTable(
        [
            _("Ticket"),
            _("Subject"),
            _("Priority"),
            _("Category"),
            _("Market"),
            _("First reply by"),
            _("First reply (business)"),
            _("Target"),
            _("Over by"),
        ],
        rows,
        [False] * 6 + [True] * 3,
        [b.ticket_id for b in review.breaches],
    )


def distribution_table(distribution: Distribution, label: str) -> DisplayTable:
    folded = distribution.folded(MAX_DISTRIBUTION_ROWS)
    rows = [[name, *(str(n) for n in counts), str(total)] for name, counts, total in folded.table()]
    if folded.rows:
        rows.append(
            [
                _("Total"),
                *(str(folded.column_total(c)) for c in folded.columns),
                str(folded.total),
            ]
        )
    return DisplayTable(
        [label, *folded.columns, _("Total")], rows, [False] + [True] * (len(folded.columns) + 1)
    )


def scoring_label(review: WeeklyReview) -> str:
    if review.template is not None:
        return _("%(name)s (%(key)s) · what-if: every agent under this template") % {
            "name": review.template.name,
            "key": review.template.id,
        }
    if review.own_template is not None:
        return _("Each agent’s own template, only the agents of %(key)s") % {
            "key": review.own_template
        }
    return _("Each agent’s own template (%(groups)s template groups)") % {
        "groups": len(review.groups)
    }


def summary(review: WeeklyReview) -> list[tuple[str, str]]:
    breached = review.breach_count
    replies = review.first_replies_with_target
    share = percent(Fraction(breached, replies)) if replies else DASH
    facts = [
        (_("Period"), period_label(review.start, review.end)),
        (_("Compared with"), period_label(review.previous_start, review.previous_end)),
        (_("Scored under"), scoring_label(review)),
        (_("Tickets created"), str(review.tickets_created)),
        (
            _("First replies over target"),
            _("%(breached)s of %(replies)s (%(share)s)")
            % {"breached": breached, "replies": replies, "share": share},
        ),
        (_("Agents on the leaderboard"), str(len(review.leaderboard))),
    ]
    if review.template is None and review.own_template is None:
        facts.append((_("Agents without a template"), str(len(review.without_template))))
    return facts
