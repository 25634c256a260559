"""`sla_warning` and `sla_breach`, the events Afterdesk writes itself (docs/history.md, "Events
Afterdesk writes itself"): imported, stored, exported unchanged, validated line by line, at most
one breach per ticket, target and deadline, and ignored by the facts and KPIs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.core import parallel
from afterdesk.core.timeutil import format_instant, parse_instant
from afterdesk.history.checker import history_check
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.templates import default_template
from afterdesk.tickets.models import Ticket, TicketEvent
from bench.synthetic import write_synthetic_history
from tests.history.helpers import (
    AGENT,
    CALENDAR,
    INBOUND,
    REPLY,
    TICKET,
    event,
    flush_history,
    history_snapshot,
    write_history,
)

pytestmark = pytest.mark.django_db

BASE = [CALENDAR, AGENT, TICKET, INBOUND]  # lines 1–4
FULL_WARNING = event(
    "sla_warning",
    "2026-10-01T08:30:00Z",
    target="first_reply",
    policy="EU standard",
    due="2026-10-01T10:45:00+02:00",
)
FULL_BREACH = event(
    "sla_breach",
    "2026-10-01T08:45:00Z",
    target="first_reply",
    policy="EU standard",
    due="2026-10-01T10:45:00+02:00",
)


def nothing_written() -> bool:
    return not (Ticket.objects.exists() or TicketEvent.objects.exists() or User.objects.exists())


def test_both_types_import_with_all_fields_and_with_the_minimal_ones(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        FULL_WARNING,
        FULL_BREACH,
        event("sla_warning", "2026-10-02T08:00:00Z", target="next_reply"),
        event("sla_breach", "2026-10-03T08:00:00Z", target="resolution", policy=None, due=None),
    )
    report = history_import(path)
    assert report.errors == []
    assert "sla_warning: 2 added, 0 already present" in report.summary_lines()
    assert "sla_breach: 2 added, 0 already present" in report.summary_lines()
    rows = list(
        TicketEvent.objects.filter(kind__startswith="sla_")
        .order_by("at")
        .values_list("kind", "subtype", "fields", "agent", "score")
    )
    assert rows == [
        (
            "sla_warning",
            "first_reply",
            {"target": "first_reply", "policy": "EU standard", "due": "2026-10-01T10:45:00+02:00"},
            None,
            None,
        ),
        (
            "sla_breach",
            "first_reply",
            {"target": "first_reply", "policy": "EU standard", "due": "2026-10-01T10:45:00+02:00"},
            None,
            None,
        ),
        ("sla_warning", "next_reply", {"target": "next_reply"}, None, None),
        ("sla_breach", "resolution", {"target": "resolution"}, None, None),
    ]
    # SQL can filter on the target
    assert TicketEvent.objects.filter(subtype="first_reply").count() == 2
    ticket = Ticket.objects.get(external_id="T-1")
    assert (ticket.status, ticket.assignee) == ("new", None)


def test_export_then_import_into_an_empty_database_gives_the_identical_file(
    tmp_path: Path,
) -> None:
    sla_lines = [
        FULL_WARNING,
        FULL_BREACH,
        # at the same instant as the reply: file order is kept
        event(
            "sla_warning",
            "2026-10-01T09:00:00Z",
            target="next_reply",
            due="2026-10-01T17:00:00-05:00",
        ),
        event("sla_breach", "2026-10-02T09:00:00+09:00", target="resolution", policy="VIP"),
    ]
    source = write_history(tmp_path / "source.jsonl", *BASE, *sla_lines, REPLY)
    assert history_import(source).errors == []
    first = io.StringIO()
    counts = history_export(first)
    assert (counts["sla_warning"], counts["sla_breach"]) == (2, 2)
    exported = [json.loads(line) for line in first.getvalue().splitlines()]
    # as the exporter writes events: `at` in UTC, the fields in the table's order, `due` as given
    sla_exported = [line for line in exported if line["type"].startswith("sla_")]
    assert sla_exported == [
        {**line, "at": format_instant(parse_instant(line["at"]))}
        for line in sorted(sla_lines, key=lambda line: parse_instant(line["at"]))
    ]
    assert list(sla_exported[0]) == [
        "type",
        "ticket",
        "at",
        "target",
        "policy",
        "due",
    ]
    kinds = [line["type"] for line in exported if line["type"] not in ("calendar", "agent")]
    assert kinds == [
        "ticket",
        "message",
        "sla_warning",
        "sla_breach",
        "sla_warning",
        "message",
        "sla_breach",
    ]
    before = history_snapshot()

    flush_history()
    Team.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(first.getvalue(), encoding="utf-8")
    assert history_import(copy).errors == []
    second = io.StringIO()
    history_export(second)
    assert second.getvalue() == first.getvalue()
    after = history_snapshot()
    assert after["events"] == before["events"]
    assert after["tickets"] == before["tickets"]


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        FULL_WARNING,
        FULL_BREACH,
        event("sla_breach", "2026-10-03T08:00:00Z", target="resolution"),
    )
    assert history_import(path).errors == []
    before = history_snapshot()
    again = history_import(path)
    assert again.errors == []
    assert "sla_warning: 0 added, 1 already present" in again.summary_lines()
    assert "sla_breach: 0 added, 2 already present" in again.summary_lines()
    assert history_snapshot() == before


def test_a_null_optional_field_is_the_same_event_as_one_left_out(tmp_path: Path) -> None:
    minimal = event("sla_breach", "2026-10-03T08:00:00Z", target="resolution")
    assert history_import(write_history(tmp_path / "a.jsonl", *BASE, minimal)).errors == []
    # the same breach: offset in `at`, nulls for the optional fields
    same = event(
        "sla_breach", "2026-10-03T10:00:00+02:00", target="resolution", policy=None, due=None
    )
    report = history_import(write_history(tmp_path / "b.jsonl", *BASE, same, same))
    assert report.errors == []
    assert "sla_breach: 0 added, 2 already present" in report.summary_lines()
    assert TicketEvent.objects.filter(kind="sla_breach").count() == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            event("sla_warning", target="first_response"),
            "line 5: target 'first_response' is not one of first_reply, next_reply, "
            "periodic_update, resolution",
        ),
        (event("sla_breach"), "line 5: missing required field 'target'"),
        (event("sla_breach", target=None), "line 5: missing required field 'target'"),
        (event("sla_breach", target=1), "line 5: target 1 is not one of"),
        (
            event("sla_breach", target="resolution", due="2026-10-01T10:00:00"),
            "line 5: due: time without an offset: '2026-10-01T10:00:00'",
        ),
        (
            event("sla_warning", target="resolution", due="tomorrow"),
            "line 5: due: not an ISO 8601 time: 'tomorrow'",
        ),
        (
            event("sla_warning", target="resolution", due=1764000000),
            "line 5: due: must be an ISO 8601 string with an offset",
        ),
        (
            event("sla_breach", target="resolution", policy=["x"]),
            "line 5: policy must be a string",
        ),
        (
            event("sla_breach", target="resolution", agent="anna"),
            "line 5: unknown field 'agent' for type sla_breach",
        ),
        (
            event("sla_warning", target="resolution", due_at="2026-10-01T10:00:00Z"),
            "line 5: unknown field 'due_at' for type sla_warning",
        ),
        (
            event("sla_breach", "2026-10-01T07:59:59Z", target="resolution"),
            "line 5: event at 2026-10-01T07:59:59Z is earlier than the created_at of ticket "
            "'T-1' (2026-10-01T08:00:00Z)",
        ),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_imported(
    tmp_path: Path, line: dict[str, Any], message: str
) -> None:
    path = write_history(tmp_path / "h.jsonl", *BASE, line, FULL_WARNING)
    report = history_import(path)
    assert report.error_lines()[0].startswith(message)
    assert [n for n, _m in report.errors] == [5]
    assert not report.imported
    assert nothing_written()

    skipped = history_import(path, skip_invalid=True)
    assert skipped.imported
    assert [n for n, _m in skipped.errors] == [5]
    assert list(TicketEvent.objects.values_list("kind", flat=True).order_by("at")) == [
        "message",
        "sla_warning",
    ]


def test_a_second_breach_for_the_same_deadline_in_one_file_is_an_error(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        FULL_BREACH,  # line 5: due 08:45Z
        # line 6: the same deadline written with another offset, another event
        event(
            "sla_breach", "2026-10-01T09:30:00Z", target="first_reply", due="2026-10-01T08:45:00Z"
        ),
        # another target, another deadline, none: each its own first breach
        event(
            "sla_breach", "2026-10-01T09:30:00Z", target="next_reply", due="2026-10-01T08:45:00Z"
        ),
        event(
            "sla_breach", "2026-10-01T09:40:00Z", target="first_reply", due="2026-10-01T08:50:00Z"
        ),
        event("sla_breach", "2026-10-01T09:50:00Z", target="first_reply"),
        FULL_BREACH,  # line 10: the very same event again, not a second breach
        event("sla_breach", "2026-10-01T09:55:00Z", target="first_reply", policy="other"),  # 11
    )
    report = history_import(path)
    assert report.error_lines() == [
        "line 6: ticket 'T-1' already has an sla_breach for first_reply due "
        "2026-10-01T08:45:00Z (line 5); at most one sla_breach per ticket, target and deadline",
        "line 11: ticket 'T-1' already has an sla_breach for first_reply without a due "
        "(line 9); at most one sla_breach per ticket, target and deadline",
    ]
    assert nothing_written()

    report = history_import(path, skip_invalid=True)
    assert report.imported
    assert "sla_breach: 4 added, 1 already present" in report.summary_lines()
    assert TicketEvent.objects.filter(kind="sla_breach").count() == 4


def test_a_breach_for_a_stored_deadline_is_an_error(tmp_path: Path) -> None:
    assert history_import(write_history(tmp_path / "a.jsonl", *BASE, FULL_BREACH)).ok
    assert history_import(
        write_history(tmp_path / "b.jsonl", event("sla_breach", target="resolution"))
    ).ok
    before = history_snapshot()
    path = write_history(
        tmp_path / "c.jsonl",
        INBOUND,  # line 1: present
        # line 2: the same deadline, the offset of Tokyo
        event(
            "sla_breach",
            "2026-10-01T10:00:00Z",
            target="first_reply",
            due="2026-10-01T17:45:00+09:00",
        ),
        FULL_BREACH,  # line 3: the stored event itself
        event("sla_breach", "2026-10-02T09:00:00Z", target="resolution", policy="late"),  # 4
        event("sla_breach", "2026-10-02T09:00:00Z", target="next_reply"),  # 5: a first one
    )
    report = history_import(path)
    assert report.error_lines() == [
        "line 2: ticket 'T-1' already has an sla_breach for first_reply due "
        "2026-10-01T08:45:00Z (stored); at most one sla_breach per ticket, target and deadline",
        "line 4: ticket 'T-1' already has an sla_breach for resolution without a due "
        "(stored); at most one sla_breach per ticket, target and deadline",
    ]
    assert history_snapshot() == before

    report = history_import(path, skip_invalid=True)
    assert "sla_breach: 1 added, 1 already present" in report.summary_lines()
    assert sorted(
        TicketEvent.objects.filter(kind="sla_breach").values_list("subtype", flat=True)
    ) == [
        "first_reply",
        "next_reply",
        "resolution",
    ]


def test_a_breach_whose_ticket_line_was_skipped_does_not_hold_the_deadline(
    tmp_path: Path,
) -> None:
    """With --skip-invalid, only valid lines count: a breach of a skipped line (here its
    ticket is unknown) leaves the deadline to the next one."""
    other = {"type": "ticket", "id": "T-2", "created_at": "2026-10-01T08:00:00Z", "channel": "x"}
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        {**FULL_BREACH, "ticket": "T-9"},  # line 5: unknown ticket
        {**FULL_BREACH, "ticket": "T-2"},  # line 6
        other,
        {**FULL_BREACH, "ticket": "T-9", "at": "2026-10-01T09:00:00Z"},  # line 8: unknown
    )
    report = history_import(path, skip_invalid=True)
    assert [n for n, _m in report.errors] == [5, 8]
    assert all("unknown ticket 'T-9'" in m for _n, m in report.errors)
    assert TicketEvent.objects.filter(kind="sla_breach", ticket__external_id="T-2").count() == 1


def test_warnings_may_repeat(tmp_path: Path) -> None:
    warnings = [
        event(
            "sla_warning",
            f"2026-10-01T0{hour}:00:00Z",
            target="first_reply",
            due="2026-10-01T10:00:00Z",
        )
        for hour in (8, 9)
    ] + [
        event(
            "sla_warning",
            "2026-10-01T09:30:00Z",
            target="first_reply",
            due="2026-10-01T12:00:00+02:00",
        )
    ]
    path = write_history(tmp_path / "h.jsonl", *BASE, *warnings)
    report = history_import(path)
    assert report.errors == []
    assert "sla_warning: 3 added, 0 already present" in report.summary_lines()
    again = write_history(
        tmp_path / "again.jsonl",
        event(
            "sla_warning", "2026-10-01T09:45:00Z", target="first_reply", due="2026-10-01T10:00:00Z"
        ),
    )
    assert history_import(again).ok
    assert TicketEvent.objects.filter(kind="sla_warning").count() == 4


def test_worker_processes_apply_the_breach_rule_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.jsonl"
    lines = [CALENDAR, AGENT, TICKET, INBOUND]
    for number in range(60):
        lines.append(
            event(
                "message",
                f"2026-10-0{1 + number % 9}T09:{number % 60:02d}:00Z",
                kind="auto",
                body="x" * 80,
            )
        )
    lines.insert(10, FULL_BREACH)
    lines.append(
        event(
            "sla_breach",
            "2026-10-09T10:00:00Z",
            target="first_reply",
            due="2026-10-01T09:45:00+01:00",
        )
    )
    write_history(path, *lines)
    in_process = history_check(path=path, processes=0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 512)
    assert len(list(parallel.file_chunks(path))) > 5
    in_workers = history_check(path=path, processes=2)
    assert in_workers.sorted_errors() == in_process.sorted_errors()
    assert in_workers.sorted_errors() == [
        (
            len(lines),
            "ticket 'T-1' already has an sla_breach for first_reply due 2026-10-01T08:45:00Z "
            "(line 11); at most one sla_breach per ticket, target and deadline",
        )
    ]


# ---------------------------------------------------------------------------- figures


def _with_sla_lines(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """For every ticket of a history file: a warning and a breach of each target, the first
    warning at the ticket's `created_at` (the instant of its first message), and now and then
    a warning at the instant of another event. Returns those lines alone, and the file with
    each ticket's lines right after the ticket line (before its events in file order)."""
    alone: list[dict[str, Any]] = []
    interleaved: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = json.loads(raw)
        interleaved.append(raw)
        lines: list[dict[str, Any]] = []
        if line["type"] == "ticket":
            created = parse_instant(line["created_at"])
            for index, target in enumerate(("first_reply", "next_reply", "resolution")):
                due = created + timedelta(hours=index + 1)
                lines.append(
                    event("sla_warning", line["created_at"], target=target, due=format_instant(due))
                )
                lines.append(
                    event(
                        "sla_breach",
                        format_instant(due + timedelta(minutes=1)),
                        target=target,
                        policy="standard",
                        due=due.astimezone(UTC).isoformat(),
                    )
                )
            lines = [{**item, "ticket": line["id"]} for item in lines]
        elif line["type"] not in ("calendar", "agent") and len(alone) % 7 == 0:
            lines.append(
                {**event("sla_warning", line["at"], target="resolution"), "ticket": line["ticket"]}
            )
        alone += lines
        interleaved += [json.dumps(item) for item in lines]
    return alone, interleaved


