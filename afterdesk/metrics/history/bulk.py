"""Multi-row INSERTs from ready-made parameter tuples.

`QuerySet.bulk_create` spends most of a large import preparing every field of every model
instance; the importer already holds database-ready values, so it inserts them directly
(the same `INSERT … VALUES (…), (…) RETURNING id` that bulk_create issues).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

# Parameters per statement: below SQLite's 32766 (3.32+) and PostgreSQL's 65535.
MAX_PARAMS = 30_000


def db_datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_json(model: type[Model], field: str, value: Any) -> Any:
    return model._meta.get_field(field).get_db_prep_save(value, connection)  # type: ignore[union-attr]


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert the rows (values in `columns` order); return their ids in the same order."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    head = (  # only quoted identifiers are interpolated; values are parameters
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(column) for column in columns)}) VALUES "
    )
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if not connection.features.can_return_rows_from_bulk_insert:  # SQLite < 3.35
            for row in rows:
                cursor.execute(head + placeholder, row)
                ids.append(cursor.lastrowid)
            return ids
        size = max(1, MAX_PARAMS // len(columns))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = f"{head}{', '.join([placeholder] * len(chunk))} RETURNING {quote('id')}"
            cursor.execute(sql, [value for row in chunk for value in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids
