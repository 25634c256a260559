"""Orders from a CSV file, for platforms without an API client here (docs/stores.md, "CSV
import"): one row per order line, rows with the same `order_number` are one order. First a
preview (the first orders as they will be stored and every error with its line number), then,
when confirmed, every order written in one transaction: all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from afterdesk.commerce.models import Order, Store
from afterdesk.core.errors import Conflict, PayloadTooLarge, ValidationError
from afterdesk.stores.models import ImportState, OrderImport
from afterdesk.stores.services.orders import order_upsert
from afterdesk.stores.sources import ExternalCustomer, ExternalLine, ExternalOrder

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
PREVIEW_ORDERS = 20
MAX_ERRORS = 200

REQUIRED = ("order_number", "placed_at", "currency")
OPTIONAL = (
    "status",
    "total",
    "customer_email",
    "customer_name",
    "country",
    "sku",
    "title",
    "quantity",
    "unit_price",
)
# Columns that describe the order: every row of one order must agree on them.
ORDER_COLUMNS = ("placed_at", "currency", "status", "total", "customer_email")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str
    field: str = ""


@dataclass
class ImportPreview:
    orders: list[ExternalOrder]
    errors: list[LineError]
    record: OrderImport | None = None
    rows: int = 0

    @property
    def order_count(self) -> int:
        return len(self.orders)

    @property
    def first_orders(self) -> list[ExternalOrder]:
        return self.orders[:PREVIEW_ORDERS]


@dataclass
class _Draft:
    line: int
    values: dict[str, str]
    lines: list[ExternalLine] = field(default_factory=list)


def orders_parse(content: str) -> tuple[list[ExternalOrder], list[LineError], int]:
    """(the orders, the errors, the number of data rows)."""
    if len(content.encode("utf-8")) > MAX_BYTES:
        raise PayloadTooLarge(f"the file is over {MAX_BYTES // (1024 * 1024)} MB", field="file")
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    errors: list[LineError] = []
    if not columns:
        return [], [LineError(1, "the file is empty: the first line names the columns")], 0
    if missing:
        errors.append(LineError(1, f"missing column {missing[0]!r}", missing[0]))
    if unknown:
        errors.append(LineError(1, f"unknown column {unknown[0]!r}", unknown[0]))
    if errors:
        return [], errors, 0
    drafts: dict[str, _Draft] = {}
    rows = 0
    try:
        for row in reader:
            rows += 1
            line = reader.line_num
            if rows > MAX_ROWS:
                errors.append(LineError(line, f"more than {MAX_ROWS} rows; split the file"))
                break
            values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            if None in row:
                errors.append(LineError(line, "more cells than columns"))
                continue
            if not any(values.values()):
                continue
            errors.extend(_row_read(values, line, drafts))
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as error:
        errors.append(LineError(reader.line_num, f"not CSV: {error}"))
    orders = []
    for number, draft in drafts.items():
        try:
            orders.append(_order_of(number, draft))
        except ValidationError as error:
            errors.append(LineError(draft.line, error.message, error.field or ""))
    errors.sort(key=lambda e: e.line)
    return orders, errors[:MAX_ERRORS], rows


def _row_read(values: dict[str, str], line: int, drafts: dict[str, _Draft]) -> Iterable[LineError]:
    number = values.get("order_number", "")
    if not number:
        yield LineError(line, "order_number is empty", "order_number")
        return
    if len(number) > 100:
        yield LineError(line, "order_number is over 100 characters", "order_number")
        return
    draft = drafts.get(number)
    if draft is None:
        draft = drafts[number] = _Draft(line=line, values=values)
    else:
        for column in ORDER_COLUMNS:
            given, first = values.get(column, ""), draft.values.get(column, "")
            if given and first and given != first:
                yield LineError(
                    line,
                    f"{column} {given!r} differs from {first!r} on line {draft.line} "
                    f"(the same order {number})",
                    column,
                )
            elif given and not first:
                draft.values[column] = given
    sku, title = values.get("sku", ""), values.get("title", "")
    if not (sku or title):
        return
    try:
        quantity = int(values.get("quantity") or "1")
        if not 0 < quantity < 1_000_000:
            raise ValueError
    except ValueError:
        yield LineError(
            line, f"quantity {values.get('quantity')!r} is not a whole number", "quantity"
        )
        return
    price = _amount(values.get("unit_price", ""))
    if price is None:
        yield LineError(
            line, f"unit_price {values.get('unit_price')!r} is not an amount", "unit_price"
        )
        return
    draft.lines.append(
        ExternalLine(sku=sku[:100], title=title[:300], quantity=quantity, unit_price=price)
    )


def _order_of(number: str, draft: _Draft) -> ExternalOrder:
    values = draft.values
    placed = _instant(values.get("placed_at", ""))
    currency = values.get("currency", "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"currency {currency!r} is not a 3-letter code", field="currency")
    status = values.get("status", "") or Order.Status.PAID
    if status not in Order.Status.values:
        choices = ", ".join(Order.Status.values)
        raise ValidationError(f"status {status!r} is not one of {choices}", field="status")
    total_text = values.get("total", "")
    if total_text:
        total = _amount(total_text)
        if total is None:
            raise ValidationError(f"total {total_text!r} is not an amount", field="total")
    else:
        total = sum((line.unit_price * line.quantity for line in draft.lines), Decimal("0.00"))
        if total >= Decimal(10) ** 10:
            raise ValidationError("the lines add up to more than a total can hold", field="total")
    email = values.get("customer_email", "")
    if email and ("@" not in email or any(ch.isspace() for ch in email) or len(email) > 254):
        raise ValidationError(
            f"customer_email {email[:60]!r} is not an address", field="customer_email"
        )
    name = values.get("customer_name", "")
    customer = None
    if email or name:
        customer = ExternalCustomer(
            external_id="", email=email, name=name[:200], country=values.get("country", "")[:2]
        )
    return ExternalOrder(
        external_id="",
        number=number,
        placed_at=placed,
        updated_at=None,
        currency=currency,
        total=total,
        status=status,
        customer=customer,
        lines=draft.lines,
    )


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= Decimal(10) ** 10:
        return None
    return value.quantize(Decimal("0.01"))


def _instant(text: str) -> datetime:
    """ISO 8601: a date (midnight UTC) or an instant (UTC when it names no zone)."""
    try:
        parsed = parse_datetime(text)
        day: date | None = None if parsed else parse_date(text)
    except ValueError:
        parsed, day = None, None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    raise ValidationError(
        f"placed_at {text!r} is not an ISO 8601 date or instant", field="placed_at"
    )


def import_preview(
    *, store: Store, content: str, file_name: str = "", user_id: int | None = None
) -> ImportPreview:
    """Check the whole file; with no error, keep it (an `OrderImport` to confirm)."""
    orders, errors, rows = orders_parse(content)
    if not errors and not orders:
        errors = [LineError(2, "the file has no orders")]
    preview = ImportPreview(orders=orders, errors=errors, rows=rows)
    if not errors:
        preview.record = OrderImport.objects.create(
            store=store, file_name=file_name[:200], content=content, created_by_id=user_id
        )
    return preview


def import_confirm(record: OrderImport) -> int:
    """Write every order of a previewed import in one transaction; the number written."""
    with transaction.atomic():
        locked = OrderImport.objects.select_for_update().select_related("store").get(pk=record.pk)
        if locked.state != ImportState.PREVIEWED:
            raise Conflict(f"import #{record.pk} was already imported", field="import")
        orders, errors, _rows = orders_parse(locked.content)
        if errors:
            first = errors[0]
            raise ValidationError(f"line {first.line}: {first.message}", field=first.field or None)
        for found in orders:
            order_upsert(found, store=locked.store, connection=None)
        locked.state = ImportState.IMPORTED
        locked.orders_written = len(orders)
        locked.imported_at = timezone.now()
        locked.save(update_fields=["state", "orders_written", "imported_at"])
    record.state, record.orders_written = locked.state, locked.orders_written
    return len(orders)
