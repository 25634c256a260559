"""Hostile lines (issue 16, item 7): a lone surrogate in any string, or a time that overflows a
datetime once taken to UTC, is a per-line error with its line number like every other; the
file is not imported (with --skip-invalid the line is skipped and reported). The export never
writes what the import refuses."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.history.helpers import AGENT, CALENDAR, INBOUND, REPLY, TICKET, event

pytestmark = pytest.mark.django_db

# Raw lines: `json.dumps` would escape a lone surrogate the same way (ensure_ascii).
SURROGATE_LINES = [
    '{"type": "ticket", "id": "T-\\ud800", "created_at": "2026-10-01T08:00:00Z", '
    '"channel": "email"}',
    '{"type": "agent", "id": "zoe", "name": "Zo\\udfff"}',
    '{"type": "message", "ticket": "T-1", "at": "2026-10-01T09:00:00Z", "kind": "inbound", '
    '"body": "a \\uDC00 b"}',
    '{"type": "calendar", "id": "x", "tz": "UTC", "hours": {}, "holidays": ["\\ud83d"]}',
    '{"type": "message", "ticket": "T-1", "at": "2026-10-01T09:00:00Z", "kind": "inbound", '
    '"body": "x", "\\ud800": 1}',
]
OVERFLOW_TIMES = [
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-00:01",
    "2026-10-01T08:00:00+99:00",
]


def write_raw(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def cli_import(path: Path, *options: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("history", "import", *options, str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.parametrize("bad", SURROGATE_LINES)
def test_a_lone_surrogate_is_an_error_on_its_line(tmp_path: Path, bad: str) -> None:
    path = write_raw(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, bad)
    report = history_import(path)
    assert [number for number, _message in report.errors] == [5]
    assert "surrogate" in report.errors[0][1]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("at", OVERFLOW_TIMES)
def test_a_time_out_of_range_is_an_error_on_its_line(tmp_path: Path, at: str) -> None:
    ticket = {**TICKET, "id": "T-2", "created_at": at}
    message = event("message", at, kind="inbound", body="x")
    due = event("sla_breach", target="first_reply", due=at)
    path = write_raw(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, ticket, message, due)
    report = history_import(path)
    assert [number for number, _message in report.errors] == [4, 5, 6]
    assert report.errors[0][1].startswith("created_at: ")
    assert report.errors[1][1].startswith("at: ")
    assert report.errors[2][1].startswith("due: ")
    assert not Ticket.objects.exists()


def test_cli_exits_1_with_line_numbers_and_skip_invalid_skips(tmp_path: Path) -> None:
    bad_time = {**TICKET, "id": "T-2", "created_at": "9999-12-31T23:59:59-23:59"}
    path = write_raw(
        tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, SURROGATE_LINES[2], bad_time, REPLY
    )
    with pytest.raises(CommandError) as info:
        cli_import(path)
    assert info.value.returncode == 1
    assert not Ticket.objects.exists()
    stdout, stderr = cli_import(path, "--skip-invalid")
    lines = stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 4", "line 5"]
    assert "skipped: 2 invalid lines" in stdout.splitlines()
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["T-1"]
    assert TicketEvent.objects.count() == 1  # the reply


def test_extreme_but_valid_times_import_and_export_round_trips(tmp_path: Path) -> None:
    """The export never writes what the import refuses: the earliest and latest instants
    the import accepts come back out as lines the import accepts again."""
    early = {**TICKET, "id": "T-0", "created_at": "0001-01-01T00:00:00Z"}
    late = {**TICKET, "id": "T-9", "created_at": "9999-12-31T23:59:59.999999Z"}
    hostile = {**AGENT, "id": "bo", "name": "😀 \u202e\u0301 ²"}
    path = write_raw(tmp_path / "h.jsonl", CALENDAR, AGENT, hostile, TICKET, early, late, REPLY)
    assert history_import(path).errors == []
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        history_export(handle)
    report = history_import(out)
    assert report.errors == []
    assert Ticket.objects.count() == 3


# A small fuzz (issue 16, "Probing in CI"): random unicode in string fields and random
# years, hours and offsets; every line imports or is refused with its line number.
_text = st.text(max_size=12)
_time = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:00:00{}".format,
    st.integers(0, 10000),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.sampled_from(["Z", "+23:59", "-23:59", "+00:00", "-05:00", "+14:00"]),
)
_lines = st.one_of(
    st.builds(
        lambda i, at, subject: {**TICKET, "id": i, "created_at": at, "subject": subject},
        _text,
        _time,
        _text,
    ),
    st.builds(lambda i, name: {**AGENT, "id": i, "name": name}, _text, _text),
    st.builds(
        lambda at, body: event("message", at, kind="inbound", body=body),
        _time,
        _text,
    ),
    st.builds(
        lambda due: event("sla_warning", target="resolution", due=due),
        _time,
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_lines, min_size=1, max_size=4), st.booleans())
def test_fuzz_every_line_imports_or_is_refused_with_its_number(
    tmp_path: Path, lines: list[dict[str, Any]], skip_invalid: bool
) -> None:
    path = write_raw(tmp_path / "fuzz.jsonl", CALENDAR, TICKET, *lines)
    report = history_import(path, skip_invalid=skip_invalid)  # never raises
    for number, message in report.errors:
        assert 3 <= number <= 2 + len(lines)
        assert message


def test_an_offset_past_postgresqls_range_imports_as_its_instant(tmp_path: Path) -> None:
    """ISO 8601 allows offsets up to ±23:59, PostgreSQL only ±15:59: events are written in UTC
    (found by the fuzz test on PostgreSQL)."""
    far = event("message", "2027-01-01T00:00:00+23:59", kind="inbound", body="x")
    path = write_raw(tmp_path / "h.jsonl", CALENDAR, TICKET, far)
    assert history_import(path).errors == []
    stored = TicketEvent.objects.get()
    assert stored.at.isoformat() == "2026-12-31T00:01:00+00:00"
