"""COPY in the background: PostgreSQL inserts one batch while Python prepares the next.

An import is one transaction on one connection, so the batches cannot go to PostgreSQL on
several connections; but they need not wait for each other either. `BackgroundCopy` hands
each batch to a thread that runs the COPY on the import's own connection, and the foreign keys
that already hold when a batch is written are checked IMMEDIATE, in that COPY, instead of all
at commit. Any other query of the import (through Django's connection) first waits for the
COPYs handed over so far, so it sees them. SQLite connections belong to their thread: there
the batches are written at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from afterdesk.history.bulk import copy_rows, copy_sql, is_postgresql
from afterdesk.tickets.models import Message, Ticket, TicketEvent

# Batches waiting for the thread: enough to keep it busy, few enough to bound memory.
QUEUE_DEPTH = 2
# A batch is rows (psycopg formats each value) or ready COPY text (one line per row).
Job = tuple[str, Sequence[str], Sequence[Sequence[Any]] | str]
# COPY's text format: backslash escapes for these characters, \N for NULL.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


class BackgroundCopy:
    def __init__(self) -> None:
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=QUEUE_DEPTH)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert the rows (the caller hands them over and does not touch them again)."""
        if not rows:
            return
        if self._thread is None:
            copy_rows(table, columns, rows)
            return
        self._raise()
        self._queue.put((table, columns, rows))

    @property
    def takes_text(self) -> bool:
        """Whether `copy_text` may be used (only while the thread runs: PostgreSQL)."""
        return self._thread is not None

    def copy_text(self, table: str, columns: Sequence[str], text: str) -> None:
        """Insert rows given in COPY's text format (values escaped with COPY_ESCAPES)."""
        if self._thread is None:
            raise RuntimeError("COPY text needs the PostgreSQL copy thread")
        if text:
            self._raise()
            self._queue.put((table, columns, text))

    def drain(self) -> None:
        """Wait until every batch handed over so far is written."""
        if self._thread is not None:
            self._queue.join()
            self._raise()

    @contextmanager
    def running(self) -> Iterator[BackgroundCopy]:
        """The thread runs inside this block (PostgreSQL only); at its end every batch is
        written, or the first error is raised."""
        if not is_postgresql():
            yield self
            return
        connection.ensure_connection()
        raw = connection.connection
        self._thread = threading.Thread(target=self._run, args=(raw,), name="history-copy")
        self._thread.start()
        try:
            with connection.execute_wrapper(self._drain_first):
                yield self
        finally:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def _drain_first(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.drain()
        return execute(*args)

    def _run(self, raw: Any) -> None:
        wrap_errors = connection.wrap_database_errors
        while (job := self._queue.get()) is not None:
            try:
                if self._error is None:  # after an error the transaction is lost anyway
                    table, columns, rows = job
                    # Django's exception classes, as for any other query of the import.
                    with (
                        wrap_errors,
                        raw.cursor() as cursor,
                        cursor.copy(copy_sql(table, columns)) as copy,
                    ):
                        if isinstance(rows, str):
                            copy.write(rows)
                        else:
                            for row in rows:
                                copy.write_row(row)
            except BaseException as exc:  # handed to the importing thread
                self._error = exc
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _raise(self) -> None:
        # The error stays: the thread skips what is handed over after it (the transaction is
        # lost), and every later call raises it again.
        if self._error is not None:
            raise self._error


def foreign_keys_immediate() -> None:
    """PostgreSQL: check every foreign key as each statement ends, except those from events
    and messages to their ticket: a ticket new to the database is written after its events
    (`history.fresh`). Django's foreign keys are DEFERRABLE INITIALLY DEFERRED."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass"
            " AND conrelid IN (%s::regclass, %s::regclass)",
            [Ticket._meta.db_table, TicketEvent._meta.db_table, Message._meta.db_table],
        )
        to_tickets = [connection.ops.quote_name(row[0]) for row in cursor.fetchall()]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if to_tickets:
            cursor.execute(f"SET CONSTRAINTS {', '.join(to_tickets)} DEFERRED")


def foreign_keys_deferred() -> None:
    """Back to Django's default for the rest of the transaction (an import may run inside a
    larger one); checks still pending happen at commit."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
