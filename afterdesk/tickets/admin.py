from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from afterdesk.tickets.models import Tag, Ticket, TicketEvent


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change only through tickets.services, which writes their events."""

    list_display = ("id", "external_id", "subject", "status", "assignee", "team", "updated_at")
    list_filter = ("status", "priority", "channel", "platform", "team")
    search_fields = ("external_id", "subject")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    """The append-only log: viewable, never editable."""

    list_display = ("ticket", "kind", "subtype", "at", "agent")
    list_filter = ("kind",)
    raw_id_fields = ("ticket",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
