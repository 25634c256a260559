"""Request and response schemas of the performance API (docs/metrics.md, docs/api.md).

Figures are floats in the JSON (exact fractions inside); scores are reported to 2 decimals,
rounded half up from the exact value (docs/metrics.md, "Rounding"). Periods are
`[period_start, period_end)`.
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from afterdesk.core.api_schemas import InputSchema, SafeStr
from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import parse_instant, year_check
from afterdesk.metrics.kpis import US_PER_MINUTE, period_validate
from afterdesk.metrics.selectors import PERIOD_KINDS, period_bounds
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, template_parse

TemplateKey = Annotated[SafeStr, Field(max_length=100)]  # a stored template's id (a slug)
VersionNumber = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _instant(value: str, field: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ValidationError(f"{field}: {exc}", field=field) from exc


class PeriodQuery(Schema):
    """Either `from` and `to` (ISO 8601 with an offset), or `period` with an optional `date`
    (default: today) in the time zone `tz` (default UTC)."""

    start: SafeStr | None = Field(
        None,
        alias="from",
        max_length=40,
        description="Period start, ISO 8601 with an offset (e.g. `2026-10-01T00:00:00+02:00`)",
    )
    end: SafeStr | None = Field(
        None, alias="to", max_length=40, description="Period end (exclusive), with an offset"
    )
    period: Literal["week", "month"] | None = Field(
        None, description="A calendar week (Monday–Monday) or month, instead of from/to"
    )
    date: Date | None = Field(None, description="A day inside the period (default: today)")
    tz: SafeStr = Field("UTC", max_length=64, description="Time zone of `period`/`date`")

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as two aware instants; a 422 naming the field when it is unusable."""
        if self.start is not None or self.end is not None:
            if self.start is None:
                raise ValidationError("from is required with to", field="from")
            if self.end is None:
                raise ValidationError("to is required with from", field="to")
            start, end = _instant(self.start, "from"), _instant(self.end, "to")
            period_validate(start, end)
            return start, end
        if self.period is None:
            raise ValidationError(
                f"give from and to, or period ({', '.join(PERIOD_KINDS)})", field="from"
            )
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"unknown time zone {self.tz!r}", field="tz") from exc
        day = self.date or timezone.now().astimezone(zone).date()
        try:
            year_check(day)
        except ValueError as exc:
            raise ValidationError(f"date: {exc}", field="date") from exc
        return period_bounds(kind=self.period, containing=datetime.combine(day, time(), zone))


class TemplateRef(Schema):
    key: str
    name: str
    version: int | None = Field(description="The stored version used; null for the built-in")


class KpiValueOut(Schema):
    value: float | None = Field(description="null when n = 0 or the denominator is 0")
    n: int


class AgentKpisOut(Schema):
    agent: str
    kpis: dict[str, KpiValueOut]


class KpisOut(Schema):
    template: TemplateRef
    period_start: datetime
    period_end: datetime
    agents: list[AgentKpisOut]


class ScorecardKpiOut(KpiValueOut):
    score: float | None
    excluded: str | None = Field(description="Why the KPI does not count, or null")
    target: float | None = None
    floor: float | None = None
    override: str | None = Field(None, description="The segment override that set target/floor")
    peer_median: float | None = Field(None, description="Median of the agent's peer group")


class ScorecardRowOut(Schema):
    """A full row; for another agent seen through a public leaderboard only agent, total and
    rank (`kpis` and `categories` are null)."""

    agent: str
    template: str | None = Field(
        None, description="The template that scored the row (null: the agent has none)"
    )
    position: str | None = Field(None, description="The agent's position (free text)")
    kpis: dict[str, ScorecardKpiOut] | None = None
    categories: dict[str, float | None] | None = None
    total: float | None
    rank: int | None = Field(description="Rank among the agents of the same template")


class ScorecardOut(Schema):
    mode: Literal["own", "what_if"] = Field(
        description="`own`: each agent under their own template, ranked within it; `what_if`: "
        "everyone under `template`"
    )
    template: TemplateRef | None = Field(description="The what-if template; null in `own` mode")
    period_start: datetime
    period_end: datetime
    ranked: int = Field(description="How many agents have a rank")
    rows: list[ScorecardRowOut]


