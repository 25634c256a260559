"""The demo history: calendars, agents and ~3,000 after-sales tickets with all their events,
as history JSON Lines (docs/history.md), plus the customers and orders behind them.

Deterministic: one `random.Random(seed)` draws everything, and every time derives from
`base` (today's midnight UTC), so the same seed on the same day gives the same lines. Each
ticket's story is simulated forward in time and cut at `base`: what would happen later simply
hasn't happened yet, which leaves the newest tickets new, open or pending.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from afterdesk.core.progress import NO_PROGRESS, Progress
from afterdesk.core.timeutil import format_instant
from afterdesk.demo.catalog import AGENTS, EMAIL_DOMAIN, STORES, StoreSpec, calendar_lines
from afterdesk.demo.orders import CustomerSpec, OrderBook, OrderSpec
from afterdesk.demo.stories import CATEGORIES, LANGUAGES
from afterdesk.demo.story import StoryContext, TicketStory
from afterdesk.demo.timeline import OpeningHours

DEFAULT_SEED = 20261001
DEFAULT_TICKETS = 3000
DEFAULT_DAYS = 60

CATEGORY_WEIGHTS = {
    "not_received": 0.24,
    "size_issue": 0.13,
    "quality_issue": 0.13,
    "wrong_item": 0.08,
    "missing_item": 0.07,
    "usage_question": 0.14,
    "return_request": 0.14,
    "dispute": 0.07,
}
# Buyers write more on Mondays and less on Saturdays; most write in their afternoon/evening.
WEEKDAY_WEIGHTS = (1.3, 1.15, 1.0, 1.0, 0.95, 0.7, 0.85)
HOUR_WEIGHTS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.0,
    1.0, 0.95, 0.95, 0.9, 0.9, 0.9, 0.95, 1.0, 1.0, 0.9, 0.7, 0.4,
)  # fmt: skip


def today_base(now: datetime | None = None) -> datetime:
    """Today's midnight UTC: the instant every demo time derives from."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class DemoTicket:
    line: dict[str, Any]
    events: list[dict[str, Any]]
    store: str
    customer: int
    order: str


@dataclass
class DemoDataset:
    base: datetime
    seed: int
    calendars: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    tickets: list[DemoTicket]
    customers: list[CustomerSpec]
    orders: list[OrderSpec]
    stores: tuple[StoreSpec, ...] = field(default=STORES)

    @property
    def event_count(self) -> int:
        return sum(len(ticket.events) for ticket in self.tickets)

    def history_lines(self) -> Iterator[dict[str, Any]]:
        yield from self.calendars
        yield from self.agents
        for ticket in self.tickets:
            yield ticket.line
            yield from ticket.events

    def write_history(self, path: Path, *, progress: Progress = NO_PROGRESS) -> int:
        """Write the history as JSON Lines; return the number of lines."""
        count = 0
        total = len(self.calendars) + len(self.agents) + len(self.tickets) + self.event_count
        progress.stage("Writing history", total=total, unit="lines")
        with path.open("w", encoding="utf-8") as out:
            for line in self.history_lines():
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                count += 1
                progress.advance()
        return count


def agent_lines() -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for agent in AGENTS:
        line: dict[str, Any] = {"type": "agent", "id": agent.username, "name": agent.name}
        if agent.position:
            line["role"] = agent.position  # the position (docs/history.md)
        line |= {
            "shift": agent.shift,
            "languages": list(agent.languages),
            "email": f"{agent.username}@{EMAIL_DOMAIN}",
        }
        if agent.team:
            line["team"] = agent.team
        lines.append(line)
    return lines


