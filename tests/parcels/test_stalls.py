"""Stalled parcels: flagged by the periodic check once per stall (run twice, at once, or
interleaved), the stall ended by the next tracking event, a later silence raised again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from afterdesk.commerce.models import Shipment, TrackingStatus
from afterdesk.core.errors import ValidationError
from afterdesk.parcels import consumers
from afterdesk.parcels.models import ParcelStall, TrackingSource
from afterdesk.parcels.services import stalls
from afterdesk.parcels.services.stalls import stall_rules_parse, stalls_check
from afterdesk.parcels.services.tracking import Checkpoint, checkpoints_record
from afterdesk.parcels.tasks import parcels_stalls_periodic
from tests.factories import OrderFactory, ShipmentFactory, StoreFactory, TrackingEventFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULES = stall_rules_parse(7, "DE:dhl=5,*:ups=4")


def _heard(stall_log: list[ParcelStall]) -> consumers.StallConsumer:
    def consumer(stall: ParcelStall) -> None:
        stall_log.append(stall)

    return consumer


@pytest.fixture
def heard() -> list[ParcelStall]:
    log: list[ParcelStall] = []
    consumer = consumers.stall_subscribe(_heard(log))
    yield log  # type: ignore[misc]
    consumers.stall_unsubscribe(consumer)


def parcel(
    *, quiet_days: float, market: str = "US", carrier: str = "DHL", **fields: object
) -> Shipment:
    order = OrderFactory(store=StoreFactory(market=market))
    last = NOW - timedelta(days=quiet_days)
    return ShipmentFactory(order=order, carrier=carrier, shipped_at=last, **fields)


def event(
    shipment: Shipment, at: datetime, status: TrackingStatus = TrackingStatus.IN_TRANSIT
) -> int:
    return checkpoints_record(
        [
            Checkpoint(
                tracking_number=shipment.tracking_number,
                carrier=shipment.carrier,
                at=at,
                status=status,
                raw_status=status.value,
                description="scan",
                location="Hub",
                source=TrackingSource.CSV,
            )
        ]
    )


def test_rules_per_market_and_carrier() -> None:
    assert RULES.days_for("DE", "DHL") == 5
    assert RULES.days_for("US", "dhl") == 7
    assert RULES.days_for("FR", "UPS") == 4
    with pytest.raises(ValidationError):
        stall_rules_parse(7, "DE=5")
    with pytest.raises(ValidationError):
        stall_rules_parse(0, "")


@pytest.mark.django_db
def test_a_stalled_parcel_raises_its_event_once(
    heard: list[ParcelStall], django_capture_on_commit_callbacks: object
) -> None:
    quiet = parcel(quiet_days=8)
    parcel(quiet_days=6)  # under the default 7 days
    de_dhl = parcel(quiet_days=6, market="DE")  # over DE:dhl=5
    parcel(quiet_days=30, tracking_status=TrackingStatus.DELIVERED)
    parcel(quiet_days=30, tracking_status=TrackingStatus.EXPIRED)
    parcel(quiet_days=30, status=Shipment.Status.RETURNED)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        first = stalls_check(now=NOW, rules=RULES)
        second = stalls_check(now=NOW, rules=RULES)
    assert {s.shipment_id for s in first} == {quiet.pk, de_dhl.pk}
    assert second == []
    assert [s.shipment_id for s in heard] == [s.shipment_id for s in first]
    quiet.refresh_from_db()
    assert quiet.stalled is True
    assert quiet.stalled_since == NOW - timedelta(days=1)
    assert ParcelStall.objects.count() == 2


@pytest.mark.django_db
def test_a_stall_ends_with_the_next_event_and_a_later_silence_raises_again(
    heard: list[ParcelStall], django_capture_on_commit_callbacks: object
) -> None:
    shipment = parcel(quiet_days=10)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert len(stalls_check(now=NOW, rules=RULES)) == 1
        assert event(shipment, NOW - timedelta(hours=1)) == 1
        shipment.refresh_from_db()
        assert shipment.stalled is False
        assert shipment.stalled_since is None
        assert ParcelStall.objects.get().ended_at == NOW - timedelta(hours=1)
        assert stalls_check(now=NOW, rules=RULES) == []  # not quiet any more
        later = NOW + timedelta(days=8)
        assert len(stalls_check(now=later, rules=RULES)) == 1
        assert stalls_check(now=later, rules=RULES) == []
    assert len(heard) == 2
    assert ParcelStall.objects.count() == 2


@pytest.mark.django_db
def test_quiet_is_counted_from_the_latest_event_whoever_wrote_it(heard: list[ParcelStall]) -> None:
    """Events imported from history or made by the demo count, not only the trackers'."""
    recent = parcel(quiet_days=30)
    TrackingEventFactory(shipment=recent, at=NOW - timedelta(days=2))
    old = parcel(quiet_days=30)
    TrackingEventFactory(shipment=old, at=NOW - timedelta(days=9))
    raised = stalls_check(now=NOW, rules=RULES)
    assert [s.shipment_id for s in raised] == [old.pk]
    assert raised[0].stalled_since == NOW - timedelta(days=2)