class DrilldownReplyOut(Schema):
    """One reply behind a `reply_time_business` figure and the buyer message it answers."""

    reply_event_id: int
    at: datetime = Field(description="When the reply was sent (dates it in the period)")
    inbound_event_id: int = Field(
        description="The answered message: the earliest `inbound` "
        "since the previous reply (or since the ticket began)"
    )
    waiting_since: datetime = Field(description="When the answered message arrived")
    business_minutes: float = Field(description="The wait in the ticket's business calendar")
    elapsed_minutes: float

    @staticmethod
    def resolve_business_minutes(obj: Any) -> float:
        return obj.business_us / US_PER_MINUTE

    @staticmethod
    def resolve_elapsed_minutes(obj: Any) -> float:
        return obj.elapsed_us / US_PER_MINUTE


class DrilldownTicketOut(Schema):
    id: int
    external_id: str
    subject: str
    status: str
    priority: str
    category: str
    created_at: datetime
    updated_at: datetime
    first_reply_at: datetime | None
    last_solve_at: datetime | None
    replies: list[DrilldownReplyOut] | None = Field(
        None,
        description="`reply_time_business` only: the ticket's replies counted in the figure, "
        "oldest first, each with the message it answers; null for other KPIs",
    )

    @staticmethod
    def resolve_replies(obj: Any) -> list[Any] | None:
        return getattr(obj, "replies_behind", None)

    @staticmethod
    def resolve_first_reply_at(obj: Any) -> datetime | None:
        facts = getattr(obj, "facts", None)
        return facts.first_reply_at if facts else None

    @staticmethod
    def resolve_last_solve_at(obj: Any) -> datetime | None:
        facts = getattr(obj, "facts", None)
        return facts.last_solve_at if facts else None


class DrilldownQuery(PeriodQuery):
    kpi: SafeStr = Field(max_length=50, description="A KPI id (docs/metrics.md)")
    agent: SafeStr | None = Field(None, max_length=150, description="Username (default: you)")
    template: TemplateKey | None = Field(
        None,
        max_length=100,
        description="The template whose parameters apply (default: the agent's own template at "
        "the period end, else the built-in one)",
    )


class DrilldownOut(Schema):
    kpi: str
    agent: str
    template: TemplateRef
    period_start: datetime
    period_end: datetime
    count: int = Field(description="Number of tickets: the KPI's n for ticket-counted KPIs")
    limit: int
    offset: int
    items: list[DrilldownTicketOut]


class ScorecardQuery(PeriodQuery):
    template: TemplateKey | None = Field(
        None,
        max_length=100,
        description="Score everyone under this stored template (what-if). Default: each agent "
        "under their own template (docs/metrics.md, 'Positions and templates')",
    )
    own_template: TemplateKey | None = Field(
        None,
        max_length=100,
        description="Only the agents whose own template is this one (ignored with `template`)",
    )


class KpisQuery(PeriodQuery):
    template: TemplateKey | None = Field(
        None, max_length=100, description="Stored template id (default: the built-in template)"
    )
    agent: SafeStr | None = Field(None, max_length=150, description="Only this username")


class PublishIn(PeriodQuery, InputSchema):
    """Give `template` (everyone under it, what-if) or `own_template` (that template's group
    under the version in force at the period's end)."""

    template: TemplateKey | None = Field(None, max_length=100)
    own_template: TemplateKey | None = Field(None, max_length=100)


class PublishedQuery(Schema):
    template: TemplateKey | None = Field(None, max_length=100)


class PublishedSummaryOut(Schema):
    id: int
    template: TemplateRef
    period_start: datetime
    period_end: datetime
    published_at: datetime
    published_by: str | None
    agents: int


class PublishedPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PublishedSummaryOut]


class PublishedOut(PublishedSummaryOut):
    template_definition: dict[str, Any] = Field(description="The template version's JSON")
    ranked: int
    rows: list[ScorecardRowOut]


class PublishResultOut(PublishedOut):
    already_published: bool = Field(
        description="True (HTTP 200): this template's period was published before, and that "
        "frozen scorecard is returned unchanged; false (HTTP 201): published now"
    )
    message: str


