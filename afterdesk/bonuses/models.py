"""Bonus rules (tiers and KPI extras, in money, for the agents of one template or one
position) and frozen payout statements.

See docs/bonuses.md. Rules change through `bonuses.services` only; a statement is written
once by `payout_statement_create` and never changes afterwards.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import POSITION_MAX_LENGTH
from afterdesk.core.errors import Conflict
from afterdesk.metrics.models import ScorecardTemplateVersion

DEFAULT_MAX_SHARE = Decimal("0.10")


class TargetKind(models.TextChoices):
    """Whom a rule pays: everyone scored under its template, or the agents of a position
    who are scored under it (docs/bonuses.md, "Whom a rule pays")."""

    TEMPLATE = "template", _("Everyone scored under the template")
    POSITION = "position", _("One position")


class BonusRule(models.Model):
    """Turns the scorecards of one template's agents into money: tiers on the total plus KPI
    extras. It never ranks or pays agents of different templates together."""

    name = models.CharField(max_length=150, unique=True)
    target_kind = models.CharField(
        max_length=10, choices=TargetKind.choices, default=TargetKind.TEMPLATE
    )
    position = models.CharField(
        max_length=POSITION_MAX_LENGTH,
        blank=True,
        help_text="The position paid when target_kind is position (else empty)",
    )
    template_key = models.SlugField(
        max_length=100, help_text="Scorecard template id: the template whose agents are paid"
    )
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
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target_kind=TargetKind.TEMPLATE, position="")
                    | (models.Q(target_kind=TargetKind.POSITION) & ~models.Q(position=""))
                ),
                name="bonus_rule_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PayoutStatement(models.Model):
    """A payout frozen for a period: the rule as it was, the template version in force at the
    period's end (the one that scored) and every computed line. Paid statements must never
    change, so `save` refuses updates."""

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
