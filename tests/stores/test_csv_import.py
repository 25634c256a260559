"""CSV order import: preview with per-line errors, confirm all or nothing, the command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.commerce.models import CustomerIdentity, Order, Store
from afterdesk.core.errors import Conflict
from afterdesk.stores.models import ImportState
from afterdesk.stores.services.csv_import import import_confirm, import_preview

pytestmark = pytest.mark.django_db

HEADER = (
    "order_number,placed_at,currency,status,total,customer_email,customer_name,country,"
    "sku,title,quantity,unit_price\n"
)
GOOD = (
    HEADER
    + """A-1,2026-11-01,EUR,paid,,ann@example.com,Ann Lee,FR,MUG,Mug,2,9.50
A-1,2026-11-01,EUR,,,,,,LID,Lid,1,3
A-2,2026-11-02T08:00:00+01:00,eur,shipped,20.00,bo@example.com,Bo,,TEA,Tea,1,20
"""
)


@pytest.fixture
def store() -> Store:
    return Store.objects.create(code="etsy-main", name="Etsy", platform="other")


def test_preview_then_confirm_writes_every_order(store: Store) -> None:
    preview = import_preview(store=store, content=GOOD, file_name="orders.csv")
    assert preview.errors == []
    assert preview.record is not None
    assert [o.number for o in preview.first_orders] == ["A-1", "A-2"]
    first = preview.orders[0]
    assert first.total == Decimal("22.00")  # the lines' sum when no total is given
    assert [(line.sku, line.quantity) for line in first.lines] == [("MUG", 2), ("LID", 1)]
    assert Order.objects.count() == 0  # a preview writes no order

    assert import_confirm(preview.record) == 2
    one = Order.objects.get(store=store, number="A-1")
    assert (one.total, one.currency, one.status, one.lines.count()) == (
        Decimal("22.00"),
        "EUR",
        "paid",
        2,
    )
    assert one.placed_at.isoformat() == "2026-11-01T00:00:00+00:00"
    assert CustomerIdentity.objects.get(customer=one.customer).value == "ann@example.com"
    two = Order.objects.get(store=store, number="A-2")
    assert (two.currency, two.status) == ("EUR", "shipped")
    assert preview.record.state == ImportState.IMPORTED
    with pytest.raises(Conflict):
        import_confirm(preview.record)
    assert Order.objects.count() == 2


def test_every_error_has_its_line_number_and_nothing_is_kept(store: Store) -> None:
    bad = (
        "order_number,placed_at,currency,sku,title,quantity,unit_price\n"
        "B-1,2026-11-01,EUR,MUG,Mug,two,9\n"
        "B-2,yesterday,EUR,MUG,Mug,1,9\n"
        "B-3,2026-11-01,EURO,MUG,Mug,1,9\n"
        "B-3,2026-11-02,EUR,MUG,Mug,1,nine\n"
        "B-4,2026-11-01,USD,MUG,Mug,1,9\n"
    )
    preview = import_preview(store=store, content=bad)
    assert preview.record is None
    assert [(e.line, e.field) for e in preview.errors] == [
        (2, "quantity"),
        (3, "placed_at"),
        (4, "currency"),
        (5, "placed_at"),
        (5, "currency"),
        (5, "unit_price"),
    ]
    assert "differs from '2026-11-01' on line 4" in preview.errors[3].message


def test_header_problems_are_line_1(store: Store) -> None:
    preview = import_preview(
        store=store, content="order_number,placed_at,colour\nX,2026-01-01,red\n"
    )
    assert [(e.line, e.field) for e in preview.errors] == [(1, "currency"), (1, "colour")]


def test_the_command_imports_all_or_nothing(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(GOOD + "A-3,2026-13-45,EUR,,,,,,X,X,1,1\n")
    with pytest.raises(CommandError, match="1 errors; nothing imported"):
        call_command("stores", "import-orders", str(broken), "--store", "etsy-main")
    assert Order.objects.count() == 0

    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    call_command("stores", "import-orders", str(good), "--store", "etsy-main")
    assert Order.objects.filter(store=store).count() == 2
    with pytest.raises(CommandError, match="no store with code 'nope'"):
        call_command("stores", "import-orders", str(good), "--store", "nope")


def test_lines_adding_up_past_what_a_total_holds_are_an_error(store: Store) -> None:
    huge = (
        "order_number,placed_at,currency,sku,title,quantity,unit_price\n"
        "C-1,2026-11-01,EUR,X,X,1,10000000000\n"
    )
    preview = import_preview(store=store, content=huge)
    assert [(e.line, e.field) for e in preview.errors] == [(2, "unit_price")]
    big = (
        "order_number,placed_at,currency,sku,title,quantity,unit_price\n"
        "C-1,2026-11-01,EUR,X,X,999999,999999\n"
    )
    preview = import_preview(store=store, content=big)
    assert [(e.line, e.field) for e in preview.errors] == [(2, "total")]