class LeaderboardRowOut(Schema):
    agent: str
    template: str = Field(description="The template that scored the agent (the board's)")
    rank: int | None = Field(description="Rank among the agents of the board's template")
    total: float | None
    previous_total: float | None = Field(
        description="The total of the previous period, under the template that scored the "
        "agent then (`previous_template`)"
    )
    previous_rank: int | None = Field(
        description="The rank of the previous period among the agents of `previous_template`"
    )
    previous_template: str | None = Field(
        None, description="The template that scored the agent in the previous period"
    )
    trend: float | None = Field(
        description="total − previous_total; null when another template scored the previous "
        "period (scores of two templates do not compare)"
    )


class LeaderboardOut(Schema):
    mode: Literal["own", "what_if"] = Field(
        description="`own`: one template group, its agents under their own template; "
        "`what_if`: everyone under `template`"
    )
    template: TemplateRef | None = Field(
        description="The group's template and the version in force at the period's end (own), "
        "or the what-if template's latest version; null when no template scores anyone"
    )
    groups: list[TemplateGroupOut] = Field(
        description="The template groups in use at the period's end, yours first"
    )
    period_start: datetime
    period_end: datetime
    previous_start: datetime
    previous_end: datetime
    rows: list[LeaderboardRowOut]


class TeamRowOut(Schema):
    team: str
    agents: int = Field(description="Scored agents of the team under the board's template")
    rank: int | None
    total: float | None = Field(description="Mean total of those agents")
    previous_total: float | None = Field(
        description="Mean total of its agents under the same template in the previous period"
    )
    trend: float | None


class TeamLeaderboardOut(Schema):
    mode: Literal["own", "what_if"]
    template: TemplateRef | None
    groups: list[TemplateGroupOut]
    period_start: datetime
    period_end: datetime
    previous_start: datetime
    previous_end: datetime
    rows: list[TeamRowOut]


SegmentDimension = Literal["language", "market", "platform", "channel", "category", "shift"]


class SegmentQuery(PeriodQuery):
    dimension: SegmentDimension


class SegmentFiguresOut(Schema):
    solved: int
    resolution_time_business: float = Field(description="Mean business minutes")
    reopen_rate: float
    csat_rate: float | None
    csat_n: int
    return_retention_rate: float | None


class SegmentRowOut(SegmentFiguresOut):
    segment: str
    previous: SegmentFiguresOut | None = Field(description="The previous period of equal length")


class SegmentsOut(Schema):
    dimension: str
    period_start: datetime
    period_end: datetime
    rows: list[SegmentRowOut]


_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


