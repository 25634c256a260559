"""Suppliers per SKU on the settings page (docs/returns.md, "Suppliers"): added, replaced and
removed row by row, imported as a CSV of sku,supplier where one bad row refuses the whole file
with every bad row named; supervisors and admins only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.core.errors import PermissionDenied
from afterdesk.returns.models import SkuSupplier
from afterdesk.returns.services.suppliers import suppliers_import

pytestmark = pytest.mark.django_db
URL = "/returns/settings/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(text: str | bytes) -> SimpleUploadedFile:
    body = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile("suppliers.csv", body, content_type="text/csv")


def test_a_supervisor_adds_replaces_and_removes_a_supplier(supervisor: User) -> None:
    client = _client(supervisor)
    response = client.post(URL, {"form": "supplier", "sku": " MUG-1 ", "supplier": "Yiwu"})
    assert response.status_code == 302
    assert response["Location"].endswith("#suppliers")
    client.post(URL, {"form": "supplier", "sku": "MUG-1", "supplier": "Jingdezhen"})
    row = SkuSupplier.objects.get()
    assert (row.sku, row.supplier) == ("MUG-1", "Jingdezhen")
    page = client.get(URL).content.decode()
    assert page.count('class="supplier-row"') == 1
    assert "Jingdezhen" in page
    response = client.post(URL, {"form": "supplier", "sku": "MUG-2", "supplier": " "})
    assert response.status_code == 422
    assert "a supplier has 1 to 200 characters" in response.content.decode()
    assert 'value="MUG-2"' in response.content.decode()  # what was typed is kept
    client.post(URL, {"form": "supplier_delete", "supplier_id": str(row.pk)})
    assert not SkuSupplier.objects.exists()
    assert client.post(URL, {"form": "supplier_delete", "supplier_id": "999"}).status_code == 404


def test_a_csv_import_saves_every_row_and_replaces_known_skus(supervisor: User) -> None:
    SkuSupplier.objects.create(sku="MUG-1", supplier="Old")
    text = '\ufeffsku,supplier\nMUG-1,Jingdezhen\n\nTEE-S,"Yiwu, Zhejiang"\n'
    response = _client(supervisor).post(URL, {"form": "suppliers_import", "file": _upload(text)})
    assert response.status_code == 302
    assert dict(SkuSupplier.objects.values_list("sku", "supplier")) == {
        "MUG-1": "Jingdezhen",
        "TEE-S": "Yiwu, Zhejiang",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "MUG-1,Yiwu\nTEE-S\n,Nobody\nCAP-1,A,B\n",
            "row 2: expected 2 columns (sku,supplier), got 1; row 3: a SKU has 1 to 100"
            " characters; row 4: expected 2 columns (sku,supplier), got 3",
        ),
        ("MUG-1,Yiwu\nMUG-1,Other\n", "row 2: MUG-1 is given two suppliers in the file"),
        ("sku,supplier\n", "the file has no sku,supplier rows"),
        (b"MUG-1,\xff\xfe\n", "the file is not UTF-8 text"),
    ],
)
def test_a_bad_csv_is_refused_whole_with_each_bad_row_named(
    supervisor: User, body: str | bytes, message: str
) -> None:
    SkuSupplier.objects.create(sku="MUG-1", supplier="Kept")
    response = _client(supervisor).post(URL, {"form": "suppliers_import", "file": _upload(body)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(SkuSupplier.objects.values_list("sku", "supplier")) == [("MUG-1", "Kept")]


def test_an_import_without_a_file_is_a_form_error(supervisor: User) -> None:
    response = _client(supervisor).post(URL, {"form": "suppliers_import"})
    assert response.status_code == 422
    assert "choose a CSV file" in response.content.decode()


def test_agents_may_not_edit_suppliers(agent: User, qa_reviewer: User) -> None:
    for user in (agent, qa_reviewer):
        client = _client(user)
        form = {"form": "supplier", "sku": "A", "supplier": "B"}
        assert client.post(URL, form).status_code == 403
        with pytest.raises(PermissionDenied):
            suppliers_import(by=user, text="A,B\n")
    assert not SkuSupplier.objects.exists()


def test_the_settings_page_with_many_suppliers_reads_a_fixed_number_of_queries(
    supervisor: User, django_assert_num_queries: Any
) -> None:
    SkuSupplier.objects.bulk_create(SkuSupplier(sku=f"S-{n}", supplier="X") for n in range(30))
    client = _client(supervisor)
    client.get(URL)
    # session + user, step emails, policies, stores, templates, addresses, suppliers
    with django_assert_num_queries(8):
        page = client.get(URL).content.decode()
    assert page.count('class="supplier-row"') == 30
