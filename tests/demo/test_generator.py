from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from afterdesk.core.timeutil import parse_instant
from afterdesk.demo.generator import generate, today_base
from afterdesk.demo.stories import CATEGORIES, LANGUAGES, PACKS
from afterdesk.demo.timeline import OpeningHours
from afterdesk.tickets.events import (
    EVENT_SPECS,
    RETURN_OUTCOMES,
    STATUSES,
    SYSTEM_EVENT_TYPES,
)

BASE = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def _lines(seed: int, tickets: int = 150) -> list[str]:
    dataset = generate(seed=seed, tickets=tickets, base=BASE)
    return [json.dumps(line, sort_keys=True) for line in dataset.history_lines()]


def test_same_seed_and_day_give_the_same_lines() -> None:
    assert _lines(7) == _lines(7)
    assert _lines(7) != _lines(8)


def test_base_is_todays_midnight_utc() -> None:
    now = datetime(2026, 3, 29, 17, 45, 12, tzinfo=UTC)
    assert today_base(now) == datetime(2026, 3, 29, tzinfo=UTC)


def test_lines_follow_the_history_format_and_the_story_rules() -> None:
    """Every line has its required fields, no unknown ones, valid values, references known
    ids and is not earlier than its ticket; nothing happens at or after `base`."""
    dataset = generate(seed=3, tickets=300, base=BASE)
    agents = {line["id"] for line in dataset.agents}
    calendars = {line["id"] for line in dataset.calendars}
    created: dict[str, datetime] = {}
    for line in dataset.history_lines():
        kind = line["type"]
        if kind == "ticket":
            assert line.get("calendar", "us-east") in calendars
            assert line["priority"] in ("low", "normal", "high", "urgent")
            created[line["id"]] = parse_instant(line["created_at"])
            continue
        if kind not in EVENT_SPECS:
            continue
        spec = EVENT_SPECS[kind]
        fields = set(line) - {"type", "ticket", "at"}
        assert set(spec.required) <= fields, line
        assert fields <= set(spec.required) | set(spec.optional), line
        at = parse_instant(line["at"])
        assert created[line["ticket"]] <= at < BASE
        for key in ("agent", "reviewer"):
            assert line.get(key) is None or line[key] in agents
        if kind == "message" and line["kind"] in ("reply", "note"):
            assert line["agent"] in agents
        if kind == "status":
            assert line["status"] in STATUSES
        if kind == "return":
            assert line["outcome"] in RETURN_OUTCOMES
        if kind == "csat":
            assert line["rating"] in range(1, 6)


def test_all_languages_categories_and_event_types_are_represented() -> None:
    dataset = generate(seed=11, tickets=600, base=BASE)
    tickets = [t.line for t in dataset.tickets]
    assert {t["language"] for t in tickets} == set(LANGUAGES)
    assert {t["category"] for t in tickets} == set(CATEGORIES)
    event_types = Counter(e["type"] for t in dataset.tickets for e in t.events)
    # every type a person or a channel writes; the SLA events are Afterdesk's own, and the
    # demo's agents answer every buyer (no "no response needed")
    assert set(event_types) == set(EVENT_SPECS) - SYSTEM_EVENT_TYPES - {"no_reply"}
    statuses = Counter(e["status"] for t in dataset.tickets for e in t.events if "status" in e)
    assert {"pending", "open", "solved", "closed"} <= set(statuses)


def test_customer_messages_are_written_in_the_tickets_language() -> None:
    dataset = generate(seed=5, tickets=200, base=BASE)
    for ticket in dataset.tickets:
        first = ticket.events[0]
        assert (first["type"], first["kind"]) == ("message", "inbound")
        pack = PACKS[ticket.line["language"]]
        starts = [t.split("{")[0][:12] for t in pack.inbound[ticket.line["category"]]]
        assert any(first["body"].startswith(start) for start in starts), first["body"]
        assert "{" not in first["body"]


def test_history_file_is_json_lines(tmp_path: Path) -> None:
    dataset = generate(seed=1, tickets=20, base=BASE)
    path = tmp_path / "demo.jsonl"
    count = dataset.write_history(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == count == 4 + 20 + 20 + dataset.event_count
    assert all(isinstance(json.loads(line), dict) for line in lines)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Friday 19:30 Berlin (after hours) → Monday 08:00 Berlin
        ("2026-10-30T18:30:00Z", "2026-11-02T07:00:00Z"),
        # lunch break 12:45 Berlin → 13:00
        ("2026-10-28T11:45:00Z", "2026-10-28T12:00:00Z"),
        # open: unchanged
        ("2026-10-28T09:00:00Z", "2026-10-28T09:00:00Z"),
        # 2 October 18:30 → 3 October is a holiday, then the weekend → Monday 5 October
        ("2026-10-02T16:30:00Z", "2026-10-05T06:00:00Z"),
    ],
)
def test_opening_hours_next_open(at: str, expected: str) -> None:
    calendar = next(
        line
        for line in generate(seed=1, tickets=1, base=BASE).calendars
        if line["id"] == "eu-berlin"
    )
    assert OpeningHours(calendar).next_open(parse_instant(at)) == parse_instant(expected)
