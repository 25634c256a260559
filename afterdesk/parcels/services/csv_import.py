"""Tracking events from a CSV file (docs/stores.md, "Parcels and tracking"): all or nothing.

Columns (a header row, UTF-8): tracking_number, at (ISO 8601 with a zone), status (ours:
in_transit, delivered…), and optionally carrier, location, description, raw_status. Every line
is checked first; any error and nothing is written, each error named by its line. An event
imported twice is kept once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from afterdesk.commerce.models import Shipment, TrackingStatus
from afterdesk.core.errors import ValidationError
from afterdesk.parcels.models import TrackingSource
from afterdesk.parcels.services.tracking import Checkpoint, checkpoints_record
from afterdesk.stores.fields import instant_of

REQUIRED_COLUMNS = ("tracking_number", "at", "status")
MAX_LINES = 100_000


@dataclass
class TrackingImportResult:
    lines: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)


def _checkpoint_of(row: dict[str, str], known: set[str]) -> Checkpoint:
    number = (row.get("tracking_number") or "").strip()
    if not number:
        raise ValidationError("tracking_number is required", field="tracking_number")
    if number.upper() not in known:
        raise ValidationError(f"no parcel with tracking number {number!r}", field="tracking_number")
    try:
        at = instant_of((row.get("at") or "").strip())
    except ValueError as error:
        raise ValidationError("at must be an ISO 8601 instant with a zone", field="at") from error
    status_text = (row.get("status") or "").strip().lower()
    if status_text not in TrackingStatus.values:
        allowed = ", ".join(TrackingStatus.values)
        raise ValidationError(f"status {status_text!r} is not one of {allowed}", field="status")
    return Checkpoint(
        tracking_number=number,
        carrier=(row.get("carrier") or "").strip(),
        at=at,
        status=TrackingStatus(status_text),
        raw_status=(row.get("raw_status") or status_text).strip(),
        description=(row.get("description") or "").strip(),
        location=(row.get("location") or "").strip(),
        source=TrackingSource.CSV,
    )


def tracking_import(content: str, *, dry_run: bool = False) -> TrackingImportResult:
    result = TrackingImportResult()
    reader = csv.DictReader(io.StringIO(content))
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.errors.append(f"line 1: missing column(s) {', '.join(missing)}")
        return result
    reader.fieldnames = columns
    rows = list(reader)
    if len(rows) > MAX_LINES:
        result.errors.append(f"the file has more than {MAX_LINES} lines")
        return result
    numbers = {(row.get("tracking_number") or "").strip().upper() for row in rows}
    known = {
        number.upper()
        for number in Shipment.objects.filter(
            tracking_number__in=[n for n in numbers if n]
        ).values_list("tracking_number", flat=True)
    }
    if len(known) < len(numbers - {""}):
        # Numbers stored in another case: look them up one by one (rare).
        for number in numbers - known - {""}:
            if Shipment.objects.filter(tracking_number__iexact=number).exists():
                known.add(number)
    checkpoints = []
    for line, row in enumerate(rows, start=2):
        result.lines += 1
        try:
            checkpoints.append(_checkpoint_of(row, known))
        except ValidationError as error:
            result.errors.append(f"line {line}: {error.field}: {error.message}")
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        result.written = checkpoints_record(checkpoints)
    return result
