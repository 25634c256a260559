"""The buyer of an inbound mail is found by an index, whatever the case of the address: on
PostgreSQL `value__iexact` is `UPPER(value) = UPPER(%s)`, which the (kind, value) index cannot
answer; without the expression index every mail scanned every email identity (found by the
ingest benchmark's profile, docs/benchmarks.md, "Email ingest")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.channels.services.intake import customer_for_email
from afterdesk.commerce.models import Customer, CustomerIdentity, Store

pytestmark = pytest.mark.django_db


def test_a_known_address_in_another_case_is_the_same_customer() -> None:
    customer = Customer.objects.create(store=Store.objects.create(code="s", name="S"), name="J")
    CustomerIdentity.objects.create(customer=customer, kind="email", value="Jane.Doe@Buyer.example")
    assert customer_for_email(address="jane.doe@buyer.example", name="", store=None) == customer


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's UPPER()")
def test_the_address_lookup_uses_the_expression_index() -> None:
    store = Store.objects.create(code="shop", name="Shop")
    customers = Customer.objects.bulk_create(
        Customer(store=store, name=f"B{n}") for n in range(200)
    )
    CustomerIdentity.objects.bulk_create(
        CustomerIdentity(customer=c, kind="email", value=f"Buyer{n}@Mail.example")
        for n, c in enumerate(customers)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE commerce_customeridentity")
    with CaptureQueriesContext(connection) as queries:
        customer_for_email(address="buyer7@mail.example", name="", store=store)
    lookup = next(q["sql"] for q in queries.captured_queries if "UPPER(" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "identity_kind_value_upper" in plan, plan
