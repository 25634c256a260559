from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from afterdesk.bonuses.models import BonusRule, PayoutStatement


@admin.register(BonusRule)
class BonusRuleAdmin(admin.ModelAdmin):
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

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PayoutStatement)
class PayoutStatementAdmin(admin.ModelAdmin):
    """Frozen: a paid statement never changes, so nothing here edits or deletes one."""

    list_display = ("rule", "period_start", "period_end", "total", "currency", "created_at")
    list_filter = ("rule", "currency")
    date_hierarchy = "period_start"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
