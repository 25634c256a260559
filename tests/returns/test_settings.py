"""The return settings page (docs/returns.md, "Settings"): supervisors and admins edit the
policies per store and market, the email of each step and the return address of each market;
agents are refused; bad values are a form error with the error's status and change nothing;
the policy saved is the one a new return is checked against."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.replies import services as replies
from afterdesk.returns.models import MarketReturnAddress, ReturnPolicy, StepEmail
from afterdesk.returns.services.cases import LineIn, case_create
from afterdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
URL = "/returns/settings/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def policy_form(**values: Any) -> dict[str, Any]:
    form = {
        "form": "policy",
        "store": "",
        "market": "",
        "window_days": "30",
        "shipping_paid_by": "buyer",
        "restocking_fee_percent": "0",
        "non_returnable_categories": "",
        "non_returnable_skus": "",
    }
    return {**form, **values}


def test_a_supervisor_edits_a_policy_that_then_refuses_a_return(
    supervisor: User, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    client = _client(supervisor)
    saved = client.post(
        URL,
        policy_form(
            store=str(shop_order.store_id),
            market="de",
            window_days="14",
            shipping_paid_by="seller",
            restocking_fee_percent="10",
            non_returnable_categories="MUG, CUP",
            non_returnable_skus="GIFT-1",
        ),
    )
    assert saved.status_code == 302
    policy = ReturnPolicy.objects.get()
    assert (policy.store_id, policy.market, policy.window_days) == (shop_order.store_id, "DE", 14)
    assert policy.shipping_paid_by == "seller"
    assert policy.restocking_fee_percent == Decimal("10")
    assert policy.non_returnable_categories == ["MUG", "CUP"]
    assert policy.non_returnable_skus == ["GIFT-1"]
    html = client.get(URL).content.decode()
    assert "MUG, CUP" in html
    # the edit form comes back filled
    edit = client.get(f"{URL}?policy={policy.pk}").content.decode()
    assert 'value="14"' in edit
    with pytest.raises(ValidationError, match="in the non-returnable category MUG"):
        case_create(
            by=agent,
            ticket=shop_ticket,
            order=shop_order,
            lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
            reason="changed_mind",
            requested_resolution="refund",
        )
    # saving the same store and market replaces it; deleting removes it
    client.post(URL, policy_form(store=str(shop_order.store_id), market="DE", window_days="60"))
    assert ReturnPolicy.objects.get().window_days == 60
    client.post(URL, {"form": "policy_delete", "policy": str(policy.pk)})
    assert not ReturnPolicy.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"window_days": "-1"}, "window_days must be from 0 to 3650"),
        ({"window_days": "soon"}, "window_days must be a whole number"),
        ({"restocking_fee_percent": "120"}, "restocking_fee_percent must be from 0 to 100"),
        ({"restocking_fee_percent": "ten"}, "restocking_fee_percent must be a number"),
        ({"shipping_paid_by": "nobody"}, "shipping_paid_by is buyer or seller"),
        ({"market": "EU-WEST!"}, "a market is a code"),
        ({"store": "999999"}, "no store 999999"),
    ],
)
def test_bad_policy_values_are_a_form_error_and_change_nothing(
    supervisor: User, values: dict[str, str], message: str
) -> None:
    response = _client(supervisor).post(URL, policy_form(**values))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ReturnPolicy.objects.exists()


def test_step_emails_and_market_addresses_are_saved(supervisor: User, admin_user: User) -> None:
    template = replies.template_save(
        by=admin_user,
        key="return-ok",
        name="Return OK",
        default_language="en",
        variants=[replies.VariantIn(language="en", body="{{ rma }} approved")],
    )
    client = _client(supervisor)
    response = client.post(
        URL,
        {
            "form": "emails",
            "template_approved": str(template.pk),
            "enabled_approved": "1",
            "template_rejected": str(template.pk),
        },
    )
    assert response.status_code == 302
    rows = {row.step: row for row in StepEmail.objects.all()}
    assert rows["approved"].template_id == template.pk
    assert rows["approved"].enabled
    assert rows["rejected"].template_id == template.pk
    assert not rows["rejected"].enabled
    assert rows["requested"].template_id is None
    bad = client.post(URL, {"form": "emails", "template_approved": "999999"})
    assert bad.status_code == 422
    assert "no reply template 999999" in bad.content.decode()
    assert StepEmail.objects.get(step="approved").template_id == template.pk

    saved = client.post(
        URL, {"form": "address", "market": "jp", "warehouse": "Chiba", "address": "Chiba 261"}
    )
    assert saved.status_code == 302
    assert MarketReturnAddress.objects.get(market="JP").address == "Chiba 261"
    missing = client.post(
        URL, {"form": "address", "market": "US", "warehouse": "", "address": "Reno"}
    )
    assert missing.status_code == 422
    assert "Reno</textarea>" in missing.content.decode()  # what was typed is kept
    client.post(URL, {"form": "address", "market": "JP", "warehouse": "", "address": ""})
    assert not MarketReturnAddress.objects.exists()


def test_agents_and_qa_reviewers_are_refused(agent: User, qa_reviewer: User) -> None:
    for user in (agent, qa_reviewer):
        client = _client(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, policy_form()).status_code == 403
    assert not ReturnPolicy.objects.exists()
    assert Client().get(URL).status_code == 302  # to the sign-in page


def test_the_settings_page_reads_a_fixed_number_of_queries(
    supervisor: User, admin_user: User, shop_order: Order, django_assert_num_queries: Any
) -> None:
    for market in ("US", "JP", "DE"):
        ReturnPolicy.objects.create(store=shop_order.store, market=market)
        MarketReturnAddress.objects.create(market=market, warehouse=market, address=market)
    client = _client(supervisor)
    client.get(URL)
    # session + user, step emails, policies (with their stores), stores, templates, addresses,
    # suppliers
    with django_assert_num_queries(8):
        assert client.get(URL).status_code == 200


def test_the_instructions_page_reads_a_fixed_number_of_queries(
    agent: User, shop_ticket: Ticket, shop_order: Order, django_assert_num_queries: Any
) -> None:
    from afterdesk.returns.instructions import link_token

    case = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(line.pk, 1) for line in shop_order.lines.all()],
        reason="size_issue",
        requested_resolution="refund",
    )
    url = reverse("returns:instructions", kwargs={"token": link_token(case)})
    # the case, its lines, the market addresses, the store addresses, the policy
    with django_assert_num_queries(5):
        assert Client().get(url).status_code == 200
