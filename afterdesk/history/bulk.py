"""Bulk writes and look-ups from ready-made, database-ready values.

The importer already holds the values it writes, so it skips the ORM's per-instance work:

- ids are allocated up front (`IdAllocator`), so rows that point at each other (a message at
  its event, an event at a ticket written later in the same transaction: foreign keys are
  deferred) can be written in any order, and events keep file order among equal instants;
- rows go in with PostgreSQL `COPY … FROM STDIN` or, on SQLite, `executemany` of a one-row
  INSERT (`copy_rows`): the statement text never grows with the batch, so nothing is
  re-parsed per batch;
- look-ups by many keys pass the keys as one parameter (`= ANY(%s)` on PostgreSQL, `IN
  (SELECT value FROM json_each(%s))` on SQLite), not as thousands of placeholders.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def db_datetime(value: datetime) -> Any:
    """A datetime as the database takes it (PostgreSQL: as is; SQLite: UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


_EPOCH_NAIVE = datetime(1970, 1, 1)  # noqa: DTZ001 - SQLite stores naive UTC text
_EPOCH = _EPOCH_NAIVE.replace(tzinfo=UTC)


def datetime_to_db() -> Callable[[datetime | None], Any]:
    """`db_datetime` as one function for many values. On SQLite with the usual UTC connection
    it skips Django's per-call checks: naive UTC text, exactly what the adapter writes."""
    adapt = connection.ops.adapt_datetimefield_value
    if is_postgresql() or connection.timezone_name != "UTC":
        return adapt
    return lambda value: None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def micros_to_db() -> Callable[[int], Any]:
    """A function from UTC epoch microseconds to the database's datetime value (what
    `db_datetime` gives for that instant: an aware datetime, or SQLite's naive UTC text)."""
    if is_postgresql():
        return lambda micros: _EPOCH + timedelta(microseconds=micros)
    return lambda micros: str(_EPOCH_NAIVE + timedelta(microseconds=micros))


def table_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of a model's table, in field order: the one list of them that bulk writers
    (the history import's new tickets, the benchmark fill) give their rows in."""
    return tuple(field.column for field in model._meta.concrete_fields if field.column)


Item = TypeVar("Item")


class Batched(ABC, Generic[Item]):
    """Items written a batch at a time, in the order they come: `add` collects them, and each
    `batch_size` of them (and the last ones, on `flush`) go to the subclass's `write`. The
    subclass, a dataclass, declares the `batch_size` and `_batch` fields."""

    batch_size: int
    _batch: list[Item]

    def add(self, item: Item) -> None:
        self._batch.append(item)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self.write(batch)

    @abstractmethod
    def write(self, batch: list[Item]) -> None:
        """Write one batch (the subclass's statement)."""


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class IdAllocator:
    """Hands out primary keys for rows this import will insert, in increasing order.

    PostgreSQL takes them from the table's sequence (safe beside concurrent writers). SQLite
    runs the import in one IMMEDIATE transaction that holds the write lock, so the ids after
    the largest one used (`sqlite_sequence` included: Django's keys are AUTOINCREMENT) are
    free; SQLite moves `sqlite_sequence` forward itself when they are inserted.
    """

    def __init__(self, model: type[Model], *, reserve: int = 1) -> None:
        self.table = model._meta.db_table
        self.reserve = reserve  # PostgreSQL: ids taken from the sequence at least at once
        self._next: int | None = None
        self._sequence: str | None = None
        self._reserved: list[int] | range = range(0)

    def take(self, count: int) -> list[int] | range:
        if count <= 0:
            return []
        if is_postgresql():
            if len(self._reserved) < count:  # what is left is dropped: ids may have gaps
                with connection.cursor() as cursor:
                    self._reserved = self._take_from_sequence(cursor, max(count, self.reserve))
            taken, self._reserved = self._reserved[:count], self._reserved[count:]
            return taken
        with connection.cursor() as cursor:
            if self._next is None:
                cursor.execute(f"SELECT max({_quote('id')}) FROM {_quote(self.table)}")  # noqa: S608
                largest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self._next = max(largest, row[0] if row else 0) + 1
        start, self._next = self._next, self._next + count
        return range(start, start + count)

    def _take_from_sequence(self, cursor: Any, count: int) -> list[int] | range:
        if self._sequence is None:  # looked up once: per id it would cost more than nextval
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
            self._sequence = cursor.fetchone()[0]
        values = "SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)"
        cursor.execute(
            f"SELECT min(id), max(id), count(*) FROM ({values}) AS taken",  # noqa: S608
            [self._sequence, count],
        )
        low, high, taken = cursor.fetchone()
        if high - low + 1 == taken:  # no concurrent writer took ids in between: a range
            return range(low, high + 1)
        # Interleaved with another writer's ids: those taken above are lost (sequences have
        # gaps anyway); take a fresh set and list it.
        cursor.execute(f"{values} ORDER BY 1", [self._sequence, count])
        return [row[0] for row in cursor.fetchall()]


def copy_sql(table: str, columns: Sequence[str]) -> str:
    """PostgreSQL's COPY … FROM STDIN for these columns."""
    return f"COPY {_quote(table)} ({', '.join(_quote(column) for column in columns)}) FROM STDIN"


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows (values in `columns` order) into `table`: COPY or executemany."""
    with connection.cursor() as cursor:
        if is_postgresql():
            with cursor.cursor.copy(copy_sql(table, columns)) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = (  # only quoted identifiers are interpolated; values are parameters
            f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        cursor.executemany(sql, rows)


def keys_param(keys: Iterable[Any]) -> tuple[str, Any]:
    """(SQL condition on a column placeholder `{}`, its single parameter) for `column IN keys`."""
    if is_postgresql():
        return "{} = ANY(%s)", list(keys)
    return "{} IN (SELECT value FROM json_each(%s))", json.dumps(list(keys))


def rows_by_keys(
    table: str, key: str, columns: Sequence[str], keys: Iterable[Any]
) -> list[tuple[Any, ...]]:
    """SELECT columns FROM table WHERE key IN keys, with the keys as one parameter."""
    condition, param = keys_param(keys)
    sql = (  # only quoted identifiers are interpolated; the keys are one parameter
        f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)} "  # noqa: S608
        f"WHERE {condition.format(_quote(key))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return cursor.fetchall()
