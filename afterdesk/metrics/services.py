"""Writes of the metrics app: keeping per-ticket facts current."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.calendars.models import Calendar
from afterdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from afterdesk.metrics.assignments import version_in_force
from afterdesk.metrics.facts import Facts, compute_facts
from afterdesk.metrics.models import (
    MetricsSettings,
    PublishedScorecard,
    ReplyWait,
    ScorecardTemplate,
    ScorecardTemplateVersion,
    TicketFacts,
)
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.stored import EPOCH, EPOCH_ORDINAL
from afterdesk.metrics.templates import template_parse
from afterdesk.tickets.log_reader import (
    EventRow,
    TicketHead,
    ticket_history_load,
    ticket_ids_condition,
)

# TicketFacts columns in the order `facts_row` gives them.
FACTS_COLUMNS = (
    "ticket_id",
    "customer_initiated",
    "agent_replies",
    "first_reply_at",
    "first_reply_agent_id",
    "first_reply_us",
    "first_reply_business_us",
    "solved",
    "last_solve_at",
    "resolver_id",
    "resolution_us",
    "resolution_business_us",
    "reopens",
    "transfers",
    "escalations",
    "rating",
    "rating_at",
    "rating_agent_id",
    "return_outcome",
    "return_at",
    "return_agent_id",
    "computed_at",
)

# ReplyWait columns in the order `reply_wait_rows` gives them.
REPLY_WAIT_COLUMNS = (
    "reply_event_id",
    "ticket_id",
    "agent_id",
    "at",
    "inbound_event_id",
    "waiting_since",
    "elapsed_us",
    "business_us",
)

ONE_DAY = timedelta(days=1)


def _us(duration: timedelta | None) -> int | None:
    """Exact integer microseconds of a duration."""
    if duration is None:
        return None
    return (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds


class DayCachedCalendar(BusinessCalendar):
    """A BusinessCalendar that remembers each local date's open intervals: recomputing facts
    for many tickets asks for the same dates over and over (zoneinfo conversions dominated)."""

    def open_intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        days: dict[date, tuple[tuple[datetime, datetime], ...]]
        days = self.__dict__.setdefault("_days", {})  # frozen dataclass: no __setattr__
        day = first
        while day <= last:
            intervals = days.get(day)
            if intervals is None:
                intervals = days[day] = tuple(super().open_intervals(day, day))
            yield from intervals
            day += ONE_DAY


def business_calendar(
    calendar_id: int | None, cache: dict[int, BusinessCalendar]
) -> BusinessCalendar | None:
    """The BusinessCalendar of a calendar id (None: 24×7), loaded once per cache."""
    if calendar_id is None:
        return None
    if calendar_id not in cache:
        calendar = Calendar.objects.get(pk=calendar_id)
        cache[calendar_id] = DayCachedCalendar.from_fields(
            tz=calendar.tz, hours=calendar.hours, holidays=calendar.holidays
        )
    return cache[calendar_id]


def facts_row(
    *,
    ticket_id: int,
    facts: Facts,
    computed_at: Any,
    moment: Callable[[datetime | None], Any] | None = None,
) -> tuple[Any, ...]:
    """One TicketFacts row, database-ready, in FACTS_COLUMNS order. `computed_at` is already
    database-ready; `moment` adapts the other datetimes (default: the connection's adapter,
    looked up once per row — pass it when building many rows)."""
    moment = moment or connection.ops.adapt_datetimefield_value
    return (
        ticket_id,
        facts.customer_initiated,
        facts.agent_replies,
        moment(facts.first_reply_at),
        facts.first_reply_agent_id,
        _us(facts.first_reply),
        _us(facts.first_reply_business),
        facts.solved,
        moment(facts.last_solve_at),
        facts.resolver_id,
        _us(facts.resolution),
        _us(facts.resolution_business),
        facts.reopens,
        facts.transfers,
        facts.escalations,
        facts.rating,
        moment(facts.rating_at),
        facts.rating_agent_id,
        facts.return_outcome or "",
        moment(facts.return_at),
        facts.return_agent_id,
        computed_at,
    )


def reply_wait_rows(
    *, ticket_id: int, facts: Facts, moment: Callable[[datetime | None], Any]
) -> list[tuple[Any, ...]]:
    """The ReplyWait rows of one ticket, database-ready, in REPLY_WAIT_COLUMNS order."""
    return [
        (
            wait.reply_id,
            ticket_id,
            wait.agent_id,
            moment(wait.at),
            wait.inbound_id,
            moment(wait.waiting_since),
            _us(wait.elapsed),
            _us(wait.business),
        )
        for wait in facts.reply_waits
    ]


def reply_waits_replace(*, ticket_ids: Sequence[int], rows: Sequence[Sequence[Any]]) -> None:
    """Make the stored reply waits of these tickets exactly `rows` (REPLY_WAIT_COLUMNS order).

    What is stored is read first, integers only (an event's instant never changes, so the
    reply, agent, answered message and both durations identify a wait); only the tickets
    whose waits differ are rewritten, with one DELETE and one bulk insert (PostgreSQL COPY,
    SQLite executemany of a one-row INSERT). A rebuild that changes nothing writes nothing."""
    if not ticket_ids:
        return
    # (ticket, reply, agent, answered message, elapsed, business) of every wait
    wanted = {(row[1], row[0], row[2], row[4], row[6], row[7]) for row in rows}
    quote = connection.ops.quote_name
    table = quote(ReplyWait._meta.db_table)
    with connection.cursor() as cursor:
        where, params = ticket_ids_condition(ticket_ids)
        cursor.execute(
            f"SELECT {quote('ticket_id')}, {quote('reply_event_id')}, {quote('agent_id')}, "  # noqa: S608
            f"{quote('inbound_event_id')}, {quote('elapsed_us')}, {quote('business_us')} "
            f"FROM {table} WHERE {where}",
            params,
        )
        differ = wanted.symmetric_difference(map(tuple, cursor.fetchall()))
        if not differ:
            return
        changed = {wait[0] for wait in differ}
        where, params = ticket_ids_condition(sorted(changed))
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
        new = [row for row in rows if row[1] in changed]
        if not new:
            return
        if connection.vendor == "postgresql":
            columns = ", ".join(quote(column) for column in REPLY_WAIT_COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in new:
                    copy.write_row(row)
        else:
            reply_waits_insert(new)


def reply_waits_insert(rows: Sequence[Sequence[Any]]) -> None:
    """Insert these reply waits (REPLY_WAIT_COLUMNS order): one INSERT through executemany."""
    if not rows:
        return
    _execute_rows(_reply_waits_insert_sql(connection.vendor), rows)


def _execute_rows(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One statement for each row, through executemany; a single row (an action's usual
    share) through execute, which on PostgreSQL spares the pipeline executemany opens."""
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