def _figures() -> tuple[dict[str, Any], list[Any], list[Any]]:
    """Every KPI of every agent, the facts and the reply waits, by username and ticket id."""
    names = dict(User.objects.values_list("pk", "username"))
    kpis = compute_kpis(
        start=datetime(2020, 1, 1, tzinfo=UTC),
        end=datetime(2030, 1, 1, tzinfo=UTC),
        template=default_template(),
    )
    agents = {
        names[agent]: {kpi: (value.value, value.n) for kpi, value in values.items()}
        for agent, values in kpis.items()
    }
    columns = [
        field.attname
        for field in TicketFacts._meta.concrete_fields
        if field.attname not in ("ticket_id", "computed_at")
    ]
    facts = sorted(
        (
            row["ticket__external_id"],
            *(names.get(row[key]) if key.endswith("_id") else row[key] for key in columns),
        )
        for row in TicketFacts.objects.values(*columns, "ticket__external_id")
    )
    waits = sorted(
        (ticket, names.get(agent), at, since, elapsed, business)
        for ticket, agent, at, since, elapsed, business in ReplyWait.objects.values_list(
            "ticket__external_id", "agent_id", "at", "waiting_since", "elapsed_us", "business_us"
        )
    )
    return agents, facts, waits


def test_the_facts_and_kpis_ignore_sla_events(tmp_path: Path) -> None:
    source = tmp_path / "source.jsonl"
    write_synthetic_history(source, tickets=120, agents=8, seed=5)
    sla, interleaved = _with_sla_lines(source)
    assert len(sla) > 700
    assert history_import(source).ok
    without = _figures()
    assert len(without[0]) >= 5  # real figures
    assert without[1]

    # stored tickets: their facts are replayed from the whole log
    report = history_import(write_history(tmp_path / "sla.jsonl", *sla))
    assert report.errors == []
    assert report.events["sla_breach"].added == 3 * 120
    assert _figures() == without

    # new tickets: their facts come from the events the import gave them
    flush_history()
    Team.objects.all().delete()
    both = write_history(tmp_path / "both.jsonl", *interleaved)
    assert history_import(both).errors == []
    assert _figures() == without
