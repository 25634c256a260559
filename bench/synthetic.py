"""A valid, realistic-looking history file of any size, for benchmarks and load tests.

Deterministic for a given seed, written line by line (bounded memory). About five events per
ticket: the buyer's message, an assignment, a reply, a solve, often a rating, and now and then
a reopen, an escalation, a note, a complaint, a return outcome or a QA review.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from afterdesk.tickets.models import Category

START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
SPAN = timedelta(days=180)
TEAMS = ("EU", "US", "APAC")
CALENDARS: tuple[dict[str, Any], ...] = (
    {
        "type": "calendar",
        "id": "eu-office",
        "tz": "Europe/Berlin",
        "hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": ["2026-04-03", "2026-04-06", "2026-05-01"],
    },
    {
        "type": "calendar",
        "id": "us-office",
        "tz": "America/New_York",
        "hours": {
            **{
                day: [["08:00", "12:00"], ["13:00", "18:00"]]
                for day in ("mon", "tue", "wed", "thu", "fri")
            },
            "sat": [["10:00", "14:00"]],
        },
        "holidays": ["2026-05-25", "2026-07-03"],
    },
)
CHANNELS = ("email", "email", "marketplace", "chat", "web")
STORES = (
    ("shop-us", "shopify", "US", "USD"),
    ("amz-de", "amazon", "DE", "EUR"),
    ("ebay-uk", "ebay", "UK", "GBP"),
    ("woo-jp", "woocommerce", "JP", "JPY"),
)
CATEGORIES = tuple(category.value for category in Category if category != Category.MISSING_ITEM)
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
OUTCOMES = ("kept_no_refund", "kept_partial_refund", "withdrawn", "exchange", "return_refund")
BERLIN_SUMMER = timezone(timedelta(hours=2))


def write_synthetic_history(path: Path, *, tickets: int, agents: int = 200, seed: int = 1) -> int:
    """Write a valid history of `tickets` tickets to `path`; return the number of event lines."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for calendar in CALENDARS:
            _write(out, calendar)
        agent_ids, reviewer_ids = _write_agents(out, rng, agents)
        step = SPAN / max(tickets, 1)
        events = 0
        for index in range(tickets):
            created = START + step * index + timedelta(seconds=rng.randrange(60))
            events += _write_ticket(out, rng, index, created, agent_ids, reviewer_ids)
    return events


def _write(out: TextIO, line: dict[str, Any]) -> None:
    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def _at(rng: random.Random, instant: datetime) -> str:
    """Mostly UTC with Z; sometimes another offset (docs/history.md, "Lines and times")."""
    if rng.random() < 0.1:
        return instant.astimezone(BERLIN_SUMMER).isoformat()
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Positions scored by four presets (docs/metrics.md, "Positions and templates"), so the
# benchmarks time scorecards under several templates: 6 in 10 first line, 2 second line,
# 1 minor language, 1 new agent.
POSITIONS = ("first_line",) * 6 + ("second_line",) * 2 + ("minor_language", "new_agent")


def _position(number: int) -> str:
    return POSITIONS[number % len(POSITIONS)]


def _write_agents(out: TextIO, rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    agent_ids: list[str] = []
    reviewer_ids: list[str] = []
    for number in range(1, count + 1):
        username = f"agent{number:04d}"
        role = "qa_reviewer" if number % 25 == 0 else _position(number)
        (reviewer_ids if role == "qa_reviewer" else agent_ids).append(username)
        _write(
            out,
            {
                "type": "agent",
                "id": username,
                "name": f"Agent {number}",
                "role": role,
                "team": TEAMS[number % len(TEAMS)],
                "shift": rng.choice(("early", "day", "late")),
                "languages": rng.sample(["en", "de", "fr", "ja", "es"], k=rng.randint(1, 2)),
                "email": f"{username}@example.com",
            },
        )
    if not agent_ids:
        raise ValueError("a synthetic history needs at least one agent who is not a reviewer")
    return agent_ids, reviewer_ids or agent_ids


def _write_ticket(
    out: TextIO,
    rng: random.Random,
    index: int,
    created: datetime,
    agent_ids: list[str],
    reviewer_ids: list[str],
) -> int:
    ticket_id = f"T-{index + 1:07d}"
    store, platform, market, currency = rng.choice(STORES)
    ticket: dict[str, Any] = {
        "type": "ticket",
        "id": ticket_id,
        "created_at": _at(rng, created),
        "channel": rng.choice(CHANNELS),
        "subject": f"Order question {index + 1}",
        "platform": platform,
        "store": store,
        "market": market,
        "language": "en",
        "category": rng.choice(CATEGORIES),
        "priority": rng.choice(PRIORITIES),
        "order_value": round(rng.uniform(5, 400), 2),
        "currency": currency,
    }
    if rng.random() < 0.8:
        ticket["calendar"] = "eu-office" if market in ("DE", "UK") else "us-office"
    _write(out, ticket)
    agent = rng.choice(agent_ids)
    lines: list[dict[str, Any]] = [
        {"type": "message", "at": created, "kind": "inbound", "body": "Where is my order?"}
    ]
    now = created + timedelta(minutes=rng.randint(1, 30))
    lines.append({"type": "assign", "at": now, "agent": agent, "team": TEAMS[index % 3]})
    if rng.random() < 0.05:
        lines.append({"type": "message", "at": now, "kind": "note", "agent": agent, "body": "VIP"})
    now += timedelta(minutes=rng.randint(5, 2880))
    lines.append(
        {"type": "message", "at": now, "kind": "reply", "agent": agent, "body": "On its way!"}
    )
    if rng.random() < 0.05:
        lines.append({"type": "escalate", "at": now, "agent": agent, "to": "tier2"})
    lines.append({"type": "status", "at": now, "status": "solved", "agent": agent})
    if rng.random() < 0.1:  # the buyer writes again: a reopen, another reply and solve
        now += timedelta(hours=rng.randint(1, 72))
        lines.append({"type": "message", "at": now, "kind": "inbound", "body": "Still nothing."})
        lines.append({"type": "status", "at": now, "status": "open"})
        now += timedelta(minutes=rng.randint(5, 600))
        lines.append(
            {"type": "message", "at": now, "kind": "reply", "agent": agent, "body": "Sorry"}
        )
        lines.append({"type": "status", "at": now, "status": "solved", "agent": agent})
    if rng.random() < 0.35:
        now += timedelta(hours=rng.randint(1, 48))
        rating = rng.choice((5, 5, 5, 4, 4, 3, 2, 1))
        lines.append({"type": "csat", "at": now, "rating": rating})
    if rng.random() < 0.03:
        now += timedelta(hours=1)
        lines.append({"type": "complaint", "at": now, "agent": agent, "body": "Rude reply"})
    if rng.random() < 0.05:
        now += timedelta(days=rng.randint(1, 10))
        lines.append({"type": "return", "at": now, "outcome": rng.choice(OUTCOMES)})
    if rng.random() < 0.05:
        now += timedelta(days=1)
        score = rng.choice((55, 70, 82.5, 90, 100))
        reviewer = rng.choice(reviewer_ids)
        lines.append(
            {"type": "qa_review", "at": now, "agent": agent, "score": score, "reviewer": reviewer}
        )
    for line in lines:
        kind, at = line.pop("type"), line.pop("at")
        _write(out, {"type": kind, "ticket": ticket_id, "at": _at(rng, at), **line})
    return len(lines)
