"""`BackgroundCopy`: batches written on a thread (PostgreSQL), errors raised in the importing
thread before anything else runs on the connection."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from afterdesk.accounts.models import Team
from afterdesk.history.copier import BackgroundCopy
from tests.factories import T0

pytestmark = pytest.mark.django_db

TEAMS = Team._meta.db_table
COLUMNS = ("name", "created_at")


def test_batches_are_written_before_the_next_query_of_the_thread() -> None:
    copies = BackgroundCopy()
    with copies.running():
        for n in range(5):
            copies.copy(TEAMS, COLUMNS, [(f"C-{n}-{i}", T0) for i in range(200)])
        # A query through Django waits for the batches handed over so far.
        assert Team.objects.filter(name__startswith="C-").count() == 1000
        if connection.vendor == "postgresql":
            # COPY text: a backslash is written as two
            text = "".join(f"T\\\\{i}\t{T0.isoformat()}\n" for i in range(3))
            copies.copy_text(TEAMS, COLUMNS, text)
    names = sorted(Team.objects.filter(name__startswith="T").values_list("name", flat=True))
    assert names == (["T\\0", "T\\1", "T\\2"] if connection.vendor == "postgresql" else [])


def test_copy_text_needs_the_postgresql_thread() -> None:
    copies = BackgroundCopy()
    with pytest.raises(RuntimeError):
        copies.copy_text(TEAMS, COLUMNS, "x\n")


def test_an_error_in_the_thread_is_raised_in_the_importing_thread() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the COPY thread runs on PostgreSQL only")
    copies = BackgroundCopy()
    with (  # noqa: PT012
        pytest.raises(DatabaseError, match="timestamp"),
        transaction.atomic(),
        copies.running(),
    ):
        copies.copy_text(TEAMS, COLUMNS, "bad\tnot a time\n")
        # The next query raises the COPY's error, not "current transaction is aborted".
        Team.objects.count()
    assert not Team.objects.filter(name="bad").exists()
