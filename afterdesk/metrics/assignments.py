"""Which scorecard template scores whom (docs/metrics.md, "Positions and templates").

A template is assigned to positions and to single agents, each from a date (00:00 UTC). The
assignment in force at a period's last instant decides: the agent's own one, else their
position's. Of the template, the version in force at that instant scores. Assignments are
written once and never changed: each row is also the record of who changed what and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import POSITION_MAX_LENGTH, User
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.models import ScorecardTemplate, ScorecardTemplateVersion, TemplateAssignment
from afterdesk.metrics.templates import TemplateSpec, template_parse

AGENT, POSITION = "agent", "position"


@dataclass(frozen=True)
class AssignedTemplate:
    """The template that scores one agent for a period, and why."""

    key: str
    name: str
    version: ScorecardTemplateVersion
    spec: TemplateSpec
    source: str  # AGENT (a personal assignment) or POSITION
    assignment_id: int


def start_of(day: date | None) -> datetime | None:
    """The instant an assignment dated `day` takes effect (00:00 UTC; None: always)."""
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _in_force_at(rows: Iterable[TemplateAssignment], end: datetime) -> TemplateAssignment | None:
    """Of one target's assignments, the one in force just before `end`: the latest date that
    starts before it; a later change of the same date wins."""
    best: TemplateAssignment | None = None
    for row in rows:
        begins = start_of(row.effective_from)
        if begins is not None and begins >= end:
            continue
        if best is None or _order(row) > _order(best):
            best = row
    return best


def _order(row: TemplateAssignment) -> tuple[date, datetime, int]:
    return (row.effective_from or date.min, row.changed_at, row.pk)


def version_in_force(
    versions: Iterable[ScorecardTemplateVersion], end: datetime
) -> ScorecardTemplateVersion:
    """The newest version (highest number) that took effect before `end`: each version
    replaces the earlier ones from its `effective_from` on. A template none of whose versions
    was in force yet at `end` scores with its first version."""
    ordered = sorted(versions, key=lambda v: v.number)
    if not ordered:
        raise NotFound("the template has no version")
    earlier = [v for v in ordered if v.effective_from < end]
    return earlier[-1] if earlier else ordered[0]


class TemplateResolver:
    """Resolves templates for many agents and periods with three queries in all: the
    assignments, the templates' versions, and the agents' positions (given or loaded)."""

    def __init__(self) -> None:
        rows = list(TemplateAssignment.objects.order_by())
        self._by_agent: dict[int, list[TemplateAssignment]] = {}
        self._by_position: dict[str, list[TemplateAssignment]] = {}
        for row in rows:
            if row.agent_id is not None:
                self._by_agent.setdefault(row.agent_id, []).append(row)
            else:
                self._by_position.setdefault(row.position, []).append(row)
        self._versions: dict[int, list[ScorecardTemplateVersion]] = {}
        for version in ScorecardTemplateVersion.objects.select_related("template").order_by():
            self._versions.setdefault(version.template_id, []).append(version)
        self._specs: dict[int, TemplateSpec] = {}

    def for_agent(self, *, agent_id: int, position: str, end: datetime) -> AssignedTemplate | None:
        """The personal assignment in force wins; one without a template (ended) lets
        the position's apply; a position with no template in force leaves the agent unscored."""
        personal = _in_force_at(self._by_agent.get(agent_id, ()), end)
        if personal is not None and personal.template_id is not None:
            return self._assigned(personal, AGENT, end)
        by_position = _in_force_at(self._by_position.get(position, ()), end) if position else None
        if by_position is not None and by_position.template_id is not None:
            return self._assigned(by_position, POSITION, end)
        return None

    def assigned_positions(self) -> list[str]:
        return list(self._by_position)

    def position_rows(self, position: str) -> list[TemplateAssignment]:
        return self._by_position.get(position, [])

    def personally_assigned(self) -> list[int]:
        return list(self._by_agent)

    def for_position(self, *, position: str, end: datetime) -> AssignedTemplate | None:
        row = _in_force_at(self._by_position.get(position, ()), end)
        return (
            None if row is None or row.template_id is None else self._assigned(row, POSITION, end)
        )

    def _assigned(self, row: TemplateAssignment, source: str, end: datetime) -> AssignedTemplate:
        assert row.template_id is not None  # noqa: S101 - checked by the callers
        version = version_in_force(self._versions.get(row.template_id, ()), end)
        spec = self._specs.get(version.pk)
        if spec is None:
            spec = self._specs[version.pk] = template_parse(version.definition)
        return AssignedTemplate(
            key=version.template.key,
            name=version.template.name,
            version=version,
            spec=spec,
            source=source,
            assignment_id=row.pk,
        )

    def for_agents(
        self, *, agent_ids: Iterable[int], end: datetime
    ) -> dict[int, AssignedTemplate | None]:
        ids = list(agent_ids)
        positions = dict(User.objects.filter(pk__in=ids).values_list("pk", "position"))
        return {
            agent_id: self.for_agent(
                agent_id=agent_id, position=positions.get(agent_id, ""), end=end
            )
            for agent_id in ids
        }