# The statements' texts, built once per database kind (the live path runs them on every action).


@functools.cache
def _reply_waits_insert_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in REPLY_WAIT_COLUMNS)
    return (  # only quoted identifiers are interpolated; values are parameters
        f"INSERT INTO {quote(ReplyWait._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(REPLY_WAIT_COLUMNS))})"
    )


@functools.cache
def _facts_upsert_sql(vendor: str) -> str:
    """FACTS_COLUMNS and `changed_days` (metrics.stored), inserted or replaced."""
    quote = connection.ops.quote_name
    written = (*FACTS_COLUMNS, "changed_days")
    columns = ", ".join(quote(column) for column in written)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in written[1:])
    return (  # only quoted identifiers are interpolated; values are parameters
        f"INSERT INTO {quote(TicketFacts._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(written))}) "
        f"ON CONFLICT ({quote('ticket_id')}) DO UPDATE SET {updates}"
    )


def _instant_writer() -> Callable[[datetime | None], Any]:
    """Aware datetimes as the database column takes them (what Django's adapter does, without
    its per-call settings look-ups): PostgreSQL adapts them itself; SQLite stores UTC text."""
    if connection.vendor != "sqlite":
        return lambda value: value

    def write(value: datetime | None) -> str | None:
        if value is None:
            return None
        return str(value.astimezone(UTC).replace(tzinfo=None))

    return write


