"""Writes for stores, customers and orders."""

from __future__ import annotations

from afterdesk.commerce.models import Platform, Store


def store_get_or_create(*, code: str, platform: str | None = None, market: str = "") -> Store:
    """The store with this history id; created on first mention (stores need no history line)."""
    store = Store.objects.filter(code=code).first()
    if store is not None:
        return store
    return Store.objects.create(
        code=code,
        name=code,
        platform=platform if platform in Platform.values else Platform.OTHER,
        market=market,
    )
