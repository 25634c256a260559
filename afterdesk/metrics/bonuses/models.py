"""Bonus rules (a role's tiers and KPI extras, in money) and frozen payout statements.

See docs/bonuses.md. Rules change through `bonuses.services` only; a statement is written
once by `payout_statement_create` and never changes afterwards.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from afterdesk.core.errors import Conflict
from afterdesk.metrics.models import ScorecardTemplateVersion

DEFAULT_MAX_SHARE = Decimal("0.10")


class BonusRule(models.Model):
    """Turns a role's scorecard into money: tiers on the total plus KPI extras."""

    name = models.CharField(max_length=150, unique=True)
    role = models.CharField(
        max_length=50, help_text="A user role (agent, …) or the role of the template"
    )
    template_key = models.SlugField(max_length=100, help_text="Scorecard template id")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR")
    definition = models.JSONField(help_text="Tiers, extras and gate (docs/bonuses.md)")
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Per payout period"
    )
    labour_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Per payout period"
    )
    max_share = models.DecimalField(
        max_digits=5, decimal_places=4, default=DEFAULT_MAX_SHARE, help_text="Of labour cost"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PayoutStatement(models.Model):
    """A payout frozen for a period: the rule as it was, the template version used and every
    computed line. Paid statements must never change, so `save` refuses updates."""

    rule = models.ForeignKey(BonusRule, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    template_version = models.ForeignKey(
        ScorecardTemplateVersion, on_delete=models.PROTECT, related_name="+"
    )
    document = models.JSONField(help_text="Rule snapshot, lines and summary (the JSON export)")
    total = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="payout_statements", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "period_start", "period_end"], name="uniq_payout_statement_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Conflict("a payout statement is frozen and cannot change")
        super().save(*args, **kwargs)
