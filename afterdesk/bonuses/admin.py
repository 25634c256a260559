from django.contrib import admin

from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.core.admin import FrozenAdmin, ViewOnlyAdmin


@admin.register(BonusRule)
class BonusRuleAdmin(ViewOnlyAdmin):
    """Read-only here: rules are validated by `bonuses.services.bonus_rule_save` (API, CLI)."""

    list_display = (
        "name",
        "target_kind",
        "position",
        "template_key",
        "currency",
        "budget",
        "max_share",
        "active",
    )
    list_filter = ("active", "target_kind", "currency")
    search_fields = ("name", "template_key", "position")
    readonly_fields = ("created_at", "updated_at")


@admin.register(PayoutStatement)
class PayoutStatementAdmin(FrozenAdmin):
    """Frozen: a paid statement never changes, so nothing here edits or deletes one."""

    list_display = ("rule", "period_start", "period_end", "total", "currency", "created_at")
    list_filter = ("rule", "currency")
    date_hierarchy = "period_start"
