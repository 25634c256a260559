"""Which policy a ticket falls under and its stored clock state (`TicketSla`), recomputed
from its log whenever it changes (docs/sla.md, "State and the sweep")."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.teams import scheduled_calendar, team_schedules_load
from afterdesk.commerce.models import Customer
from afterdesk.core.timeutil import format_instant
from afterdesk.sla.clock import (
    TARGETS,
    Clocks,
    Rules,
    Written,
    clocks_compute,
    next_at,
    pending_events,
)
from afterdesk.sla.models import Hours, Policy, TicketSla
from afterdesk.tickets.events import SLA_EVENT_TYPES
from afterdesk.tickets.log_reader import EventRow, TicketHead, ticket_history_load
from afterdesk.tickets.models import Ticket

CONDITION_FIELDS = ("channels", "platforms", "markets", "languages", "categories", "priorities")
# The ticket attribute each list condition looks at.
CONDITION_ATTRS = {
    "channels": "channel",
    "platforms": "platform",
    "markets": "market",
    "languages": "language",
    "categories": "category",
    "priorities": "priority",
}


@dataclass(frozen=True)
class TicketAttrs:
    """What the policies' conditions read of a ticket."""

    pk: int
    channel: str
    platform: str
    store_id: int | None
    market: str
    language: str
    category: str
    priority: str
    order_value: Decimal | None
    calendar_id: int | None
    tags: frozenset[str]
    team_id: int | None = None
    customer_tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyView:
    """A policy as the matching needs it (read once per batch of tickets)."""

    policy: Policy
    store_ids: frozenset[int]

    def matches(self, ticket: TicketAttrs) -> bool:
        policy = self.policy
        for name, attr in CONDITION_ATTRS.items():
            accepted = getattr(policy, name)
            if accepted and getattr(ticket, attr) not in accepted:
                return False
        if self.store_ids and ticket.store_id not in self.store_ids:
            return False
        if policy.tags and not ticket.tags & set(policy.tags):
            return False
        if policy.customer_tags and not ticket.customer_tags & set(policy.customer_tags):
            return False
        low, high = policy.order_value_min, policy.order_value_max
        if low is not None or high is not None:
            value = ticket.order_value
            if value is None:
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True


def policies_load() -> list[PolicyView]:
    """The enabled policies in their order, with their stores."""
    policies = Policy.objects.filter(enabled=True).order_by("position", "id")
    return [PolicyView(policy, frozenset(policy.stores or ())) for policy in policies]


def policy_for(policies: Sequence[PolicyView], ticket: TicketAttrs) -> Policy | None:
    """The first enabled policy whose every condition holds."""
    for view in policies:
        if view.matches(ticket):
            return view.policy
    return None


ATTR_COLUMNS = (
    "id",
    "channel",
    "platform",
    "store_id",
    "market",
    "language",
    "category",
    "priority",
    "order_value",
    "calendar_id",
)


