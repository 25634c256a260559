from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Alert, AlertSettings


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "severity", "agent", "team", "ticket", "acknowledged_at"]
    list_filter = ["kind", "severity", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "dedupe_key", "agent__username", "team__name"]
    date_hierarchy = "created_at"
    list_select_related = ["agent", "team", "ticket"]
    readonly_fields = [
        "kind",
        "severity",
        "ticket",
        "agent",
        "team",
        "period_start",
        "period_end",
        "message",
        "figures",
        "dedupe_key",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "notified_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # alerts come from the sweep only


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "long_open_factor", "min_n", "escalation_rate_max", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AlertSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: AlertSettings | None = None) -> bool:
        return False
