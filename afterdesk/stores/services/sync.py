"""Order sync (docs/stores.md, "Sync"): every order the platform changed since the last
sync's watermark, oldest change first, written one by one (each in its own transaction). For a
platform that sends the oldest change first (`ordered_by_update`: Shopify, WooCommerce), the
watermark follows the orders written: it is saved after each order whose change is newer, so
a sync that stops halfway (the platform failing past its retries, the worker dying) resumes
from the last order it wrote, and asks again only for the orders changed at that instant
(written again by their platform id: no duplicate). For any other it moves when the whole
sync succeeded. The outcome is kept on the connection for its health view."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from afterdesk.core.credentials import CredentialsError
from afterdesk.core.errors import DomainError
from afterdesk.stores.models import API_PLATFORMS, StoreConnection
from afterdesk.stores.services.connections import source_for
from afterdesk.stores.services.orders import order_upsert
from afterdesk.stores.services.webhooks import deliveries_waiting_requeue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    connection_id: int
    written: int
    created: int
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"failed after {self.written} orders: {self.error}"
        return f"{self.written} orders ({self.created} new)"


def connection_sync(
    connection: StoreConnection, *, sleep: Callable[[float], None] | None = None
) -> SyncResult:
    started = timezone.now()
    written = created = 0
    newest: datetime | None = connection.sync_watermark
    try:
        source = source_for(connection, sleep=sleep)
        # Only a source that sends the oldest change first may move the watermark on the way;
        # any other moves it once the whole sync succeeded.
        ordered = bool(getattr(source, "ordered_by_update", False))
        for found in source.orders_since(connection.sync_watermark):
            upserted = order_upsert(found, store=connection.store, connection=connection)
            written += 1
            created += int(upserted.created)
            if found.updated_at and (newest is None or found.updated_at > newest):
                newest = found.updated_at
                if ordered:  # oldest change first: every order before this one is written
                    _record(connection, sync_watermark=newest)
    except (DomainError, CredentialsError) as error:
        message = getattr(error, "message", str(error))
        logger.warning(
            "store sync failed: connection=%s platform=%s written=%s error=%s",
            connection.pk,
            connection.platform,
            written,
            message,
        )
        result = SyncResult(connection.pk, written, created, error=message)
        _record(
            connection,
            last_sync_at=started,
            last_sync_result=result.line()[:300],
            last_error=message[:2000],
            last_error_at=started,
        )
        return result
    result = SyncResult(connection.pk, written, created)
    _record(
        connection,
        last_sync_at=started,
        last_sync_result=result.line()[:300],
        sync_watermark=newest,
    )
    if written:  # refunds and fulfilments that came before their order
        deliveries_waiting_requeue(connection)
    logger.info("store sync: connection=%s %s", connection.pk, result.line())
    return result


def _record(connection: StoreConnection, **values: object) -> None:
    # An UPDATE of these columns only: an admin editing the connection meanwhile keeps
    # the rest; the object in hand sees the new values too.
    StoreConnection.objects.filter(pk=connection.pk).update(**values)
    for name, value in values.items():
        setattr(connection, name, value)


def connections_sync(connection_id: int | None = None) -> list[SyncResult]:
    """Every enabled connection with an API (or the one asked for, enabled or not)."""
    if connection_id is not None:
        found = StoreConnection.objects.select_related("store").filter(pk=connection_id).first()
        return [connection_sync(found)] if found else []
    connections = StoreConnection.objects.select_related("store").filter(
        enabled=True, platform__in=API_PLATFORMS
    )
    return [connection_sync(connection) for connection in connections]
