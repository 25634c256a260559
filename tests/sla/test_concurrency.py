"""Two sweeps at once, or a sweep killed mid-way and run again, write each warning and breach
once (PostgreSQL: SQLite serialises writers on one lock, and the in-memory test database is
one connection)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections

from afterdesk.sla.sweep import SweepLine, sla_sweep
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import T0

H = timedelta(hours=1)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _postgresql_only() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock: no two sweeps run at once")


def _amazon_tickets(count: int) -> list[Ticket]:
    return [
        services.ticket_create(
            subject=f"Order {n}",
            channel="marketplace",
            platform="amazon",
            body="Where is it?",
            at=T0 + timedelta(seconds=n),
            external_id=f"AMZ-{n}",
        )
        for n in range(count)
    ]


def _sla_counts() -> Counter[tuple[int, str, str]]:
    return Counter(
        TicketEvent.objects.filter(kind__in=["sla_warning", "sla_breach"]).values_list(
            "ticket_id", "kind", "subtype"
        )
    )


def test_concurrent_sweeps_write_each_event_once() -> None:
    _postgresql_only()
    tickets = _amazon_tickets(30)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    written: list[SweepLine] = []
    errors: list[BaseException] = []

    def sweep(now_hours: int) -> None:
        try:
            barrier.wait()
            written.extend(sla_sweep(now=T0 + now_hours * H, batch=7))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    # two sweeps at the warning's time, two after the deadline, all at once
    threads = [threading.Thread(target=sweep, args=(h,)) for h in (23, 23, 30, 30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    counts = _sla_counts()
    assert set(counts.values()) == {1}
    breaches = [key for key in counts if key[1] == "sla_breach"]
    assert sorted(ticket for ticket, *_ in breaches) == sorted(t.pk for t in tickets)
    # what the sweeps printed is what they wrote, each line once
    assert len(written) == sum(counts.values())
    assert sla_sweep(now=T0 + 30 * H) == []


def test_a_sweep_killed_mid_way_and_run_again_writes_each_breach_once(tmp_path: Path) -> None:
    _postgresql_only()
    count = 400
    _amazon_tickets(count)
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "HUEY_IMMEDIATE"}
    }
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "afterdesk.settings",
        "AFTERDESK_DATA_DIR": str(tmp_path),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "afterdesk.cli", "sla", "sweep"),
            *("--now", "2026-10-03T00:00:00Z", "--batch", "10"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    breaches = TicketEvent.objects.filter(kind="sla_breach")
    deadline = time.monotonic() + 120
    while not breaches.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # The killed process's server session lingers until PostgreSQL notices; end it, so its
    # open transaction is rolled back now and the test database can be dropped afterwards.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    at_kill = breaches.count()
    assert 0 < at_kill < count, f"the sweep was not stopped mid-way ({at_kill} of {count})"

    rerun = sla_sweep(now=T0 + 40 * H)
    assert len(rerun) == count - at_kill
    counts = _sla_counts()
    assert len(counts) == count
    assert set(counts.values()) == {1}
