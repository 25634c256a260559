"""Explicit consumer registries: how an app lets the apps built on it react to its changes,
in the same transaction, without importing them (docs/architecture.md, "Dependencies").

The owning app declares a registry and calls `notify` where the change happens; an app above
it registers a consumer in its `AppConfig.ready`. Unlike Django signals, a registry is a
plain object with one documented argument list, found by reading its owner's module, and its
consumers run in registration order inside the caller's transaction: an exception in one
rolls the change back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Consumer = Callable[..., None]


class ConsumerRegistry:
    def __init__(self, name: str) -> None:
        self.name = name
        self._consumers: list[Consumer] = []

    def register(self, consumer: Consumer) -> Consumer:
        """Add a consumer once (registering the same function again changes nothing)."""
        if consumer not in self._consumers:
            self._consumers.append(consumer)
        return consumer

    @property
    def consumers(self) -> tuple[Consumer, ...]:
        return tuple(self._consumers)

    def notify(self, **change: Any) -> None:
        for consumer in self._consumers:
            consumer(**change)

    def __repr__(self) -> str:
        return f"<ConsumerRegistry {self.name}: {len(self._consumers)} consumer(s)>"
