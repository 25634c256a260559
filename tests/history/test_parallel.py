"""The check pass in worker processes (`history.parallel`) finds exactly what the in-process
pass finds, line numbers included, and an import through it writes the same database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from afterdesk.core import parallel
from afterdesk.history import checker
from afterdesk.history.checker import history_check, read_lines
from afterdesk.history.importer import history_import
from afterdesk.history.spill import Spill
from afterdesk.tickets.models import Ticket
from bench.synthetic import write_synthetic_history
from tests.history.helpers import history_snapshot


def test_chunks_number_lines_as_reading_the_file_does(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    # blank lines, a carriage return inside a line, no line end at the end of the file
    path.write_bytes(b'{"a": 1}\n\n  \n{"b": "x\ry"}\r\n' + b"z" * 50 + b"\n" + b'{"c": 3}')
    expected = list(read_lines(path))
    for size in (1, 7, 16, 1000):
        chunks = list(parallel.file_chunks(path, size))
        lines = [line for chunk in chunks for line in parallel.chunk_lines(path, chunk)]
        assert lines == expected, size
    assert len(list(parallel.file_chunks(path, 7))) > 3


def test_an_empty_file_has_no_chunks(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert list(parallel.file_chunks(path)) == []


def test_small_files_and_single_cores_are_checked_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "small.jsonl"
    path.write_bytes(b"x" * 100)
    assert parallel.process_count(path) == 0
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 10)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 8)
    assert parallel.process_count(path) == parallel.MAX_PROCESSES
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert parallel.process_count(path) == 0


def _troubled_history(path: Path) -> Path:
    """A synthetic history with bad lines, blank lines, a repeated ticket and references to
    a ticket and an agent nobody defines, sprinkled through the file."""
    write_synthetic_history(path, tickets=40, agents=6, seed=11)
    lines = path.read_text(encoding="utf-8").splitlines()
    first_ticket = next(o for o in map(json.loads, lines) if o["type"] == "ticket")
    trouble: list[str] = [
        "",
        "{not json",
        json.dumps({**first_ticket, "subject": "repeated, and replaces the first"}),
        json.dumps(
            {"type": "status", "ticket": "NOPE", "at": "2026-01-01T00:00:00Z", "status": "open"}
        ),
        json.dumps(
            {
                "type": "assign",
                "ticket": first_ticket["id"],
                "at": "2026-12-01T00:00:00Z",
                "agent": "ghost",
            }
        ),
        json.dumps(
            {"type": "status", "ticket": first_ticket["id"], "at": "yesterday", "status": "open"}
        ),
    ]
    for index, line in enumerate(trouble):
        lines.insert(len(lines) * (index + 1) // (len(trouble) + 1), line)
    path.write_text("\n".join(lines), encoding="utf-8")  # no line end at the end
    return path


def _check(path: Path, processes: int, start_method: str | None = None) -> tuple[Any, ...]:
    spill = Spill()
    try:
        if start_method:
            original = parallel.ordered_map

            def ordered_map(*args: Any, **kwargs: Any) -> Any:
                return original(*args, **kwargs, start_method=start_method)

            checker.ordered_map = ordered_map  # type: ignore[assignment]
            try:
                result = history_check(path=path, spill=spill, processes=processes)
            finally:
                checker.ordered_map = original
        else:
            result = history_check(path=path, spill=spill, processes=processes)
        return (
            bytes(result.classes),
            result.sorted_errors(),
            result.repeated_tickets,
            list(spill.events()),
            [(number, line) for number, line in spill.tickets()],
        )
    finally:
        spill.close()


@pytest.mark.django_db
@pytest.mark.parametrize("start_method", [None, "spawn"])
def test_worker_processes_find_what_the_in_process_check_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_method: str | None
) -> None:
    path = _troubled_history(tmp_path / "history.jsonl")
    in_process = _check(path, processes=0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 2048)  # many chunks, lines cut anywhere
    assert len(list(parallel.file_chunks(path))) > 10
    in_workers = _check(path, processes=2, start_method=start_method)
    assert in_workers == in_process
    classes, errors, repeated, events, _tickets = in_workers
    assert len(events) > 100
    assert len(errors) == 4  # bad JSON, unknown ticket, unknown agent, bad time
    messages = " ".join(message for _number, message in errors)
    for expected in ("unknown ticket 'NOPE'", "unknown agent 'ghost'", "not valid JSON", "at: "):
        assert expected in messages
    assert len(repeated) == 1
    assert len(classes) == len(list(read_lines(path))) + 1


@pytest.mark.django_db
def test_an_import_through_worker_processes_writes_what_an_in_process_one_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.jsonl"
    write_synthetic_history(path, tickets=60, agents=8, seed=4)
    report = history_import(path)
    assert report.ok
    assert report.events_added > 200
    expected = history_snapshot()
    Ticket.objects.all().delete()

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)
    assert parallel.process_count(path) >= (2 if (parallel.os.cpu_count() or 1) > 1 else 0)
    again = history_import(path)
    assert again.ok
    assert again.events_added == report.events_added
    assert history_snapshot() == expected
