"""Return analytics as XLSX and as JSON (docs/returns.md, "Analytics"): each table's XLSX
download holds the same figures as its CSV (numbers as numbers, text guarded), and
`GET /api/returns/analytics` gives the page's figures for a period, to supervisors and
admins only; a bad period is a 422 naming the field."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.returns.models import SkuSupplier
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.returns import test_analytics_rates

URL = test_analytics_rates.URL
sales = test_analytics_rates.sales  # the fixture: a period's sales and returns

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]
TABLES = ["", "product_", "market_", "supplier_", "issues_"]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> ApiClient:
        return ApiClient(api_token_create(user=user, name="tests")[1]) if user else ApiClient()

    return make


def same_cell(xlsx: object, text: str) -> bool:
    """An XLSX cell holds what the CSV says: a number equal to the CSV's, an empty cell for
    an empty one, the same text otherwise."""
    if xlsx is None:
        return text == ""
    if isinstance(xlsx, (int, float)):
        return Decimal(str(xlsx)) == Decimal(text)
    return xlsx == text


@pytest.mark.parametrize("table", TABLES)
def test_each_xlsx_holds_the_same_figures_as_its_csv(
    supervisor: User,
    sales: str,
    table: str,
) -> None:
    client = signed_in(supervisor)
    text = client.get(f"{URL}?{sales}&format={table}csv").content.decode()
    answer = client.get(f"{URL}?{sales}&format={table}xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert answer["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(cells) > 1 or table == "issues_"
    expected = list(csv.reader(io.StringIO(text)))
    assert [len(row) for row in cells] == [len(row) for row in expected]
    for got, want in zip(cells, expected, strict=True):
        assert all(same_cell(g, w) for g, w in zip(got, want, strict=True)), (got, want)
    assert any(isinstance(v, (int, float)) for row in cells[1:] for v in row)


def test_xlsx_numbers_are_numbers_and_text_is_guarded(supervisor: User, sales: str) -> None:
    SkuSupplier.objects.filter(sku="SHIRT-M").update(supplier="=HYPERLINK(1)")
    client = signed_in(supervisor)
    book = load_workbook(
        io.BytesIO(client.get(f"{URL}?{sales}&format=supplier_xlsx").content)
    ).active
    assert book is not None
    rows = {row[0]: row for row in book.iter_rows(min_row=2, values_only=True)}
    shirt = rows["'=HYPERLINK(1)"]
    assert shirt[1:4] == (2, 1, 0.5)
    rate_cell = book.cell(row=2, column=4)
    assert rate_cell.number_format == "0.00%"
    assert isinstance(book.cell(row=2, column=5).value, (int, float))


def test_an_unknown_download_is_a_400_and_agents_get_403(
    supervisor: User,
    agent: User,
    sales: str,
) -> None:
    assert signed_in(supervisor).get(f"{URL}?{sales}&format=orders_xlsx").status_code == 400
    assert signed_in(agent).get(f"{URL}?{sales}&format=xlsx").status_code == 403


def test_the_api_gives_the_pages_figures_for_a_period(
    api_as: ApiAs,
    supervisor: User,
    sales: str,
) -> None:
    query = dict(part.split("=") for part in sales.split("&"))
    answer = api_as(supervisor).get("/api/returns/analytics", **query)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["start"], data["end"]) == (query["from"], query["to"])
    assert [(r["sku"], r["ordered"], r["returned"], r["return_rate"]) for r in data["by_sku"]] == [
        ("CAP-1", 0, 1, None),
        ("MUG-1", 3, 1, 0.3333),
        ("SHIRT-M", 2, 1, 0.5),
    ]
    assert [(r["name"], r["ordered"], r["returned"]) for r in data["by_market"]] == [
        ("DE", 7, 2),
        ("US", 2, 1),
    ]
    assert [r["name"] for r in data["by_supplier"]] == ["", "Hangzhou Textiles", "Yiwu Goods"]
    assert [r["name"] for r in data["by_product"]] == ["Cap", "Linen shirt", "Mug"]
    mug = data["by_sku"][1]
    assert mug["reasons"]["size_issue"] == 1
    assert Decimal(mug["cost"]) == Decimal(mug["refunded"]) + Decimal(mug["return_shipping"])
    # The same figures as the page's CSV.
    text = signed_in(supervisor).get(f"{URL}?{sales}&format=market_csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["market"], int(r["ordered"]), Decimal(r["cost"])) for r in rows] == [
        (r["name"], r["ordered"], Decimal(r["cost"])) for r in data["by_market"]
    ]
    assert {r["sku"] for r in data["issues_by_sku"]} >= {"MUG-1", "SHIRT-M"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "soon"}, "to"),
        ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_bad_period_is_a_422_naming_the_field(
    api_as: ApiAs, supervisor: User, query: dict[str, str], field: str
) -> None:
    answer = api_as(supervisor).get("/api/returns/analytics", **query)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_the_api_is_for_supervisors_and_admins(
    api_as: ApiAs, agent: User, admin_user: User
) -> None:
    assert api_as(agent).get("/api/returns/analytics").status_code == 403
    reviewer = UserFactory(username="quinn", role=Role.QA_REVIEWER)
    assert api_as(reviewer).get("/api/returns/analytics").status_code == 403
    assert api_as(None).get("/api/returns/analytics").status_code == 401
    assert api_as(admin_user).get("/api/returns/analytics").status_code == 200
