from django.contrib import admin

from afterdesk.commerce.models import (
    Customer,
    CustomerIdentity,
    Order,
    OrderLine,
    Shipment,
    Store,
    TrackingEvent,
)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "platform", "market", "currency")
    list_filter = ("platform", "market")


class CustomerIdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "language", "country")
    list_filter = ("store",)
    search_fields = ("name", "identities__value")
    inlines = (CustomerIdentityInline,)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "store", "customer", "status", "total", "currency", "placed_at")
    list_filter = ("store", "status")
    search_fields = ("number",)
    raw_id_fields = ("customer",)
    inlines = (OrderLineInline,)


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("carrier", "tracking_number", "status", "order")
    search_fields = ("tracking_number",)
    raw_id_fields = ("order",)
    inlines = (TrackingEventInline,)
