"""Writes of the metrics app: keeping per-ticket facts current."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import User
from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.calendars.models import Calendar
from afterdesk.core.errors import NotFound
from afterdesk.metrics.facts import EventRow, compute_facts
from afterdesk.metrics.models import (
    MetricsSettings,
    PublishedScorecard,
    ScorecardTemplate,
    ScorecardTemplateVersion,
    TicketFacts,
)
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.templates import template_parse
from afterdesk.tickets.models import Ticket, TicketEvent

FACT_FIELDS = [f.name for f in TicketFacts._meta.concrete_fields if f.name not in ("ticket",)]
FACT_FIELDS.remove("computed_at")


def _us(duration: timedelta | None) -> int | None:
    """Exact integer microseconds of a duration."""
    if duration is None:
        return None
    return (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds


def _calendar(
    calendar: Calendar | None, cache: dict[int, BusinessCalendar]
) -> BusinessCalendar | None:
    if calendar is None:
        return None
    if calendar.pk not in cache:
        cache[calendar.pk] = BusinessCalendar.from_fields(
            tz=calendar.tz, hours=calendar.hours, holidays=calendar.holidays
        )
    return cache[calendar.pk]


def facts_refresh(*, ticket_ids: Iterable[int], chunk_size: int = 2000) -> int:
    """Recompute the facts of these tickets from their events (METRICS.md §3); returns count."""
    ids = list(ticket_ids)
    calendars: dict[int, BusinessCalendar] = {}
    done = 0
    for start in range(0, len(ids), chunk_size):
        done += _refresh_chunk(ids[start : start + chunk_size], calendars)
    return done


def _refresh_chunk(ids: Sequence[int], calendars: dict[int, BusinessCalendar]) -> int:
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("calendar"))
    events: dict[int, list[EventRow]] = defaultdict(list)
    for ticket_id, kind, at, agent_id, subtype, score, fields in (
        TicketEvent.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "kind", "at", "agent_id", "subtype", "score", "fields")
    ):
        events[ticket_id].append(EventRow(kind, at, agent_id, subtype, score, fields))
    rows = []
    for ticket in tickets:
        facts = compute_facts(
            created_at=ticket.created_at,
            calendar=_calendar(ticket.calendar, calendars),
            events=events[ticket.pk],
        )
        rows.append(
            TicketFacts(
                ticket_id=ticket.pk,
                customer_initiated=facts.customer_initiated,
                agent_replies=facts.agent_replies,
                first_reply_at=facts.first_reply_at,
                first_reply_agent_id=facts.first_reply_agent_id,
                first_reply_us=_us(facts.first_reply),
                first_reply_business_us=_us(facts.first_reply_business),
                solved=facts.solved,
                last_solve_at=facts.last_solve_at,
                resolver_id=facts.resolver_id,
                resolution_us=_us(facts.resolution),
                resolution_business_us=_us(facts.resolution_business),
                reopens=facts.reopens,
                transfers=facts.transfers,
                escalations=facts.escalations,
                rating=facts.rating,
                rating_at=facts.rating_at,
                rating_agent_id=facts.rating_agent_id,
                return_outcome=facts.return_outcome or "",
                return_at=facts.return_at,
                return_agent_id=facts.return_agent_id,
            )
        )
    TicketFacts.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=[*FACT_FIELDS, "computed_at"],
    )
    return len(rows)


@transaction.atomic
def template_save(
    *, definition: dict[str, Any], by: User | None = None, role: str = ""
) -> ScorecardTemplateVersion:
    """Validate and store a template; an unchanged definition keeps its current version."""
    spec = template_parse(definition)
    template, _ = ScorecardTemplate.objects.get_or_create(
        key=spec.id, defaults={"name": spec.name, "role": role}
    )
    template.name = spec.name
    template.role = role or template.role
    template.save(update_fields=["name", "role"])
    latest = template.versions.order_by("-number").first()
    if latest is not None and latest.definition == definition:
        return latest
    return ScorecardTemplateVersion.objects.create(
        template=template,
        number=(latest.number + 1) if latest else 1,
        definition=definition,
        created_by=by,
    )


def template_version_latest(*, key: str) -> ScorecardTemplateVersion:
    version = (
        ScorecardTemplateVersion.objects.filter(template__key=key)
        .select_related("template")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NotFound(f"no scorecard template {key!r}")
    return version


@transaction.atomic
def scorecard_publish(
    *, template_key: str, start: datetime, end: datetime, by: User | None = None
) -> PublishedScorecard:
    """Freeze a scorecard for a period with the template version it used."""
    version = template_version_latest(key=template_key)
    spec = template_parse(version.definition)
    rows = [
        row.as_json(detailed=True) for row in scorecard_compute(start=start, end=end, template=spec)
    ]
    return PublishedScorecard.objects.create(
        template_version=version, period_start=start, period_end=end, rows=rows, published_by=by
    )


def metrics_settings_update(*, public_leaderboard: bool) -> MetricsSettings:
    settings_row = MetricsSettings.load()
    settings_row.public_leaderboard = public_leaderboard
    settings_row.save(update_fields=["public_leaderboard", "updated_at"])
    return settings_row