@pytest.mark.django_db
def test_two_checks_interleaved_raise_once(heard: list[ParcelStall]) -> None:
    """Both runs read the parcel as a candidate; only the one that flips the flag raises."""
    shipment = parcel(quiet_days=10)
    quiet_from = NOW - timedelta(days=10)
    since = quiet_from + timedelta(days=7)
    args = {"quiet_from": quiet_from, "since": since, "days": 7, "now": NOW}
    assert stalls._stall_raise(shipment.pk, **args) is not None
    assert stalls._stall_raise(shipment.pk, **args) is None
    assert ParcelStall.objects.count() == 1


@pytest.mark.django_db
def test_a_check_that_read_before_a_new_event_does_not_raise(heard: list[ParcelStall]) -> None:
    shipment = parcel(quiet_days=10)
    quiet_from = NOW - timedelta(days=10)
    event(shipment, NOW - timedelta(hours=2))  # arrives between the read and the flip
    raised = stalls._stall_raise(
        shipment.pk, quiet_from=quiet_from, since=quiet_from + timedelta(days=7), days=7, now=NOW
    )
    assert raised is None
    assert ParcelStall.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_consumer_does_not_stop_the_others(
    heard: list[ParcelStall], django_capture_on_commit_callbacks: object
) -> None:
    def broken(stall: ParcelStall) -> None:
        raise RuntimeError("automation down")

    consumers._stall_consumers.insert(0, broken)
    try:
        parcel(quiet_days=10)
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            stalls_check(now=NOW, rules=RULES)
    finally:
        consumers.stall_unsubscribe(broken)
    assert len(heard) == 1


@pytest.mark.django_db
def test_the_periodic_task_flags_with_the_settings(settings: object) -> None:
    settings.PARCELS_STALLED_DAYS = 3  # type: ignore[attr-defined]
    settings.PARCELS_STALLED_OVERRIDES = ""  # type: ignore[attr-defined]
    shipment = ShipmentFactory(shipped_at=datetime.now(UTC) - timedelta(days=4))
    assert parcels_stalls_periodic.call_local() == 1
    assert parcels_stalls_periodic.call_local() == 0
    shipment.refresh_from_db()
    assert shipment.stalled is True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_checks_raise_a_stall_once() -> None:
    """Threads, each with its own database connection, check at once (PostgreSQL)."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, where a second writer "
            "fails at once instead of waiting; test_two_checks_interleaved_raise_once covers "
            "the same path on SQLite"
        )
    for _ in range(3):
        parcel(quiet_days=10)
    log: list[ParcelStall] = []
    consumer = consumers.stall_subscribe(_heard(log))
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    raised: list[ParcelStall] = []

    def check() -> None:
        try:
            barrier.wait()
            raised.extend(stalls_check(now=NOW, rules=RULES))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check) for _ in range(threads_count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        consumers.stall_unsubscribe(consumer)
    assert errors == []
    assert len(raised) == 3
    assert len(log) == 3
    assert ParcelStall.objects.count() == 3
