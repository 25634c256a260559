"""Per-ticket metric facts (docs/metrics.md, "Per-ticket facts"), kept current from the event
log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from afterdesk.tickets.models import Ticket, TicketEvent


def _agent(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        db_index=False,
    )


class TicketFacts(models.Model):
    """One row per ticket. Durations are integer microseconds (docs/metrics.md, "Business time")."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="facts"
    )
    customer_initiated = models.BooleanField(default=False)
    agent_replies = models.PositiveIntegerField(default=0)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    first_reply_agent = _agent("+")
    first_reply_us = models.BigIntegerField(null=True, blank=True)
    first_reply_business_us = models.BigIntegerField(null=True, blank=True)
    solved = models.BooleanField(default=False)
    last_solve_at = models.DateTimeField(null=True, blank=True)
    resolver = _agent("+")
    resolution_us = models.BigIntegerField(null=True, blank=True)
    resolution_business_us = models.BigIntegerField(null=True, blank=True)
    reopens = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    escalations = models.PositiveIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_at = models.DateTimeField(null=True, blank=True)
    rating_agent = _agent("+")
    return_outcome = models.CharField(max_length=30, blank=True)
    return_at = models.DateTimeField(null=True, blank=True)
    return_agent = _agent("+")
    computed_at = models.DateTimeField(auto_now=True)
    # The UTC days (JSON list of "YYYY-MM-DD") whose stored KPI figures this write makes
    # stale: a database trigger records them as changed (`FactsChange`) in the same statement
    # and leaves the column null (metrics.stored, migration 0011). Written by `facts_store`
    # on the first row it writes; always null at rest.
    changed_days = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        verbose_name_plural = "ticket facts"
        indexes = [
            models.Index(fields=["first_reply_agent", "first_reply_at"], name="facts_first_reply"),
            models.Index(fields=["resolver", "last_solve_at"], name="facts_resolver"),
            models.Index(fields=["rating_agent", "rating_at"], name="facts_rating"),
            models.Index(fields=["return_agent", "return_at"], name="facts_return"),
            # A period's KPIs of every agent read the facts by instant alone (docs/benchmarks.md,
            # "Weekly review": without these, a scan of every ticket's facts per query).
            models.Index(fields=["first_reply_at"], name="facts_first_reply_at"),
            models.Index(fields=["last_solve_at"], name="facts_last_solve_at"),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


class ReplyWait(models.Model):
    """One reply that answers a waiting buyer message (`reply_time_business`, docs/metrics.md):
    the earliest `inbound` since the previous reply, or since the ticket began. Kept with the
    ticket's facts: recomputing a ticket replaces its rows. Durations are integer µs.

    Derived data, like TicketFacts, but written in bulk a row per reply: its references have
    no database constraints (each would be checked for every row a rebuild or an import
    writes, more than the row itself costs). Django still cascades deletes of tickets and
    events to it, and `afterdesk metrics rebuild` rewrites it from the event log."""

    reply_event = models.OneToOneField(
        TicketEvent,
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="reply_wait",
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, db_constraint=False, related_name="reply_waits"
    )
    agent = models.ForeignKey(  # the replying agent; (agent, at) is indexed below
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    at = models.DateTimeField(help_text="The reply's instant: dates the wait")
    inbound_event = models.ForeignKey(  # an event of the same ticket: goes with the reply
        TicketEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    waiting_since = models.DateTimeField(help_text="The answered inbound message's instant")
    elapsed_us = models.BigIntegerField()
    business_us = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["agent", "at"], name="reply_wait_agent_at"),
            models.Index(fields=["at"], name="reply_wait_at"),  # a period's, every agent
        ]

    def __str__(self) -> str:
        return f"reply {self.reply_event_id} on ticket {self.ticket_id}"


class ScorecardTemplate(models.Model):
    """A named template (docs/metrics.md, "Scorecard templates"); its definitions are kept as
    numbered versions."""

    key = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=50, blank=True, help_text="Role the template is meant for")
    is_preset = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScorecardTemplateVersion(models.Model):
    """One immutable definition of a template. Published scorecards point at the version."""

    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The version scores the periods that end after this instant, until a later version
    # takes over (docs/metrics.md, "Which version"); default: when it was saved.
    effective_from = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="uniq_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"


class TemplateAssignment(models.Model):
    """One change of the template that scores a position or one agent, from a date on.

    Rows are never changed or deleted: the table is also the audit trail of who changed what,
    when, and what was in force before (`previous_template`), because it decides pay. A row
    with no template ends the target's assignment from that date."""

    template = models.ForeignKey(
        ScorecardTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    position = models.CharField(max_length=64, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="template_assignments",
    )
    effective_from = models.DateField(null=True, blank=True, help_text="Blank: always")
    previous_template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["position", "effective_from"], name="assignment_position"),
            models.Index(fields=["agent", "effective_from"], name="assignment_agent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(agent__isnull=True) & ~models.Q(position=""))
                    | (models.Q(agent__isnull=False) & models.Q(position=""))
                ),
                name="assignment_targets_position_or_agent",
            )
        ]

    def __str__(self) -> str:
        target = self.position or f"agent {self.agent_id}"
        return f"{target} → {self.template_id} from {self.effective_from or 'always'}"


class PublishedScorecard(models.Model):
    """A scorecard frozen for a period, with the exact template version it used. A template's
    period is published once (docs/metrics.md, "Published scorecards"): the constraint keeps
    two concurrent publishes from both writing."""

    template_version = models.ForeignKey(
        ScorecardTemplateVersion, on_delete=models.PROTECT, related_name="published"
    )
    # The version's template, copied so that the database can hold one per template and period.
    template = models.ForeignKey(ScorecardTemplate, on_delete=models.PROTECT, related_name="+")
    # "group": the template's own agents, under the version in force at the period's end;
    # "what_if": everyone under the latest version. Null: published before the kind was kept
    # (migration metrics 0008), outside the constraint until a publish of its kind adopts it.
    scope = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001 - see above
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    rows = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "scope", "period_start", "period_end"],
                name="published_scorecard_once_per_template_and_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_version} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class MetricsSettings(models.Model):
    """Desk-wide metrics settings (one row, pk=1)."""

    public_leaderboard = models.BooleanField(
        default=False, help_text="Agents may see other agents' ranks and totals"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "metrics settings"

    def __str__(self) -> str:
        return "metrics settings"

    @classmethod
    def load(cls) -> MetricsSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class FactsChange(models.Model):
    """A change to what the KPIs of a UTC day are computed from (docs/reports.md, "Stored
    figures"): written in the same transaction as the change (facts, reply waits, events,
    a ticket's priority or category), one row per day it touches; `day` = ALL_DAYS
    (`metrics.stored`) for a change to every day (a history import, a deleted user).

    Rows are only ever inserted (and merged by `metrics.stored.changes_compact`, which keeps
    each day's sum): a day's version is the sum of its rows' weights, which every committed
    change raises, without two writers ever waiting for one row."""

    day = models.DateField()
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["day"], name="facts_change_day")]

    def __str__(self) -> str:
        return f"change of {self.day} (+{self.weight})"


class StoredKpis(models.Model):
    """`compute_kpis` of one period and one choice of templates, with the versions of the
    days it was computed from (docs/reports.md, "Stored figures"): used only while those
    versions are still the current ones."""

    key = models.CharField(max_length=64, primary_key=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    versions = models.JSONField()
    values = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stored KPIs"

    def __str__(self) -> str:
        return f"KPIs of {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"