def agent_templates(
    *, agent_ids: Iterable[int], end: datetime
) -> dict[int, AssignedTemplate | None]:
    """agent id → the template that scores them for a period ending at `end` (or None)."""
    return TemplateResolver().for_agents(agent_ids=agent_ids, end=end)


def assignment_history(*, limit: int | None = None) -> list[TemplateAssignment]:
    """Every assignment change, newest first, with who made it (the audit trail)."""
    rows = TemplateAssignment.objects.select_related(
        "template", "previous_template", "agent", "changed_by"
    ).order_by("-changed_at", "-id")
    return list(rows[:limit] if limit else rows)


@dataclass(frozen=True)
class PositionOverview:
    position: str
    agents: list[User]
    template: AssignedTemplate | None  # in force at `at`
    since: date | None  # the date its assignment took effect (None: always)


@dataclass(frozen=True)
class AssignmentsOverview:
    positions: list[PositionOverview]
    personal: list[tuple[User, AssignedTemplate]]  # agents whose own assignment is in force


def assignments_overview(*, at: datetime) -> AssignmentsOverview:
    """Positions in use or assigned, their agents and template in force at `at`, and the
    agents with a personal assignment in force (four queries)."""
    resolver = TemplateResolver()
    agents_by_position: dict[str, list[User]] = {}
    users = list(User.objects.filter(is_active=True).exclude(position="").order_by("username"))
    for user in users:
        agents_by_position.setdefault(user.position, []).append(user)
    positions = sorted(set(agents_by_position) | set(resolver.assigned_positions()))
    overview = []
    for position in positions:
        row = _in_force_at(resolver.position_rows(position), at)
        overview.append(
            PositionOverview(
                position=position,
                agents=agents_by_position.get(position, []),
                template=resolver.for_position(position=position, end=at),
                since=row.effective_from if row is not None else None,
            )
        )
    personal_ids = resolver.personally_assigned()
    personal = []
    for user in User.objects.filter(pk__in=personal_ids).order_by("username"):
        own = resolver.for_agent(agent_id=user.pk, position=user.position, end=at)
        if own is not None and own.source == AGENT:
            personal.append((user, own))
    return AssignmentsOverview(positions=overview, personal=personal)


# ------------------------------------------------------------------------------------ writes


def _position_check(position: str) -> str:
    position = position.strip()
    if not 1 <= len(position) <= POSITION_MAX_LENGTH:
        raise ValidationError(
            f"position must be 1–{POSITION_MAX_LENGTH} characters", field="position"
        )
    return position


@transaction.atomic
def template_assign(
    *,
    template_key: str | None,
    position: str = "",
    agent: User | None = None,
    effective_from: date | None = None,
    by: User | None = None,
) -> TemplateAssignment:
    """Assign a template (None: none) to a position or to one agent from a date on.

    Writes one new row, which records the template in force for that target from that date
    before the change; assigning what is already in force from the same date writes nothing.
    """
    if (agent is None) == (not position):
        raise ValidationError("give either a position or an agent", field="position")
    template = None
    if template_key is not None:
        template = ScorecardTemplate.objects.filter(key=template_key).first()
        if template is None:
            raise NotFound(f"no scorecard template {template_key!r}")
    target: dict[str, Any] = (
        {"agent": agent, "position": ""}
        if agent is not None
        else {"position": _position_check(position)}
    )
    # Lock the target's rows so two admins changing it at once are recorded in order.
    current_rows = list(TemplateAssignment.objects.select_for_update().filter(**target))
    day = effective_from or date.min
    earlier = [row for row in current_rows if (row.effective_from or date.min) <= day]
    previous = max(earlier, key=_order) if earlier else None
    if previous is not None and previous.template_id == (template.pk if template else None):
        return previous
    return TemplateAssignment.objects.create(
        template=template,
        effective_from=effective_from,
        previous_template_id=previous.template_id if previous else None,
        changed_by=by,
        **target,
    )
