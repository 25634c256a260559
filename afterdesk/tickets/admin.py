from django.contrib import admin

from afterdesk.core.admin import FrozenAdmin, ViewOnlyAdmin
from afterdesk.tickets.models import Tag, Ticket, TicketEvent


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(ViewOnlyAdmin):
    """Read-only: tickets change only through tickets.services, which writes their events."""

    list_display = ("id", "external_id", "subject", "status", "assignee", "team", "updated_at")
    list_filter = ("status", "priority", "channel", "platform", "team")
    search_fields = ("external_id", "subject")


@admin.register(TicketEvent)
class TicketEventAdmin(FrozenAdmin):
    """The append-only log: viewable, never editable."""

    list_display = ("ticket", "kind", "subtype", "at", "agent")
    list_filter = ("kind",)
    raw_id_fields = ("ticket",)