def facts_store(
    *,
    tickets: Iterable[TicketHead],
    events: Mapping[int, Sequence[EventRow]],
    calendars: dict[int, BusinessCalendar],
    appended: Mapping[int, Sequence[int]] | None = None,
) -> int:
    """Compute and write (insert or replace) the facts and reply waits of these tickets;
    returns the count. Facts: one single-row upsert through executemany (the statement text
    is the same every time); waits: those that changed, with one DELETE and one bulk insert.

    `appended` (`tickets.consumers`): tickets whose log only grew by these events, dated
    after every stored one. A reply wait depends only on the events up to its reply, so
    such a ticket's stored waits stay as they are and only the waits of its new replies are
    inserted, without reading the stored ones.

    The UTC days of the tickets' events are recorded as changed (`metrics.stored`), in the
    facts' own statement: the stored KPI figures of periods holding them are computed again
    when next asked for."""
    appended = appended or {}
    moment = _instant_writer()
    now = moment(timezone.now())
    ids: list[int] = []
    rows: list[tuple[Any, ...]] = []
    waits: list[tuple[Any, ...]] = []
    new_waits: list[tuple[Any, ...]] = []
    days: set[int] = set()  # of every event of these tickets, as days since the epoch
    for pk, created_at, calendar_id in tickets:
        log = events.get(pk, ())
        days.update([(event.at - EPOCH).days for event in log])
        facts = compute_facts(
            created_at=created_at,
            calendar=business_calendar(calendar_id, calendars),
            events=log,
        )
        rows.append(facts_row(ticket_id=pk, facts=facts, computed_at=now, moment=moment))
        if pk in appended:
            new = set(appended[pk])
            new_waits += [
                wait
                for wait in reply_wait_rows(ticket_id=pk, facts=facts, moment=moment)
                if wait[0] in new
            ]
            continue
        ids.append(pk)
        if facts.reply_waits:
            waits += reply_wait_rows(ticket_id=pk, facts=facts, moment=moment)
    if rows:
        # The first row carries every day of the batch: the database records them as changed
        # in this very statement (migration metrics 0011), so the stored KPI figures of those
        # days are no longer current (metrics.stored); the other rows carry none.
        changed = json.dumps(
            [date.fromordinal(EPOCH_ORDINAL + n).isoformat() for n in sorted(days)]
        )
        rows = [(*row, changed if index == 0 else None) for index, row in enumerate(rows)]
        _execute_rows(_facts_upsert_sql(connection.vendor), rows)
    reply_waits_replace(ticket_ids=ids, rows=waits)
    reply_waits_insert(new_waits)
    return len(rows)


def facts_refresh(*, ticket_ids: Iterable[int], chunk_size: int = 2000) -> int:
    """Recompute the facts of these tickets from their events (docs/metrics.md, "Per-ticket
    facts"); returns how many."""
    ids = list(ticket_ids)
    calendars: dict[int, BusinessCalendar] = {}
    done = 0
    for start in range(0, len(ids), chunk_size):
        done += _refresh_chunk(ids[start : start + chunk_size], calendars)
    return done


def _refresh_chunk(ids: Sequence[int], calendars: dict[int, BusinessCalendar]) -> int:
    tickets, events = ticket_history_load(ticket_ids=ids)
    return facts_store(tickets=tickets, events=events, calendars=calendars)


@transaction.atomic
def template_save(
    *,
    definition: dict[str, Any],
    by: User | None = None,
    role: str = "",
    effective_from: datetime | None = None,
) -> ScorecardTemplateVersion:
    """Validate and store a template; an unchanged definition keeps its current version.

    A new version scores the periods ending after `effective_from` (default: now); earlier
    periods keep the version that was in force then (docs/metrics.md, "Positions and
    templates")."""
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
        effective_from=effective_from or timezone.now(),
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


class Publication(NamedTuple):
    """A published scorecard and whether this call wrote it (False: it was already there)."""

    scorecard: PublishedScorecard
    created: bool

    @property
    def message(self) -> str:
        published = self.scorecard
        if self.created:
            return "published"
        return (
            f"this period of template {published.template.key!r} was already published "
            f"({'its group' if published.scope == 'group' else 'what-if'}) on "
            f"{published.published_at:%Y-%m-%d %H:%M} UTC (#{published.pk}); a published "
            "scorecard is frozen, so that one is returned unchanged"
        )