def _creation_times(
    rng: random.Random, *, count: int, base: datetime, days: int
) -> list[tuple[datetime, StoreSpec]]:
    """Draw (created_at, store) pairs, weighted by the store's local weekday and hour."""
    start = base - timedelta(days=days)
    span = days * 86400
    stores = list(STORES)
    weights = [store.weight for store in stores]
    zones = {store.code: ZoneInfo(_store_zone(store)) for store in stores}
    peak = max(WEEKDAY_WEIGHTS) * max(HOUR_WEIGHTS)
    drawn: list[tuple[datetime, StoreSpec]] = []
    while len(drawn) < count:
        store = rng.choices(stores, weights)[0]
        at = start + timedelta(seconds=rng.randrange(span))
        local = at.astimezone(zones[store.code])
        weight = WEEKDAY_WEIGHTS[local.weekday()] * HOUR_WEIGHTS[local.hour]
        if rng.random() * peak < weight:
            drawn.append((at, store))
    drawn.sort(key=lambda item: item[0])
    return drawn


def _store_zone(store: StoreSpec) -> str:
    return {
        "US": "America/New_York",
        "DE": "Europe/Berlin",
        "JP": "Asia/Tokyo",
        "EU": "Europe/Paris",
        "GB": "Europe/London",
    }.get(store.market, "America/Sao_Paulo")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def generate(
    *,
    seed: int = DEFAULT_SEED,
    tickets: int = DEFAULT_TICKETS,
    days: int = DEFAULT_DAYS,
    base: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> DemoDataset:
    """Simulate the demo seller's last `days` days of after-sales work."""
    progress.stage("Generating", total=tickets, unit="tickets")
    base = today_base(base)
    rng = random.Random(seed)
    calendars = calendar_lines(base.date())
    hours = {line["id"]: OpeningHours(line) for line in calendars}
    book = OrderBook(rng)
    context = StoryContext(rng=rng, base=base)
    demo_tickets: list[DemoTicket] = []
    for number, (created_at, store) in enumerate(
        _creation_times(rng, count=tickets, base=base, days=days), start=1
    ):
        language = _weighted(rng, store.languages)
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        customer = book.customer_for(store=store, language=language)
        order = book.order_for(
            store=store, customer=customer, category=category, created_at=created_at
        )
        story = TicketStory(
            context,
            ticket_id=f"DM-{number:05d}",
            created_at=created_at,
            store=store,
            language=language,
            category=category,
            channel=_weighted(rng, store.channels),
            customer=customer,
            order=order,
            hours=hours[store.calendar] if store.calendar else OpeningHours(None),
        )
        line, events = story.play()
        demo_tickets.append(
            DemoTicket(line, events, store=store.code, customer=customer.key, order=order.number)
        )
        progress.advance()
    _keep_one_waiting_per_language(demo_tickets)
    return DemoDataset(
        base=base,
        seed=seed,
        calendars=calendars,
        agents=agent_lines(),
        tickets=demo_tickets,
        customers=book.customers,
        orders=book.orders,
    )


UNRESOLVED = frozenset({"new", "open", "pending", "on_hold"})


def _status(ticket: DemoTicket) -> str:
    statuses = [event["status"] for event in ticket.events if event["type"] == "status"]
    return statuses[-1] if statuses else "new"


def _keep_one_waiting_per_language(tickets: list[DemoTicket]) -> None:
    """Leave every language's newest ticket waiting for its first reply when the cut at `base`
    left none of that language unresolved: whether the newest tickets are still open depends
    on the day's draws, and on some days no Spanish (or French) buyer would be waiting, so an
    agent could not try a macro in the buyer's language on the demo (docs/demo.md,
    "Deterministic"). The story is cut before the agent's first reply: the buyer's message,
    the acknowledgement and the assignment stay."""
    waiting = {t.line["language"] for t in tickets if _status(t) in UNRESOLVED}
    newest: dict[str, DemoTicket] = {}
    for ticket in tickets:
        language = ticket.line["language"]
        if (
            language not in newest
            or ticket.line["created_at"] >= newest[language].line["created_at"]
        ):
            newest[language] = ticket
    for language, ticket in newest.items():
        if language in waiting:
            continue
        replies = (i for i, e in enumerate(ticket.events) if e.get("kind") == "reply")
        del ticket.events[next(replies, len(ticket.events)) :]


def instant(at: datetime) -> str:
    return format_instant(at)


__all__ = ["CATEGORIES", "LANGUAGES", "DemoDataset", "DemoTicket", "generate", "today_base"]
