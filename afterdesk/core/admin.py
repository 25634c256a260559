"""Admin bases for what the apps write through their services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ViewOnlyAdmin(admin.ModelAdmin):
    """Shown, never added or changed here: the app's services validate and write these rows
    (deleting stays possible)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class FrozenAdmin(ViewOnlyAdmin):
    """Shown only: rows that never change once written, not even by a delete here."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
