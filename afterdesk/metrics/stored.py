"""Stored KPI figures, never stale (docs/reports.md, "Stored figures").

`compute_kpis` of a period reads only rows dated inside it: facts by their first reply, solve,
rating and return instants, events and reply waits by their instant (and, through them, the
ticket's priority and category). So the figures of a period change only when something dated
in it changes, and every such change is recorded here as a change of its UTC day:

- `facts_store` (every ticket change, the history import's refresh of stored tickets, a
  calendar's new hours, `afterdesk metrics rebuild`) records the days of every event of the
  tickets it recomputes. The event log only grows, so those days hold every instant the
  ticket's old and new facts, reply waits and events are dated by.
- a history import, and a deleted user (their events and facts lose their agent), record a
  change of every day (`ALL_DAYS`).

A day's version is the sum of its `FactsChange` weights, raised by every committed change
(rows are only inserted, in the change's own transaction: no writer waits for another).
`KpiStore` reads the versions of the days it needs first, in one query, then for each period
uses the stored figures if they were computed at exactly these versions, else computes them
and stores them with the versions read before computing. A change committed while they are
computed may or may not be in them, but it raised a version, so they are not used again.
Template choices are part of the key (their parameters, not their names), so a new version
or assignment of a template finds no stored figures rather than wrong ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.kpis import AgentKpis, KpiValue, compute_kpis, period_validate
from afterdesk.metrics.models import FactsChange, StoredKpis
from afterdesk.metrics.templates import TemplateSpec

ALL_DAYS = date(1, 1, 1)  # a change of every day
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = EPOCH.date().toordinal()
ONE_US = timedelta(microseconds=1)
FORMAT = 1  # of the stored values; part of the key


def day_of(instant: datetime) -> date:
    """The UTC day of an aware instant."""
    return date.fromordinal(EPOCH_ORDINAL + (instant - EPOCH).days)


def changes_record(days: Iterable[date]) -> None:
    """Record a change of these UTC days (one INSERT), in the caller's transaction."""
    rows = [FactsChange(day=day) for day in sorted(set(days))]
    if rows:
        FactsChange.objects.bulk_create(rows)


def changes_record_instants(instants: Iterable[datetime]) -> None:
    """Record a change of the UTC days of these instants. Counted by whole days since the
    epoch (exact, and cheaper than converting each instant)."""
    numbers = {(instant - EPOCH).days for instant in instants}
    changes_record(date.fromordinal(EPOCH_ORDINAL + n) for n in numbers)


def changes_record_all() -> None:
    """Record a change of every day: every stored figure is computed again."""
    changes_record([ALL_DAYS])


