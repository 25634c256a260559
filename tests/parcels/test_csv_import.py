"""`afterdesk parcels import FILE.csv`: tracking events from CSV, every line checked first,
all or nothing, each error named by its line; a file imported twice writes its events once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from afterdesk.commerce.models import TrackingEvent, TrackingStatus
from tests.factories import ShipmentFactory

pytestmark = pytest.mark.django_db

GOOD = """tracking_number,at,status,carrier,location,description
JD0001,2026-11-02T09:00:00+01:00,in_transit,DHL,Leipzig,Arrived at hub
jd0001,2026-11-03T08:00:00Z,delivered,DHL,Berlin,Delivered to the door
"""


def test_import_writes_events_and_once_only(tmp_path: Path) -> None:
    shipment = ShipmentFactory(tracking_number="JD0001", stalled=True)
    path = tmp_path / "tracking.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("parcels", "import", str(path), stdout=out)
    assert "2 tracking event(s) written of 2 line(s)" in out.getvalue()
    events = list(shipment.events.order_by("at"))
    assert [e.tracking_status for e in events] == ["in_transit", "delivered"]
    assert events[0].source == "csv"
    shipment.refresh_from_db()
    assert shipment.tracking_status == TrackingStatus.DELIVERED
    assert shipment.delivered_at is not None
    assert shipment.stalled is False
    again = StringIO()
    call_command("parcels", "import", str(path), stdout=again)
    assert "0 tracking event(s) written" in again.getvalue()
    assert TrackingEvent.objects.count() == 2


def test_a_bad_line_writes_nothing_and_names_every_error(tmp_path: Path) -> None:
    ShipmentFactory(tracking_number="JD0001")
    path = tmp_path / "tracking.csv"
    path.write_text(
        GOOD
        + "JD0001,2026-11-04,delivered,,,\n"
        + "NOPE,2026-11-04T10:00:00Z,in_transit,,,\n"
        + "JD0001,2026-11-04T10:00:00Z,lost_in_space,,,\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("parcels", "import", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 4: at:")
    assert lines[1].startswith("line 5: tracking_number:")
    assert lines[2].startswith("line 6: status:")
    assert TrackingEvent.objects.count() == 0


def test_missing_columns_and_files_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "tracking.csv"
    path.write_text("number,when\nJD1,2026-11-02T09:00:00Z\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("parcels", "import", str(path), stderr=err)
    assert "missing column(s) tracking_number, at, status" in err.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("parcels", "import", str(tmp_path / "absent.csv"))


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    ShipmentFactory(tracking_number="JD0001")
    path = tmp_path / "tracking.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("parcels", "import", str(path), "--dry-run", stdout=out)
    assert "2 line(s) are valid" in out.getvalue()
    assert TrackingEvent.objects.count() == 0