def _no_nul(value: object, where: str) -> None:
    # PostgreSQL JSON cannot hold NUL characters: refuse them here, naming the field.
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(f"{where or 'template'} must not contain NUL characters", field=where)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, where)
            _no_nul(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_nul(item, f"{where}[{index}]")


class TemplateIn(BaseModel):
    """A scorecard template in its JSON form (docs/metrics.md, "Template JSON"). It is
    validated as a whole by `metrics.templates.template_parse`, so a 422 names the field as the
    contract does (`categories[0].weight`). A plain pydantic model: ninja's `Schema` would drop the
    undeclared keys."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": DEFAULT_TEMPLATE_JSON})

    def definition(self) -> dict[str, Any]:
        """The template JSON, checked; ids appear in URLs, so `id` must be a slug."""
        definition = self.model_dump()
        _no_nul(definition, "")
        spec = template_parse(definition)
        if not _SLUG.match(spec.id):
            raise ValidationError("id must be a slug (letters, digits, - and _; ≤ 100)", field="id")
        if len(spec.name) > 150:
            raise ValidationError("name must be at most 150 characters", field="name")
        return definition


class TemplateVersionSummaryOut(Schema):
    number: int
    created_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return obj.created_by.username if obj.created_by else None


class TemplateListItemOut(Schema):
    key: str
    name: str
    role: str
    is_preset: bool
    latest_version: int | None


class TemplateDetailOut(TemplateListItemOut):
    definition: dict[str, Any] = Field(description="The latest version's JSON (docs/metrics.md)")
    versions: list[TemplateVersionSummaryOut] = Field(description="Newest first")


class TemplateVersionOut(TemplateVersionSummaryOut):
    key: str
    definition: dict[str, Any]

    @staticmethod
    def resolve_key(obj: Any) -> str:
        return str(obj.template.key)


class TemplateSavedOut(Schema):
    key: str
    name: str
    version: int
    created: bool = Field(description="False when the definition equals the latest version")


class TemplateSaveQuery(Schema):
    role: SafeStr = Field("", max_length=50, description="Role the template is meant for")


class TemplateExportQuery(Schema):
    version: VersionNumber | None = Field(None, description="Default: the latest")


class MetricsSettingsOut(Schema):
    public_leaderboard: bool = Field(
        description="Agents may see other agents' ranks and totals, and the leaderboards"
    )
    updated_at: datetime


class MetricsSettingsIn(InputSchema):
    public_leaderboard: bool


# --- template assignments (docs/metrics.md, "Positions and templates") ---------------------


class AssignmentsQuery(Schema):
    date: Date | None = Field(None, description="The day to show (default: today, UTC)")


class AssignedTemplateOut(Schema):
    key: str
    name: str
    version: int = Field(description="The version in force on that day")


class PositionAssignmentOut(Schema):
    position: str
    agents: list[str] = Field(description="Active agents with this position")
    template: AssignedTemplateOut | None = Field(description="null: the position is unscored")
    since: Date | None = Field(description="From when its assignment applies (null: always)")


class PersonalAssignmentOut(Schema):
    agent: str
    template: AssignedTemplateOut


class AssignmentsOut(Schema):
    date: Date
    positions: list[PositionAssignmentOut]
    personal: list[PersonalAssignmentOut] = Field(
        description="Agents whose personal assignment wins over their position's"
    )


class AssignmentIn(InputSchema):
    """A template for a position or for one agent (give exactly one), from a date on."""

    template: TemplateKey | None = Field(
        description="Template id; null ends the assignment (a position: unscored; an agent: "
        "back to the position's template)"
    )
    position: SafeStr | None = Field(None, min_length=1, max_length=64)
    agent: SafeStr | None = Field(None, min_length=1, max_length=150, description="Username")
    effective_from: Date | None = Field(
        None, description="From this day, 00:00 UTC (null: from the beginning of time)"
    )


class AssignmentChangeOut(Schema):
    """One recorded change: who, when, what, and the template in force before."""

    id: int
    position: str | None
    agent: str | None
    template: str | None
    previous_template: str | None
    effective_from: Date | None
    changed_at: datetime
    changed_by: str | None

    @staticmethod
    def resolve_position(obj: Any) -> str | None:
        return obj.position or None

    @staticmethod
    def resolve_agent(obj: Any) -> str | None:
        return obj.agent.username if obj.agent_id else None

    @staticmethod
    def resolve_template(obj: Any) -> str | None:
        return obj.template.key if obj.template_id else None

    @staticmethod
    def resolve_previous_template(obj: Any) -> str | None:
        return obj.previous_template.key if obj.previous_template_id else None

    @staticmethod
    def resolve_changed_by(obj: Any) -> str | None:
        return obj.changed_by.username if obj.changed_by_id else None


class AssignmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssignmentChangeOut]


# --- leaderboards under each agent's own template -------------------------------------------


class TemplateGroupOut(Schema):
    """A template that scores someone at the period's end: the agents it scores form a group,
    ranked only among themselves (docs/metrics.md, "Positions and templates")."""

    key: str
    name: str
    version: int = Field(description="The version in force at the period's end")
    people: int = Field(description="How many users it scores then (with data or not)")
    yours: bool = Field(description="Your own template")


class LeaderboardQuery(PeriodQuery):
    template: TemplateKey | None = Field(
        None,
        max_length=100,
        description="Rank everyone under this stored template (what-if). Default: one template "
        "group, each agent under their own template",
    )
    own_template: TemplateKey | None = Field(
        None,
        max_length=100,
        description="The template group to rank (ignored with `template`). Default: your own "
        "template at the period's end, else the first group in use",
    )
