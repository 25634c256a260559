"""What each ticket of a drill-down contributes to the figure (docs/ui.md, "Drill-down values"):
its minutes for a mean of times, counted or not for a share, its rating, its weight, its
escalations. Read from the same facts and events as the KPI (metrics.kpis), on the drill-down's
own rows: `contribution_annotate` adds what the events say to the row query (no query more),
`contribution` reads one row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.kpis import US_PER_MINUTE, period_validate
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.selectors import SEGMENT_DIMENSIONS
from afterdesk.metrics.templates import TemplateSpec
from afterdesk.tickets.events import RETURN_OUTCOMES_RETAINED
from afterdesk.tickets.models import Ticket, TicketEvent

# The KPIs whose rows are facts (the ticket's `facts` is joined) and those read from events.
FACT_KPIS = {
    "first_reply_time",
    "first_reply_time_business",
    "sla_first_reply_rate",
    "resolution_time",
    "resolution_time_business",
    "resolution_time_index",
    "reopen_rate",
    "fcr_rate",
    "one_touch_rate",
    "csat_rate",
    "csat_avg",
    "return_retention_rate",
}
EVENT_KINDS = {"escalation_rate": "escalate", "complaint_rate": "complaint"}


@dataclass(frozen=True)
class Contribution:
    """`value`: the number the ticket brings (minutes, a rating, a weight, a count; None for
    a share); `counted`: for a share, whether the ticket is in its numerator; `note`: what
    decided it, in the desk's words (a rating, an outcome, reopens)."""

    value: Fraction | None = None
    counted: bool | None = None
    note: str = ""
    outcome: str = ""  # a return outcome (its label comes from the catalogue)


def contribution_annotate(
    rows: QuerySet[Ticket], *, kpi: str, agent: User, start: datetime, end: datetime
) -> QuerySet[Ticket]:
    """The drill-down's rows with what they need: the facts joined, or the agent's events of
    the period on each ticket counted (escalations, complaints) or summed (QA scores)."""
    if kpi in FACT_KPIS:
        return rows.select_related("facts")
    events = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), agent=agent, at__gte=start, at__lt=end
    ).order_by()
    if kpi in EVENT_KINDS:
        counted = (
            events.filter(kind=EVENT_KINDS[kpi])
            .values("ticket")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return rows.annotate(
            contribution_n=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
        )
    if kpi == "qa_score":
        reviews = events.filter(kind="qa_review").values("ticket")
        return rows.annotate(
            contribution_n=Subquery(reviews.annotate(n=Count("pk")).values("n")),
            contribution_sum=Subquery(reviews.annotate(total=Sum("score")).values("total")),
        )
    return rows


def _minutes(us: int | None) -> Fraction | None:
    return Fraction(us, US_PER_MINUTE) if us is not None else None


def contribution(ticket: Ticket, kpi: str, template: TemplateSpec) -> Contribution:
    """One drill-down row's part of the figure (its row from `contribution_annotate`)."""
    if kpi in FACT_KPIS:
        facts: TicketFacts | None = getattr(ticket, "facts", None)
        return _from_facts(facts, ticket, kpi, template) if facts else Contribution()
    if kpi in EVENT_KINDS:
        return Contribution(value=Fraction(getattr(ticket, "contribution_n", 0) or 0))
    if kpi == "qa_score":
        n, total = (
            getattr(ticket, "contribution_n", None),
            getattr(ticket, "contribution_sum", None),
        )
        if not n or total is None:
            return Contribution()
        note = _("%(n)s reviews") % {"n": n} if n > 1 else ""
        return Contribution(value=Fraction(str(total)) / n, note=note)
    if kpi == "weighted_volume":
        return Contribution(value=template.category_weights.get(ticket.category or "", Fraction(1)))
    return Contribution(value=Fraction(1))  # handled_volume: one ticket, counted once


def _from_facts(
    facts: TicketFacts, ticket: Ticket, kpi: str, template: TemplateSpec
) -> Contribution:
    if kpi == "first_reply_time":
        return Contribution(value=_minutes(facts.first_reply_us))
    if kpi == "first_reply_time_business":
        return Contribution(value=_minutes(facts.first_reply_business_us))
    if kpi == "sla_first_reply_rate":
        minutes = _minutes(facts.first_reply_business_us)
        target = template.first_reply_target.get(ticket.priority)
        met = minutes is not None and target is not None and minutes <= target
        return Contribution(value=minutes, counted=met)
    if kpi == "resolution_time":
        return Contribution(value=_minutes(facts.resolution_us))
    if kpi == "resolution_time_business":
        return Contribution(value=_minutes(facts.resolution_business_us))
    if kpi == "resolution_time_index":
        minutes = _minutes(facts.resolution_business_us)
        target = template.category_targets.get(
            ticket.category or "", template.default_category_target
        )
        return Contribution(value=minutes / target if minutes is not None else None)
    if kpi == "reopen_rate":
        return Contribution(counted=facts.reopens >= 1, note=_counts(facts))
    if kpi == "fcr_rate":
        first = facts.reopens == 0 and facts.transfers == 0 and facts.escalations == 0
        return Contribution(counted=first, note=_counts(facts))
    if kpi == "one_touch_rate":
        one = facts.agent_replies == 1 and facts.reopens == 0
        return Contribution(counted=one, note=_counts(facts))
    if kpi == "csat_rate":
        rating = facts.rating
        return Contribution(counted=rating is not None and rating >= 4, note=f"{rating} ★")
    if kpi == "csat_avg":
        return Contribution(value=Fraction(facts.rating) if facts.rating is not None else None)
    retained = facts.return_outcome in RETURN_OUTCOMES_RETAINED
    return Contribution(counted=retained, outcome=facts.return_outcome)


def _counts(facts: TicketFacts) -> str:
    """Replies, reopens, transfers, escalations: what the resolution shares look at."""
    return _(
        "%(replies)s replies · %(reopens)s reopens · %(transfers)s transfers · "
        "%(escalations)s escalations"
    ) % {
        "replies": facts.agent_replies,
        "reopens": facts.reopens,
        "transfers": facts.transfers,
        "escalations": facts.escalations,
    }


def segment_tickets(
    *, dimension: str, segment: str, start: datetime, end: datetime
) -> QuerySet[Ticket]:
    """The solved tickets behind one segment's figures (`metrics.selectors.segment_view`): last
    solved in [start, end) with `segment` as their value of `dimension` ("" = none), with their
    facts, newest solve first."""
    if dimension not in SEGMENT_DIMENSIONS:
        raise ValidationError(
            f"dimension must be one of {', '.join(SEGMENT_DIMENSIONS)}", field="dimension"
        )
    period_validate(start, end)
    field = SEGMENT_DIMENSIONS[dimension]
    facts = TicketFacts.objects.filter(last_solve_at__gte=start, last_solve_at__lt=end, solved=True)
    if segment:
        facts = facts.filter(**{field: segment})
    else:  # the segment view shows a missing value (NULL: no profile) and "" as "(none)"
        facts = facts.filter(Q(**{field: ""}) | Q(**{f"{field}__isnull": True}))
    return (
        Ticket.objects.filter(pk__in=facts.values("ticket_id"))
        .select_related("facts", "assignee", "facts__resolver")
        .order_by("-facts__last_solve_at", "-id")
    )
