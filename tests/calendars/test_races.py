"""Calendars changed by two people at once: a 409 or a 404 with a message, never a 500
(IntegrityError, "update did not affect any rows"): deterministic interleavings on every
database, and real concurrent requests on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars import services
from afterdesk.calendars.models import Calendar
from afterdesk.core.errors import Conflict, NotFound
from tests.factories import CalendarFactory, UserFactory
from tests.metrics.api.conftest import Api

NINE_TO_FIVE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
FIELDS: dict[str, Any] = {"tz": "Europe/Berlin", "hours": NINE_TO_FIVE, "holidays": []}


# ------------------------------------------------------------- deterministic interleavings


@pytest.mark.django_db
def test_update_of_a_calendar_deleted_after_it_was_loaded_is_not_found() -> None:
    loaded = CalendarFactory(key="eu")
    Calendar.objects.filter(pk=loaded.pk).delete()  # someone else, between load and save
    with pytest.raises(NotFound, match="deleted meanwhile"):
        services.calendar_update(calendar=loaded, name="EU", **FIELDS)
    assert not Calendar.objects.exists()


@pytest.mark.django_db
def test_delete_of_a_calendar_deleted_after_it_was_loaded_is_not_found() -> None:
    loaded = CalendarFactory(key="eu")
    Calendar.objects.filter(pk=loaded.pk).delete()
    with pytest.raises(NotFound, match="deleted meanwhile"):
        services.calendar_delete(calendar=loaded)


@pytest.mark.django_db
def test_the_edit_page_of_a_calendar_deleted_meanwhile_is_a_404(admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)
    calendar = CalendarFactory(key="eu")
    form = {"key": "eu", "name": "EU", "tz": "Europe/Berlin", "mon": "9:00-17:00"}
    assert client.post(f"/calendars/{calendar.key}/", form).status_code == 302
    calendar.delete()
    assert client.post(f"/calendars/{calendar.key}/", form).status_code == 404


@pytest.mark.django_db
def test_upsert_of_a_key_created_or_deleted_meanwhile_still_saves() -> None:
    services.calendar_upsert(key="eu", name="first", **FIELDS)
    services.calendar_upsert(key="eu", name="second", **FIELDS)
    assert list(Calendar.objects.values_list("key", "name")) == [("eu", "second")]
    with pytest.raises(Conflict, match="already exists"):
        services.calendar_create(key="eu", **FIELDS)


# --------------------------------------------------------- real concurrency (PostgreSQL)

needs_concurrent_writers = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the SQLite test database is in memory with a shared cache, where a second writer "
    "fails at once with 'database table is locked' instead of waiting for the first; the "
    "deterministic tests above cover the same code paths on SQLite",
)


def _at_once(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls in threads, each with its own database connection, released together."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], int]) -> None:
        try:
            barrier.wait()
            statuses.append(call())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


def _admin_api() -> Api:
    admin = UserFactory(username="root", role=Role.ADMIN)
    api = Api(api_token_create(user=admin, name="t")[1])
    api.get("/api/me")  # the token's last use is written now, not by the racing requests
    return api


def _fresh_client(api: Api) -> Api:
    """A client of its own per thread; a 500 comes back as a response, not an exception."""
    clone = Api()
    clone.headers = api.headers
    clone.client = Client(raise_request_exception=False)
    return clone


BODY = {"key": "eu", "name": "EU", **FIELDS}


@needs_concurrent_writers
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_of_one_key_are_one_201_and_409s() -> None:
    api = _admin_api()
    for round_number in range(5):
        Calendar.objects.filter(key="eu").delete()
        calls = [
            lambda: _fresh_client(api).post("/api/calendars", BODY).status_code for _ in range(4)
        ]
        statuses = _at_once(calls)
        assert sorted(statuses) == [201, 409, 409, 409], (round_number, statuses)
    assert Calendar.objects.filter(key="eu").count() == 1


@needs_concurrent_writers
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deletes_and_updates_answer_204_200_404_never_500() -> None:
    api = _admin_api()
    for round_number in range(5):
        Calendar.objects.filter(key="eu").delete()
        assert api.post("/api/calendars", BODY).status_code == 201
        changed = {"name": f"round {round_number}", **FIELDS, "tz": "Asia/Tokyo"}
        calls = [
            lambda: _fresh_client(api).delete("/api/calendars/eu").status_code,
            lambda: _fresh_client(api).delete("/api/calendars/eu").status_code,
            lambda body=changed: _fresh_client(api).put("/api/calendars/eu", body).status_code,
            lambda body=changed: _fresh_client(api).put("/api/calendars/eu", body).status_code,
        ]
        statuses = _at_once(calls)
        assert statuses.count(204) == 1, (round_number, statuses)
        assert set(statuses) <= {200, 204, 404}, (round_number, statuses)
        assert not Calendar.objects.filter(key="eu").exists()
