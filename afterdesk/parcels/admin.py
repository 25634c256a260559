from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from afterdesk.parcels.models import ParcelStall, StallRule, TrackerSecret, TrackingDelivery
from afterdesk.parcels.services.webhooks import tracking_deliveries_retry


class TrackerSecretForm(forms.ModelForm):
    """The secret is typed in plain and stored encrypted; it is never shown again."""

    secret = forms.CharField(widget=forms.PasswordInput, strip=True)

    class Meta:
        model = TrackerSecret
        fields = ("source",)

    def save(self, commit: bool = True) -> TrackerSecret:
        instance: TrackerSecret = super().save(commit=False)
        instance.set_secret(self.cleaned_data["secret"])
        if commit:
            instance.save()
        return instance


@admin.register(TrackerSecret)
class TrackerSecretAdmin(admin.ModelAdmin):
    form = TrackerSecretForm
    list_display = ("source", "updated_at")


@admin.register(TrackingDelivery)
class TrackingDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "state", "events_written", "reason")
    list_filter = ("source", "state")
    exclude = ("body",)
    readonly_fields = ("source", "body_sha256", "state", "reason", "events_written", "received_at")
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[TrackingDelivery]) -> None:
        queued = tracking_deliveries_retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)s failed deliveries queued again.") % {"count": queued}
        )
        if not queued:
            self.message_user(request, _("Only failed deliveries are retried."), messages.WARNING)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ParcelStall)
class ParcelStallAdmin(admin.ModelAdmin):
    list_display = ("shipment", "stalled_since", "quiet_days", "raised_at", "ended_at")
    list_filter = ("ended_at",)
    raw_id_fields = ("shipment",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StallRule)
class StallRuleAdmin(admin.ModelAdmin):
    """Days until a parcel is stalled, per market and carrier; over the settings' overrides
    for the same market and carrier (docs/stores.md, "Stalled parcels")."""

    list_display = ("market", "carrier", "days", "updated_at")
    list_editable = ("days",)
    ordering = ("market", "carrier")
