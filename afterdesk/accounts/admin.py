from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from afterdesk.accounts.models import AgentProfile, ApiToken, Team, User


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "email", "is_active")
    list_filter = ("role", "is_active", "teams")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Afterdesk", {"fields": ("display_name", "role", "teams")}),
    )
    inlines = (AgentProfileInline,)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
