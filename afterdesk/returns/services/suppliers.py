"""Who supplies each SKU (docs/returns.md, "Suppliers"), edited row by row on the settings page
or imported as a CSV of `sku,supplier`. Supervisors and admins only. An import checks every
row first and writes nothing if one is bad, naming each bad row, so no half file is kept."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.returns.access import manage_require
from afterdesk.returns.models import SkuSupplier

SKU_MAX = 100
SUPPLIER_MAX = 200
IMPORT_MAX_ROWS = 10_000


def _checked(sku: str, supplier: str, where: str = "") -> tuple[str, str]:
    sku, supplier = sku.strip(), supplier.strip()
    if not sku or len(sku) > SKU_MAX:
        raise ValidationError(f"{where}a SKU has 1 to {SKU_MAX} characters", field="sku")
    if not supplier or len(supplier) > SUPPLIER_MAX:
        raise ValidationError(
            f"{where}a supplier has 1 to {SUPPLIER_MAX} characters", field="supplier"
        )
    return sku, supplier


@transaction.atomic
def supplier_save(*, by: User, sku: str, supplier: str) -> SkuSupplier:
    """Set (or replace) the supplier of a SKU."""
    manage_require(by)
    sku, supplier = _checked(sku, supplier)
    row, _created = SkuSupplier.objects.update_or_create(sku=sku, defaults={"supplier": supplier})
    return row


@transaction.atomic
def supplier_delete(*, by: User, supplier_id: int) -> None:
    manage_require(by)
    deleted, _kinds = SkuSupplier.objects.filter(pk=supplier_id).delete()
    if not deleted:
        raise NotFound(_("no supplier row %(id)s") % {"id": supplier_id})


@transaction.atomic
def suppliers_import(*, by: User, text: str) -> int:
    """Import `sku,supplier` rows (a header row `sku,supplier` is skipped; a SKU already
    mapped gets the new supplier). All rows or none: the error names every bad row (up to
    ten). Returns how many rows were saved."""
    manage_require(by)
    pairs: dict[str, str] = {}
    errors: list[str] = []
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError(
            _("at most %(most)s rows at once") % {"most": IMPORT_MAX_ROWS}, field="file"
        )
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["sku", "supplier"]:
            continue
        if len(row) != 2:
            errors.append(f"row {number}: expected 2 columns (sku,supplier), got {len(row)}")
            continue
        try:
            sku, supplier = _checked(row[0], row[1], f"row {number}: ")
        except ValidationError as error:
            errors.append(error.message)
            continue
        if sku in pairs and pairs[sku] != supplier:
            errors.append(f"row {number}: {sku} is given two suppliers in the file")
            continue
        pairs[sku] = supplier
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise ValidationError("; ".join(errors[:10]) + more, field="file")
    if not pairs:
        raise ValidationError(_("the file has no sku,supplier rows"), field="file")
    existing = {kept.sku: kept for kept in SkuSupplier.objects.filter(sku__in=pairs)}
    for kept in existing.values():
        kept.supplier = pairs[kept.sku]
    SkuSupplier.objects.bulk_update(list(existing.values()), ["supplier"], batch_size=500)
    SkuSupplier.objects.bulk_create(
        [SkuSupplier(sku=s, supplier=p) for s, p in pairs.items() if s not in existing],
        batch_size=500,
    )
    return len(pairs)