def tickets_attrs(ticket_ids: Sequence[int], *, tags: bool = True) -> dict[int, TicketAttrs]:
    """The tickets' attributes; their tags only with `tags` (no policy looks at them: one
    query less on every change)."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk",
        "channel",
        "platform",
        "store_id",
        "market",
        "language",
        "category",
        "priority",
        "order_value",
        "calendar_id",
        "team_id",
        "customer__tags",
    )
    names: dict[int, set[str]] = defaultdict(set)
    if tags:
        through = Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids)
        for ticket_id, name in through.values_list("ticket_id", "tag__name"):
            names[ticket_id].add(name)
    return {
        row[0]: TicketAttrs(
            *row[:10],
            tags=frozenset(names[row[0]]),
            team_id=row[10],
            customer_tags=frozenset(row[11] or ()),
        )
        for row in rows
    }


def calendar_get(calendar_id: int | None, cache: dict[Any, Any]) -> Any:
    if calendar_id is None:
        return None
    if calendar_id not in cache:
        calendar = Calendar.objects.filter(pk=calendar_id).first()
        cache[calendar_id] = (
            BusinessCalendar.from_fields(
                tz=calendar.tz, hours=calendar.hours, holidays=calendar.holidays
            )
            if calendar is not None
            else None
        )
    return cache[calendar_id]


def team_calendar_get(
    ticket: TicketAttrs, fallback: BusinessCalendar | None, cache: dict[Any, Any]
) -> Any:
    """The ticket's team's schedules for its market as one calendar (dates no schedule
    covers count in `fallback`), or `fallback` when the team has none; read once per team
    and notification (the cache)."""
    if ticket.team_id is None:
        return fallback
    key = ("team", ticket.team_id)
    if key not in cache:
        cache[key] = team_schedules_load([ticket.team_id]).get(ticket.team_id, [])
    schedules = cache[key]
    found = scheduled_calendar(schedules, ticket.market or "", fallback) if schedules else None
    return found if found is not None else fallback


def rules_for(policy: Policy, ticket: TicketAttrs, calendars: dict[Any, Any]) -> Rules:
    """The policy's rules for this ticket: its priority's targets, in the policy's calendar
    (or the ticket's own; with `team` hours the ticket's team's schedules first), or in
    elapsed time."""
    targets = {
        target: int(minutes)
        for target, minutes in (policy.targets.get(ticket.priority) or {}).items()
        if target in TARGETS and minutes is not None
    }
    calendar = None
    if policy.hours in (Hours.BUSINESS, Hours.TEAM):
        calendar = calendar_get(policy.calendar_id or ticket.calendar_id, calendars)
        if policy.hours == Hours.TEAM:
            calendar = team_calendar_get(ticket, calendar, calendars)
        if calendar is not None and not calendar.has_open_hours():
            # A calendar without any open hours would never reach a deadline; its clocks
            # count elapsed time instead (docs/sla.md, "Policies").
            calendar = None
    return Rules(
        targets=targets,
        calendar=calendar,
        pause_statuses=frozenset(policy.pause_statuses or ()),
        warning_minutes=policy.warning_minutes,
    )


def written_events(events: Sequence[EventRow]) -> list[Written]:
    return [Written(e.kind, e.subtype, e.at) for e in events if e.kind in SLA_EVENT_TYPES]


@dataclass
class Computed:
    """One ticket's clocks under its policy, and what is left for the sweep to write."""

    ticket: TicketAttrs
    policy: Policy | None
    clocks: Clocks
    rules: Rules | None


def ticket_compute(
    *,
    ticket: TicketAttrs,
    created_at: datetime,
    events: Sequence[EventRow],
    policies: Sequence[PolicyView],
    calendars: dict[Any, Any],
) -> Computed:
    policy = policy_for(policies, ticket)
    if policy is None:
        return Computed(ticket, None, Clocks(), None)
    rules = rules_for(policy, ticket, calendars)
    clocks = clocks_compute(created_at=created_at, events=events, rules=rules)
    return Computed(ticket, policy, clocks, rules)


def state_row(computed: Computed, events: Sequence[EventRow], now: datetime) -> TicketSla:
    clocks = computed.clocks
    row = TicketSla(
        ticket_id=computed.ticket.pk,
        policy=computed.policy,
        paused=clocks.paused,
        computed_at=now,
        next_at=next_at(pending_events(clocks, written_events(events))),
    )
    for target in TARGETS:
        timer = clocks.current(target)
        setattr(row, f"{target}_due", timer.due if timer is not None else None)
    row.clocks = [
        {
            "target": t.target,
            "started_at": format_instant(t.started_at),
            "due": format_instant(t.due) if t.due else None,
            "warn_at": format_instant(t.warn_at) if t.warn_at else None,
            "ended_at": format_instant(t.ended_at) if t.ended_at else None,
            "end": t.end,
            "running": t.running,
            "met": t.met,
            "elapsed_seconds": t.elapsed.total_seconds(),
            "limit_minutes": t.limit.total_seconds() / 60,
        }
        for t in clocks.timers
    ]
    return row


STATE_FIELDS = [
    "policy",
    "first_reply_due",
    "next_reply_due",
    "periodic_update_due",
    "resolution_due",
    "paused",
    "next_at",
    "clocks",
    "computed_at",
]


# The enabled policies as last read by this process, by the JSON text they were read as: a
# change of a ticket reads them along with the ticket (one query) and builds them again only
# when that text changed.
_policies_read: tuple[str, list[PolicyView]] | None = None
POLICY_COLUMNS = [
    str(f.column)
    for f in Policy._meta.concrete_fields
    if f.name not in ("created_at", "updated_at")
]


def _attrs_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    ticket, state, policy = (
        quote(Ticket._meta.db_table),
        quote(TicketSla._meta.db_table),
        quote(Policy._meta.db_table),
    )
    customer = quote(Customer._meta.db_table)
    columns = ", ".join(f"t.{quote(c)}" for c in ATTR_COLUMNS)
    pairs = ", ".join(f"'{c}', p.{quote(c)}" for c in POLICY_COLUMNS)
    order = f"p.{quote('position')}, p.{quote('id')}"
    if vendor == "postgresql":
        policies = (
            f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]')"  # noqa: S608
            f"::text FROM {policy} p WHERE p.{quote('enabled')})"
        )
    else:
        policies = (
            f"(SELECT json_group_array(json_object({pairs})) FROM (SELECT * FROM {policy} "  # noqa: S608
            f"WHERE {quote('enabled')} ORDER BY {quote('position')}, {quote('id')}) p)"
        )
    return (  # only quoted identifiers are interpolated; values are parameters
        f"SELECT {columns}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {state} s WHERE s.{quote('ticket_id')} = t.{quote('id')}), "
        f"{policies}, t.{quote('team_id')}, (SELECT c.{quote('tags')} FROM {customer} c "
        f"WHERE c.{quote('id')} = t.{quote('customer_id')}) "
        f"FROM {ticket} t WHERE t.{quote('id')} IN (%s)"
    )


