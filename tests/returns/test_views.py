"""The returns pages: start a return from the ticket page's panel, act on the case page, the
queue with pending approvals, the warehouse check-in by RMA or tracking number with QC per line;
the ticket's access rule (404), refused steps shown with their status."""

from __future__ import annotations

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.returns.models import ReturnCase, State
from afterdesk.returns.services.cases import LineIn, case_approve, case_create
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.returns.test_refunds import inspected_case

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_start_a_return_from_the_ticket_page_and_walk_it_through(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    client = _client(agent)
    page = client.get(f"/tickets/{shop_ticket.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="returns-panel"' in html
    mug = shop_order.lines.get(sku="MUG-1")
    assert f'name="qty_{mug.pk}"' in html
    started = client.post(
        f"/returns/start/{shop_ticket.pk}/",
        {
            "order": shop_order.pk,
            f"qty_{mug.pk}": "1",
            "reason": "size_issue",
            "requested_resolution": "exchange",
        },
    )
    assert started.status_code == 302
    case = ReturnCase.objects.get()
    assert case.rma in client.get(f"/tickets/{shop_ticket.pk}/").content.decode()
    url = f"/returns/{case.pk}/"
    assert client.post(url, {"action": "approve"}).status_code == 302
    assert client.post(url, {"action": "label", "tracking_number": "JJD9"}).status_code == 302
    # the warehouse finds it by the label's tracking number
    found = client.get("/returns/check-in/?code=jjd9")
    assert case.rma in found.content.decode()
    assert (
        client.post("/returns/check-in/", {"code": "JJD9", "action": "receive"}).status_code == 302
    )
    line = case.lines.get()
    form = client.get(f"/returns/check-in/?code={case.rma}").content.decode()
    assert f'name="qc_{line.pk}"' in form
    checked = client.post(
        "/returns/check-in/",
        {
            "code": case.rma,
            "action": "inspect",
            f"qc_{line.pk}": "resellable",
            f"qcnote_{line.pk}": "ok",
        },
    )
    assert checked.status_code == 302
    done = client.post(url, {"action": "resolve", "resolution": "exchange"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert TicketEvent.objects.get(kind="return").subtype == "exchange"
    assert "Return " + case.rma in client.get(f"/tickets/{shop_ticket.pk}/").content.decode()


def test_a_refused_step_shows_why_with_its_status(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    client = _client(agent)
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")
    over = client.post(
        f"/returns/{case.pk}/", {"action": "refund", "amount": "999", "resolution": "refund"}
    )
    assert over.status_code == 422
    assert "refundable balance of 59.90 EUR" in over.content.decode()
    bad = client.post(f"/returns/start/{shop_ticket.pk}/", {"order": shop_order.pk, "reason": "x"})
    assert bad.status_code == 422


def test_the_queue_and_the_access_rule(
    agent: User,
    other_agent: User,
    limited_agent: User,
    supervisor: User,
    shop_ticket: Ticket,
    shop_order: Order,
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "SHIP")
    waiting = case_create(
        by=limited_agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="damaged",
        requested_resolution="refund",
    )
    case_approve(by=limited_agent, case=waiting)
    queue = _client(supervisor).get("/returns/?queue=pending_approval").content.decode()
    assert waiting.rma in queue
    assert case.rma not in queue
    assert _client(other_agent).get(f"/returns/{case.pk}/").status_code == 404
    assert case.rma not in _client(other_agent).get("/returns/?queue=all").content.decode()
    assert _client(other_agent).post(f"/returns/start/{shop_ticket.pk}/").status_code == 404


def test_the_pages_in_simplified_chinese(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    client = _client(agent)
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")
    listing = client.get("/returns/?queue=all", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "仓库入库登记" in listing
    assert "已质检" in listing
    page = client.get(f"/returns/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "订单剩余可退金额" in page
    ticket = client.get(f"/tickets/{shop_ticket.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "发起退货" in ticket.decode()


def test_the_case_page_shows_the_buyer_s_photos_as_evidence(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    from afterdesk.tickets import services as ticket_services
    from afterdesk.tickets.services.attachments import AttachmentIn, attachments_save

    event = ticket_services.message_ingest(ticket=shop_ticket, body="Here is the broken mug")
    attachments_save(
        message=event.message, files=[AttachmentIn("broken-mug.png", "image/png", PNG)]
    )
    case = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="damaged",
        requested_resolution="refund",
    )
    html = _client(agent).get(f"/returns/{case.pk}/").content.decode()
    assert 'id="evidence"' in html
    assert "broken-mug.png" in html


# The smallest valid PNG (1×1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
