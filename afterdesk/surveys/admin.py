from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from afterdesk.surveys.models import Survey, SurveySettings


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    """The one row of settings; the admins' page `/surveys/settings/` edits the same."""

    list_display = ("__str__", "enabled", "delay_hours", "expiry_days", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Written by the scheduler, the sender and the buyers' answers only."""

    list_display = ("ticket", "state", "solved_at", "sent_at", "rating", "answered_at")
    list_filter = ("state", "rating")
    raw_id_fields = ("ticket", "solve_event", "csat_event", "mailbox")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