def _policies_from_json(text: str) -> list[PolicyView]:
    """The enabled policies from their JSON text (SQLite gives JSON columns as text)."""
    views = []
    for row in json.loads(text):
        for name in (
            "channels",
            "platforms",
            "stores",
            "markets",
            "languages",
            "categories",
            "priorities",
            "tags",
            "customer_tags",
            "targets",
            "pause_statuses",
        ):
            if isinstance(row.get(name), str):
                row[name] = json.loads(row[name])
        for name in ("order_value_min", "order_value_max"):
            if row.get(name) is not None:
                row[name] = Decimal(str(row[name]))
        row["enabled"] = bool(row["enabled"])
        policy = Policy(**row)
        views.append(PolicyView(policy, frozenset(policy.stores or ())))
    return views


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or ())


def tickets_read(
    ids: Sequence[int],
) -> tuple[dict[int, TicketAttrs], set[int], list[PolicyView]]:
    """The tickets' attributes, which of them have a state row, and the enabled policies, in
    one query."""
    global _policies_read
    sql = _attrs_sql(connection.vendor)
    params: list[Any]
    if connection.vendor == "postgresql":  # one array: a large chunk costs no placeholders
        sql, params = sql.replace("IN (%s)", "= ANY(%s)"), [list(ids)]
    else:
        sql, params = sql.replace("IN (%s)", f"IN ({', '.join(['%s'] * len(ids))})"), list(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    attrs: dict[int, TicketAttrs] = {}
    stored: set[int] = set()
    text = "[]"
    for row in rows:
        pk, channel, platform, store_id, market, language, category, priority, value, cal = row[:10]
        if value is not None and not isinstance(value, Decimal):
            value = Decimal(str(value))
        attrs[pk] = TicketAttrs(
            pk,
            channel,
            platform,
            store_id,
            market,
            language,
            category,
            priority,
            value,
            cal,
            frozenset(),
            team_id=row[12],
            customer_tags=frozenset(_json_list(row[13])),
        )
        if row[10]:
            stored.add(pk)
        text = row[11] or "[]"
    if _policies_read is None or _policies_read[0] != text:
        _policies_read = (text, _policies_from_json(text))
    policies = _policies_read[1]
    if any(view.policy.tags for view in policies):
        tagged = tickets_attrs(list(attrs))
        attrs = {pk: tagged.get(pk, ticket) for pk, ticket in attrs.items()}
    return attrs, stored, policies


def states_store(
    *,
    tickets: Sequence[TicketHead],
    events: Mapping[int, Sequence[EventRow]],
    cache: dict[str, Any] | None = None,
) -> list[TicketSla]:
    """Recompute and save the SLA state of these tickets from their logs (one upsert; none
    for tickets no policy matches that had no state)."""
    if not tickets:
        return []
    cache = cache if cache is not None else {}
    calendars: dict[Any, Any] = cache.setdefault("sla_calendars", {})
    ids = [pk for pk, _created, _calendar in tickets]
    attrs, stored, policies = tickets_read(ids)
    if "sla_policies" in cache:  # a rebuild or a sweep: the policies it read
        policies = cache["sla_policies"]
    now = timezone.now()
    rows = []
    for pk, created_at, _calendar in tickets:
        if pk not in attrs:
            continue
        log = events.get(pk, ())
        computed = ticket_compute(
            ticket=attrs[pk],
            created_at=created_at,
            events=log,
            policies=policies,
            calendars=calendars,
        )
        if computed.policy is None and pk not in stored:
            continue  # no clock before, none now: nothing to store
        rows.append(state_row(computed, log, now))
    if rows:
        _upsert(rows)
    return rows


def _upsert(rows: Sequence[TicketSla]) -> None:
    """Insert or replace the tickets' state rows: on PostgreSQL one INSERT … ON CONFLICT of
    the whole batch sent as one JSON document (its text the same for any number of rows;
    the ORM's statement for a sweep's batch cost more to build than to run, and arrays of
    JSON text cost more to escape), elsewhere `bulk_create`."""
    if connection.vendor != "postgresql":
        TicketSla.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["ticket"], update_fields=STATE_FIELDS
        )
        return
    dues = [f"{target}_due" for target in TARGETS]

    def instant(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    document = json.dumps(
        [
            {
                "ticket_id": row.ticket_id,
                "policy_id": row.policy_id,
                **{due: instant(getattr(row, due)) for due in dues},
                "paused": row.paused,
                "next_at": instant(row.next_at),
                "clocks": row.clocks,
                "computed_at": instant(row.computed_at),
            }
            for row in rows
        ]
    )
    columns = ["ticket_id", "policy_id", *dues, "paused", "next_at", "clocks", "computed_at"]
    types = ["integer", "integer", *(["timestamptz"] * len(dues))]
    types += ["boolean", "timestamptz", "jsonb", "timestamptz"]
    record = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    table = TicketSla._meta.db_table
    sql = (  # only fixed identifiers and types are interpolated; values are parameters
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(columns)} FROM jsonb_to_recordset(%s::jsonb) AS v({record}) "
        f"ON CONFLICT (ticket_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])


def states_rebuild(*, ticket_ids: Sequence[int] | None = None, chunk: int = 1000) -> int:
    """Recompute the state of these tickets (all of them by default) by the same code as a
    change does: imported tickets, a new or edited policy, a calendar's new hours."""
    ids = list(ticket_ids) if ticket_ids is not None else None
    if ids is None:
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    cache: dict[str, Any] = {"sla_policies": policies_load()}  # read now, whatever changed
    done = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            heads, events = ticket_history_load(ticket_ids=ids[start : start + chunk])
            done += len(states_store(tickets=heads, events=events, cache=cache))
    return done
