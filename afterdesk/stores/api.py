"""The stores API (admins; docs/stores.md, "API"): store connections (secrets write-only),
their health, "sync now", and CSV order imports (preview, then confirm)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.commerce.models import Platform
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS, Id
from afterdesk.core.tasks import enqueue_on_commit
from afterdesk.stores import selectors
from afterdesk.stores.models import DeliveryState, StoreConnection, WebhookDelivery
from afterdesk.stores.schemas import (
    OrderImportDoneOut,
    OrderImportIn,
    OrderImportPreviewOut,
    StoreConnectionIn,
    StoreConnectionOut,
    StoreConnectionPatch,
    StoreHealthOut,
    StoreSyncQueued,
    StoreWebhookDeliveryOut,
)
from afterdesk.stores.services.connections import (
    ConnectionInput,
    connection_delete,
    connection_save,
)
from afterdesk.stores.services.csv_import import ImportPreview, import_confirm, import_preview
from afterdesk.stores.services.webhooks import delivery_retry
from afterdesk.stores.tasks import connection_sync_task

router = Router(tags=["stores"])
# Amazon and eBay send no webhooks here (their orders come by the sync).
WEBHOOK_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE)
ADMINS = requires(lambda user: user_require_configure(user=user))


def _failed_deliveries(connection: StoreConnection) -> int:
    annotated = getattr(connection, "failed_deliveries", None)  # selectors annotate it
    if annotated is not None:
        return int(annotated)
    return connection.deliveries.filter(state=DeliveryState.FAILED).count()


def connection_out(connection: StoreConnection) -> dict[str, Any]:
    return {
        "id": connection.pk,
        "platform": connection.platform,
        "name": connection.name,
        "store": connection.store.code,
        "base_url": connection.base_url,
        "api_version": connection.api_version,
        "options": {str(k): str(v) for k, v in (connection.options or {}).items()},
        "enabled": connection.enabled,
        "webhook_path": (
            f"/webhooks/{connection.platform}/{connection.key}"
            if connection.platform in WEBHOOK_PLATFORMS
            else ""
        ),
        "credentials_set": bool(connection.credentials_encrypted),
        "webhook_secret_set": bool(connection.webhook_secret_encrypted),
        "last_sync_at": connection.last_sync_at,
        "last_sync_result": connection.last_sync_result,
        "last_error": connection.last_error,
        "last_error_at": connection.last_error_at,
        "sync_watermark": connection.sync_watermark,
        "failed_deliveries": _failed_deliveries(connection),
    }


@router.get(
    "/stores/connections", response={200: list[StoreConnectionOut], **AUTH_ERRORS}, auth=ADMINS
)
def connections(request: HttpRequest) -> list[dict[str, Any]]:
    return [connection_out(c) for c in selectors.connections_list(user=request_user(request))]


@router.post("/stores/connections", response={201: StoreConnectionOut, **WRITE_ERRORS}, auth=ADMINS)
def connection_create(request: HttpRequest, payload: StoreConnectionIn) -> Status[dict[str, Any]]:
    """A new connection and its store; secrets are stored encrypted and never shown again."""
    data = payload.model_dump(exclude_none=True)
    connection = connection_save(ConnectionInput(**data))
    return Status(201, connection_out(connection))


@router.get(
    "/stores/connections/{connection_id}",
    response={200: StoreHealthOut, **READ_ERRORS},
    auth=ADMINS,
)
def connection_health(request: HttpRequest, connection_id: Id) -> dict[str, Any]:
    """The connection with its last sync, last error and latest webhook deliveries."""
    connection = selectors.connection_get(user=request_user(request), connection_id=connection_id)
    return {
        "connection": connection_out(connection),
        "deliveries": selectors.deliveries_recent(connection),
    }


@router.patch(
    "/stores/connections/{connection_id}",
    response={200: StoreConnectionOut, **WRITE_ERRORS},
    auth=ADMINS,
)
def connection_update(
    request: HttpRequest, connection_id: Id, payload: StoreConnectionPatch
) -> dict[str, Any]:
    connection = selectors.connection_get(user=request_user(request), connection_id=connection_id)
    current = ConnectionInput(
        platform=connection.platform,
        name=connection.name,
        base_url=connection.base_url,
        api_version=connection.api_version,
        market=connection.store.market,
        currency=connection.store.currency,
        enabled=connection.enabled,
    )
    for name, value in payload.model_dump(exclude_none=True).items():
        setattr(current, name, value)
    return connection_out(connection_save(current, existing=connection))


@router.delete(
    "/stores/connections/{connection_id}", response={204: None, **WRITE_ERRORS}, auth=ADMINS
)
def connection_remove(request: HttpRequest, connection_id: Id) -> Status[None]:
    """The connection goes; its store and orders stay."""
    connection = selectors.connection_get(user=request_user(request), connection_id=connection_id)
    connection_delete(connection)
    return Status(204, None)


@router.post(
    "/stores/connections/{connection_id}/sync",
    response={202: StoreSyncQueued, **WRITE_ERRORS},
    auth=ADMINS,
)
def connection_sync_now(request: HttpRequest, connection_id: Id) -> Status[StoreSyncQueued]:
    """Queue the connection's order sync now; its outcome shows in the health view."""
    connection = selectors.connection_get(user=request_user(request), connection_id=connection_id)
    enqueue_on_commit(connection_sync_task, connection_id=connection.pk)
    return Status(202, StoreSyncQueued(queued=True))


@router.post(
    "/stores/connections/{connection_id}/deliveries/{delivery_id}/retry",
    response={202: StoreWebhookDeliveryOut, **WRITE_ERRORS},
    auth=ADMINS,
)
def delivery_retry_now(
    request: HttpRequest, connection_id: Id, delivery_id: Id
) -> Status[WebhookDelivery]:
    """Queue a failed webhook delivery again (409 when it is not failed); its outcome shows
    in the health view."""
    connection = selectors.connection_get(user=request_user(request), connection_id=connection_id)
    return Status(202, delivery_retry(connection, delivery_id))


def preview_out(preview: ImportPreview) -> dict[str, Any]:
    return {
        "import_id": preview.record.pk if preview.record else None,
        "orders": preview.order_count,
        "rows": preview.rows,
        "first_orders": [
            {
                "number": o.number,
                "placed_at": o.placed_at,
                "currency": o.currency,
                "total": o.total,
                "status": o.status,
                "customer_email": o.customer.email if o.customer else "",
                "lines": o.lines,
            }
            for o in preview.first_orders
        ],
        "errors": preview.errors,
    }


@router.post("/stores/imports", response={201: OrderImportPreviewOut, **WRITE_ERRORS}, auth=ADMINS)
def import_create(request: HttpRequest, payload: OrderImportIn) -> Status[dict[str, Any]]:
    """Check a CSV file of orders: the first orders as they will be stored and every error
    with its line number. Without errors it is kept (`import_id`) until confirmed; nothing
    is written to the orders yet."""
    user = request_user(request)
    store = selectors.store_by_code(user=user, code=payload.store)
    preview = import_preview(
        store=store, content=payload.csv, file_name=payload.file_name, user_id=user.pk
    )
    return Status(201, preview_out(preview))


@router.post(
    "/stores/imports/{import_id}/confirm",
    response={200: OrderImportDoneOut, **WRITE_ERRORS},
    auth=ADMINS,
)
def import_run(request: HttpRequest, import_id: Id) -> dict[str, Any]:
    """Write every order of a previewed import, all or nothing; twice: 409."""
    record = selectors.import_get(user=request_user(request), import_id=import_id)
    return {"import_id": record.pk, "orders_written": import_confirm(record)}