def period_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last UTC day holding an instant of [start, end)."""
    return day_of(start), day_of(end - ONE_US)


def day_versions(first: date, last: date) -> dict[date, int]:
    """The version of each day from `first` to `last` that ever changed, and of ALL_DAYS:
    one query."""
    rows = (
        FactsChange.objects.filter(Q(day__gte=first, day__lte=last) | Q(day=ALL_DAYS))
        .values("day")
        .annotate(version=Sum("weight"))
        .order_by()
    )
    return {row["day"]: row["version"] for row in rows}


def changes_compact() -> int:
    """Merge each day's rows into one of the same weight (the versions stay the same); returns
    how many rows were removed. Concurrent changes only add rows, left for the next time."""
    removed = 0
    crowded = (
        FactsChange.objects.values("day").annotate(n=Count("pk")).filter(n__gt=1).order_by("day")
    )
    for row in list(crowded):
        with transaction.atomic():
            rows = list(
                FactsChange.objects.select_for_update()
                .filter(day=row["day"])
                .values_list("pk", "weight")
            )
            if len(rows) < 2:  # nothing to merge
                continue
            FactsChange.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
            FactsChange.objects.create(day=row["day"], weight=sum(w for _, w in rows))
            removed += len(rows) - 1
    return removed


def _parameters(spec: TemplateSpec) -> str:
    """What `compute_kpis` reads of a template (its KPIs' parameters), as text."""
    return repr(
        (
            sorted(spec.first_reply_target.items()),
            sorted(spec.category_targets.items()),
            spec.default_category_target,
            sorted(spec.category_weights.items()),
        )
    )


def kpis_key(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec,
    agent_templates: Mapping[int, TemplateSpec] | None = None,
) -> str:
    """Names the figures of a period under a choice of templates: the bounds (as instants),
    the catalogue, the stored format and the parameters of each agent's template."""
    seen: dict[int, str] = {}

    def text(spec: TemplateSpec) -> str:
        if id(spec) not in seen:
            seen[id(spec)] = _parameters(spec)
        return seen[id(spec)]

    per_agent = sorted((agent, text(spec)) for agent, spec in (agent_templates or {}).items())
    parts = (
        FORMAT,
        start.astimezone(UTC).isoformat(),
        end.astimezone(UTC).isoformat(),
        KPI_IDS,
        text(template),
        per_agent,
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _encode(values: Mapping[int, AgentKpis]) -> list[list[Any]]:
    """[agent, [numerator, denominator, n] or [n] per KPI of KPI_IDS, …] per agent."""
    rows = []
    for agent_id, kpis in values.items():
        row: list[Any] = [agent_id]
        for kpi in KPI_IDS:
            value = kpis[kpi]
            row.append(
                [value.n]
                if value.value is None
                else [value.value.numerator, value.value.denominator, value.n]
            )
        rows.append(row)
    return rows


def _lowest_terms(numerator: int, denominator: int) -> Fraction:
    """The Fraction numerator/denominator, given in lowest terms with denominator > 0 (as
    `_encode` stores them): made without Fraction's checks and gcd, which cost most of reading
    stored figures (tens of thousands of values a review)."""
    value = object.__new__(Fraction)
    value._numerator = numerator  # type: ignore[attr-defined]
    value._denominator = denominator  # type: ignore[attr-defined]
    return value


def _decode(
    rows: Sequence[Sequence[Any]], kpi_ids: Sequence[str] | None = None
) -> dict[int, AgentKpis]:
    """Every agent's KPIs, or only `kpi_ids` of them."""
    wanted = [(1 + KPI_IDS.index(kpi), kpi) for kpi in kpi_ids or KPI_IDS]
    values: dict[int, AgentKpis] = {}
    for row in rows:
        kpis: AgentKpis = {}
        for position, kpi in wanted:
            cell = row[position]
            if len(cell) == 1:
                kpis[kpi] = KpiValue(None, cell[0])
            else:
                numerator, denominator, n = cell
                kpis[kpi] = KpiValue(_lowest_terms(numerator, denominator), n)
        values[row[0]] = kpis
    return values


def period_versions(versions: Mapping[date, int], start: datetime, end: datetime) -> dict[str, int]:
    """What figures of [start, end) are stored with: the versions (of `day_versions`) of its
    days and of every day (`ALL_DAYS`), by ISO day."""
    first, last = period_days(start, end)
    return {
        day.isoformat(): version
        for day, version in sorted(versions.items())
        if day == ALL_DAYS or first <= day <= last
    }


class KpiStore:
    """`compute_kpis` of periods inside [first, last): the stored figures while current, else
    computed (and stored). The days' versions are read once, at the first use, before anything
    is computed; the figures of one period are then read by one query (its key)."""

    def __init__(self, *, start: datetime, end: datetime) -> None:
        period_validate(start, end)
        self.start, self.end = start, end
        self._versions: dict[date, int] | None = None
        self.computed = 0  # how many figures were computed (not found stored and current)
        self._read: dict[str, dict[int, AgentKpis]] = {}

    def _versions_of(self, start: datetime, end: datetime) -> dict[str, int]:
        if self._versions is None:
            self._versions = day_versions(*period_days(self.start, self.end))
        return period_versions(self._versions, start, end)

    def compute_kpis(
        self,
        *,
        start: datetime,
        end: datetime,
        template: TemplateSpec,
        agent_templates: Mapping[int, TemplateSpec] | None = None,
        kpi_ids: Sequence[str] | None = None,
    ) -> dict[int, AgentKpis]:
        """What `compute_kpis` gives with these arguments, exactly; with `kpi_ids`, only
        those KPIs of each agent (the same agents: those with data in any KPI)."""
        key = kpis_key(start=start, end=end, template=template, agent_templates=agent_templates)
        if key in self._read:  # asked twice (the period is also a week of the trends)
            return self._read[key]
        computed: list[dict[int, AgentKpis]] = []

        def compute() -> list[list[Any]]:
            computed.append(
                compute_kpis(
                    start=start, end=end, template=template, agent_templates=agent_templates
                )
            )
            return _encode(computed[0])

        rows = self.figures(key=key, start=start, end=end, compute=compute)
        if computed:
            values = self._read[key] = computed[0]
        elif kpi_ids is None:
            values = self._read[key] = _decode(rows)
        else:
            values = _decode(rows, kpi_ids)
        return values

    def figures(
        self, *, key: str, start: datetime, end: datetime, compute: Callable[[], Any]
    ) -> Any:
        """The stored figures named `key` (JSON) if computed at the current versions of the
        days of [start, end), else `compute()`'s, stored. `compute` must read only rows dated
        in [start, end) by the instants `metrics.stored` records (facts, events, reply
        waits), and `key` name everything else it depends on."""
        period_validate(start, end)
        if start < self.start or end > self.end:
            raise ValueError("period outside the store's span")
        versions = self._versions_of(start, end)
        stored = StoredKpis.objects.filter(key=key).values_list("versions", "values").first()
        if stored is not None and stored[0] == versions:
            return stored[1]
        value = compute()
        self.computed += 1
        _store(key, start, end, versions, value)
        return value


def figures_key(kind: str, start: datetime, end: datetime, parts: Any) -> str:
    """A key for `KpiStore.figures`: the kind of figures, the period and whatever else they
    depend on (`parts`, whose repr must name it completely)."""
    bounds = (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat())
    return hashlib.sha256(repr((FORMAT, kind, bounds, parts)).encode("utf-8")).hexdigest()


def _store(key: str, start: datetime, end: datetime, versions: dict[str, int], rows: Any) -> None:
    """Keep these figures, replacing older ones of the key (one INSERT … ON CONFLICT). When
    concurrent requests store the same key, each holds figures with the versions they were
    computed at, so whichever is kept is used only while it is current."""
    StoredKpis.objects.bulk_create(
        [
            StoredKpis(
                key=key,
                period_start=start,
                period_end=end,
                versions=versions,
                values=rows,
                computed_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["period_start", "period_end", "versions", "values", "computed_at"],
    )


KEEP_UNUSED = timedelta(days=90)


def stored_kpis_prune(*, now: datetime | None = None) -> int:
    """Remove the stored figures not computed for KEEP_UNUSED (a template's old parameters,
    a one-off period); returns how many."""
    limit = (now or timezone.now()) - KEEP_UNUSED
    deleted, _ = StoredKpis.objects.filter(computed_at__lt=limit).delete()
    return deleted
