"""The weekly review's stored figures kept current in the background (docs/reports.md, "Stored
figures").

A change dated in a review's weeks makes its stored figures stale, and the next request
computes them again (seconds at a million tickets). On a live desk changes come every minute,
so without this the first viewer after each change would wait. `reviews_warm` (every minute,
`reports.tasks`; once, `afterdesk reports warm`) finds the reviews that were asked for
recently and whose stored figures are no longer current, and computes the review as a request
would: it reads and stores through the same `KpiStore`, so what it stores is exactly what a
request would have computed, and a request still computes whatever is stale when it comes
(the store's versions decide, never this task).

Which reviews: the review's own period is the only one whose SLA breaches are stored (the
trend and previous weeks keep KPIs only), so a stored breaches row names a review that was
viewed: its period and scoring (the scopes' agents and targets are in its key). The task
looks, for the weeks from the current one back to `WARM_WEEKS` complete weeks (the default
review is the last complete one), and for every scoring (each agent's own template; each
template's agents only; each template as what-if), whether that row exists; it then
recomputes those reviews with any stale figure in their span (the period, the previous one and
the trend weeks). Older weeks and `from`/`to` periods are computed on request as before.

Idempotent and crash-safe: each figure is stored in its own statement with the versions it was
computed at, so a second run finds them current and does nothing, a concurrent one stores the
same figures, and a crash keeps what was stored and leaves the rest stale for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from afterdesk.metrics.models import ScorecardTemplate, StoredKpis
from afterdesk.metrics.selectors import period_bounds, previous_period
from afterdesk.metrics.stored import day_versions, kpis_key, period_days, period_versions
from afterdesk.metrics.templates import TemplateSpec
from afterdesk.reports import services
from afterdesk.reports.review import breaches_key, sla_scopes, weekly_review
from afterdesk.reports.trends import OwnTemplates, trend_weeks

logger = logging.getLogger(__name__)
WARM_WEEKS = 4  # complete weeks warmed, besides the current one: the default review and 3 more


@dataclass(frozen=True)
class ReviewAsked:
    """A review that had stored figures: its period and scoring (as `weekly_review` takes)."""

    start: datetime
    end: datetime
    template: TemplateSpec | None
    own_template: str | None

    @property
    def label(self) -> str:
        if self.template is not None:
            return f"{self.start:%Y-%m-%d} template={self.template.id}"
        scoring = f"own_template={self.own_template}" if self.own_template else "own templates"
        return f"{self.start:%Y-%m-%d} {scoring}"

    @property
    def span(self) -> tuple[datetime, datetime]:
        """Every period whose figures the review reads lies in [start, end) of this."""
        previous_start, _ = previous_period(self.start, self.end)
        weeks = trend_weeks(self.end)
        return min(previous_start, weeks[0][0]), max(self.end, weeks[-1][1])


def warm_weeks(
    *, now: datetime | None = None, count: int = WARM_WEEKS
) -> list[tuple[datetime, datetime]]:
    """The current (incomplete) week and the `count` complete weeks before it, newest first, as
    `reports.params.review_period` gives them (Monday–Monday in the desk's time zone)."""
    current = (now or timezone.now()).astimezone(timezone.get_default_timezone())
    start, end = period_bounds(kind="week", containing=current)
    weeks = [(start, end)]
    for _ in range(count):
        start, end = period_bounds(kind="week", containing=start - timedelta(days=1))
        weeks.append((start, end))
    return weeks


def reviews_asked(*, now: datetime | None = None) -> list[ReviewAsked]:
    """The reviews of `warm_weeks` whose SLA breaches are stored (so they were viewed), under
    every scoring that exists now (a template changed since is a new key: not found)."""
    templates = list(ScorecardTemplate.objects.order_by("key").values_list("key", flat=True))
    what_ifs = [services.template_get(key=key) for key in templates]
    own = OwnTemplates()
    candidates: dict[tuple[str, ...], ReviewAsked] = {}
    for start, end in warm_weeks(now=now):
        own_at_end = own.at(end)
        scorings: list[tuple[TemplateSpec | None, str | None]] = [(None, None)]
        scorings += [(None, key) for key in templates] + [(spec, None) for spec in what_ifs]
        for template, own_template in scorings:
            scopes = sla_scopes(template=template, own=own_at_end, own_template=own_template)
            keys: tuple[str, ...] = (breaches_key(start=start, end=end, scopes=scopes),)
            if template is not None:  # the breaches read only the targets: the KPIs too
                keys += (kpis_key(start=start, end=end, template=template),)
            # Scorings with the same keys read the same stored figures: warmed once.
            candidates.setdefault(keys, ReviewAsked(start, end, template, own_template))
    wanted = [key for keys in candidates for key in keys]
    found = set(StoredKpis.objects.filter(key__in=wanted).values_list("key", flat=True))
    return [review for keys, review in candidates.items() if found.issuperset(keys)]


def stale_in(start: datetime, end: datetime) -> bool:
    """Whether any figures stored for a period inside [start, end) were computed at versions
    other than the current ones (two queries; the figures themselves are not read)."""
    current = day_versions(*period_days(start, end))
    stored = StoredKpis.objects.filter(period_start__gte=start, period_end__lte=end).values_list(
        "period_start", "period_end", "versions"
    )
    return any(
        versions != period_versions(current, period_start, period_end)
        for period_start, period_end, versions in stored
    )


def reviews_warm(*, now: datetime | None = None) -> list[str]:
    """Recompute (and store) the stale figures of every review `reviews_asked` finds; returns
    the reviews recomputed. Runs the review as a request would, so anything still current is
    read, not computed."""
    done = []
    for review in reviews_asked(now=now):
        if not stale_in(*review.span):
            continue
        try:
            weekly_review(
                start=review.start,
                end=review.end,
                template=review.template,
                own_template=review.own_template,
            )
        except Exception:  # one review failing must not keep the others stale for good
            logger.exception("weekly review refresh failed: %s", review.label)
            continue
        done.append(review.label)
    return done
