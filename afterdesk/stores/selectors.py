"""Reads of the stores app that authorise: configuration is for admins only."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.commerce.models import Store
from afterdesk.core.errors import NotFound
from afterdesk.stores.models import DeliveryState, OrderImport, StoreConnection, WebhookDelivery

RECENT_DELIVERIES = 20


def _with_health() -> QuerySet[StoreConnection]:
    """Connections with their store and `failed_deliveries`, the webhook deliveries waiting
    for an admin's retry, in the same query."""
    failed = Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED))
    return StoreConnection.objects.select_related("store").annotate(failed_deliveries=failed)


def connections_list(*, user: User) -> QuerySet[StoreConnection]:
    user_require_configure(user=user)
    return _with_health().order_by("name", "id")


def connection_get(*, user: User, connection_id: int) -> StoreConnection:
    user_require_configure(user=user)
    found = _with_health().filter(pk=connection_id).first()
    if found is None:
        raise NotFound(f"no store connection {connection_id}", field="connection")
    return found


def deliveries_recent(connection: StoreConnection) -> list[WebhookDelivery]:
    """The connection's latest webhook deliveries, without their bodies."""
    return list(
        WebhookDelivery.objects.filter(connection=connection)
        .defer("body")
        .order_by("-received_at", "-id")[:RECENT_DELIVERIES]
    )


def stores_for_import(*, user: User) -> QuerySet[Store]:
    user_require_configure(user=user)
    return Store.objects.order_by("name", "code")


def store_by_code(*, user: User, code: str) -> Store:
    user_require_configure(user=user)
    found = Store.objects.filter(code=code).first()
    if found is None:
        raise NotFound(f"no store with code {code[:60]!r}", field="store")
    return found


def import_get(*, user: User, import_id: int) -> OrderImport:
    user_require_configure(user=user)
    found = OrderImport.objects.select_related("store").filter(pk=import_id).first()
    if found is None:
        raise NotFound(f"no order import {import_id}", field="import")
    return found