@transaction.atomic
def scorecard_publish(
    *,
    start: datetime,
    end: datetime,
    template_key: str | None = None,
    own_template: str | None = None,
    by: User | None = None,
) -> Publication:
    """Freeze a scorecard for a period with the template version it used: everyone under
    `template_key`'s latest version (what-if), or the agents whose own template is
    `own_template`, ranked within it, under the version in force at the period's end
    (docs/metrics.md, "Positions and templates"). A template's period is published once: a
    second publish of the same kind (also a concurrent one) returns the first, unchanged."""
    if (template_key is None) == (own_template is None):
        raise ValidationError("give either template or own_template", field="template")
    if template_key is not None:
        version = template_version_latest(key=template_key)
    else:
        versions = list(
            ScorecardTemplateVersion.objects.filter(template__key=own_template).select_related(
                "template"
            )
        )
        if not versions:
            raise NotFound(f"no scorecard template {own_template!r}")
        version = version_in_force(versions, end)
    scope = "what_if" if template_key is not None else "group"
    existing = _published_find(version=version, scope=scope, start=start, end=end)
    if existing is not None:
        return Publication(existing, created=False)
    if template_key is not None:
        scored = scorecard_compute(
            start=start, end=end, template=template_parse(version.definition)
        )
    else:
        scored = [
            row for row in scorecard_compute(start=start, end=end) if row.template == own_template
        ]
    try:
        with transaction.atomic():  # a savepoint: a concurrent publish may win the constraint
            published = PublishedScorecard.objects.create(
                template_version=version,
                template=version.template,
                scope=scope,
                period_start=start,
                period_end=end,
                rows=[row.as_json(detailed=True) for row in scored],
                published_by=by,
            )
    except IntegrityError:
        existing = _published_find(version=version, scope=scope, start=start, end=end)
        if existing is None:
            raise
        return Publication(existing, created=False)
    return Publication(published, created=True)


def _published_find(
    *, version: ScorecardTemplateVersion, scope: str, start: datetime, end: datetime
) -> PublishedScorecard | None:
    """The template's period published this way; else one published before the kind was
    recorded (scope null, migration metrics 0008) with this very version, which is adopted."""
    period = PublishedScorecard.objects.select_related("template").filter(
        template_id=version.template_id, period_start=start, period_end=end
    )
    found = period.filter(scope=scope).first()
    if found is None:
        found = period.filter(scope=None, template_version=version).order_by("id").first()
        if found is not None:
            found.scope = scope
            found.save(update_fields=["scope"])
    return found


# A publish can be taken back by whoever published it (or an admin) for this long: time to
# notice a wrong period or template before anyone relies on the frozen figures (docs/ui.md,
# "Confirmations and undo").
PUBLISH_UNDO_WINDOW = timedelta(minutes=10)


def scorecard_publish_undo_until(published: PublishedScorecard) -> datetime:
    return published.published_at + PUBLISH_UNDO_WINDOW


def scorecard_publish_can_undo(published: PublishedScorecard, *, by: User, now: datetime) -> bool:
    mine = published.published_by_id == by.pk or by.can_configure
    return mine and now < scorecard_publish_undo_until(published)


def scorecard_unpublish(*, published: PublishedScorecard, by: User, now: datetime) -> None:
    """Take a publish back within PUBLISH_UNDO_WINDOW: the frozen scorecard is deleted, and the
    period can be published again. Later, or by someone else, it is refused."""
    if published.published_by_id != by.pk and not by.can_configure:
        raise PermissionDenied("only who published a scorecard (or an admin) may undo it")
    if now >= scorecard_publish_undo_until(published):
        raise Conflict("the undo window of this publish has passed: it stays published")
    PublishedScorecard.objects.filter(pk=published.pk).delete()


def metrics_settings_update(*, public_leaderboard: bool) -> MetricsSettings:
    settings_row = MetricsSettings.load()
    settings_row.public_leaderboard = public_leaderboard
    settings_row.save(update_fields=["public_leaderboard", "updated_at"])
    return settings_row
