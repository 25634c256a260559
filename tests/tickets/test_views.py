"""The htmx desk: inbox, ticket page, actions and downloads, per role (docs/reliability.md,
"Web and API")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Attachment, Message, Status, Ticket, TicketEvent
from tests.factories import (
    T0,
    CustomerFactory,
    CustomerIdentityFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
    TeamFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SUBJECT = re.compile(r'class="subject">\s*<a [^>]*href="/tickets/\d+/[^"]*"[^>]*>([^<]+)</a>')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def full_ticket(team: Team, **kwargs: object) -> Ticket:
    """A ticket with a customer, an order with lines and a tracked parcel, and a message."""
    store = StoreFactory(name="Linen & Co")
    customer = CustomerFactory(store=store, name="Mia Buyer")
    CustomerIdentityFactory(customer=customer, value="mia@example.net")
    order = OrderFactory(store=store, customer=customer, number="#5001")
    OrderLineFactory(order=order, title="Linen shirt", sku="LS-01")
    shipment = ShipmentFactory(order=order, tracking_number="JD014600000001")
    TrackingEventFactory(shipment=shipment, location="Leipzig Hub")
    defaults: dict[str, object] = {
        "subject": "Parcel never arrived",
        "channel": "email",
        "body": "Hello <b>team</b>, where is my parcel?",
        "customer": customer,
        "store": store,
        "orders": [order],
        "tags": ["vip"],
        "at": T0,
    }
    defaults.update(kwargs)
    ticket = services.ticket_create(**defaults)  # type: ignore[arg-type]
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket


# ----------------------------------------------------------------------------- inbox


def test_inbox_requires_login(client: Client) -> None:
    response = client.get(reverse("tickets:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_inbox_lists_only_visible_tickets(
    client: Client, agent: User, other_agent: User, supervisor: User, team: Team, other_team: Team
) -> None:
    TicketFactory(subject="Ours", team=team)
    TicketFactory(subject="Theirs", team=other_team)
    all_tickets = {"view": "all"}  # an agent's default view is their own unsolved tickets
    body = login(client, agent).get(reverse("tickets:inbox"), all_tickets).content.decode()
    assert "Ours" in body
    assert "Theirs" not in body
    body = login(Client(), other_agent).get(reverse("tickets:inbox"), all_tickets).content.decode()
    assert "Theirs" in body
    assert "Ours" not in body
    body = login(Client(), supervisor).get(reverse("tickets:inbox")).content.decode()
    assert "Ours" in body
    assert "Theirs" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "solved"}, {"solved one"}),
        ({"status": "new,open,pending,on_hold"}, {"plain", "mine", "urgent chat", "other team"}),
        ({"assignee": "me"}, {"mine"}),
        ({"assignee": "none"}, {"plain", "solved one", "urgent chat", "other team"}),
        ({"assignee": "anna"}, {"mine"}),
        ({"team": "APAC"}, {"other team"}),
        ({"channel": "chat"}, {"urgent chat"}),
        ({"platform": "ebay"}, {"urgent chat"}),
        ({"language": "de"}, {"solved one"}),
        ({"category": "wrong_item"}, {"plain"}),
        ({"priority": "urgent"}, {"urgent chat"}),
        ({"tag": "VIP"}, {"mine"}),
        ({"q": "refund please"}, {"solved one"}),
        ({"q": "urgent"}, {"urgent chat"}),
        ({"status": "bogus"}, {"plain", "mine", "urgent chat", "solved one", "other team"}),
    ],
)
def test_inbox_filters(
    client: Client,
    supervisor: User,
    agent: User,
    team: Team,
    other_team: Team,
    query: dict[str, str],
    expected: set[str],
) -> None:
    TicketFactory(subject="plain", team=team, category="wrong_item")
    mine = TicketFactory(subject="mine", team=team, assignee=agent)
    services.ticket_set_tags(ticket=mine, tags=["vip"])
    TicketFactory(
        subject="urgent chat", team=team, channel="chat", platform="ebay", priority="urgent"
    )
    solved = services.ticket_create(
        subject="solved one", channel="email", body="Refund please", language="de", at=T0
    )
    services.ticket_set_status(ticket=solved, by=None, status="solved")
    TicketFactory(subject="other team", team=other_team)
    login(client, agent if query.get("assignee") == "me" else supervisor)
    response = client.get(reverse("tickets:inbox"), query, **HTMX)
    assert response.status_code == 200
    subjects = set(SUBJECT.findall(response.content.decode()))
    assert subjects == expected


def test_inbox_paginates_by_fifty_newest_first(client: Client, agent: User, team: Team) -> None:
    for n in range(55):
        TicketFactory(subject=f"case {n:02d}", team=team, updated_at=T0 + timedelta(minutes=n))
    login(client, agent)
    first = client.get(reverse("tickets:inbox"), {"view": "all"}).content.decode()
    assert first.count('class="priority-') == 50
    assert first.index("case 54") < first.index("case 53")
    assert "case 04" not in first
    assert "Page 1 of 2" in first
    second = client.get(reverse("tickets:inbox"), {"view": "all", "page": 2}).content.decode()
    assert second.count('class="priority-') == 5
    assert "case 04" in second
    # Out-of-range and junk page numbers fall back instead of failing.
    assert client.get(reverse("tickets:inbox"), {"page": "99"}).status_code == 200
    assert client.get(reverse("tickets:inbox"), {"page": "x"}).status_code == 200


def test_pager_links_keep_the_filters(client: Client, agent: User, team: Team) -> None:
    for n in range(51):
        TicketFactory(subject=f"case {n}", team=team, channel="chat")
    query = {"view": "all", "channel": "chat"}
    body = login(client, agent).get(reverse("tickets:inbox"), query).content.decode()
    assert 'href="?view=all&amp;channel=chat&amp;page=2"' in body


def test_inbox_htmx_request_gets_only_the_list(client: Client, agent: User, team: Team) -> None:
    TicketFactory(subject="Listed", team=team, assignee=agent)
    login(client, agent)
    full = client.get(reverse("tickets:inbox"))
    assert b"<html" in full.content
    assert b'id="inbox-filters"' in full.content
    partial = client.get(reverse("tickets:inbox"), **HTMX)
    body = partial.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<div id="ticket-list"')
    assert "Listed" in body
    assert "HX-Request" in partial["Vary"]
    # A history restore (back button after a cache miss) needs the whole page.
    restore = client.get(reverse("tickets:inbox"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert b"<html" in restore.content


def test_inbox_filter_form_is_wired_for_htmx(client: Client, agent: User) -> None:
    body = login(client, agent).get(reverse("tickets:inbox")).content.decode()
    form = re.search(r'<form id="inbox-filters"[^>]*>', body)
    assert form is not None
    assert 'hx-target="#ticket-list"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)


def test_inbox_query_count_is_pinned(
    client: Client, agent: User, team: Team, django_assert_max_num_queries: object
) -> None:
    for n in range(30):
        ticket = TicketFactory(subject=f"case {n}", team=team, assignee=agent)
        services.ticket_set_tags(ticket=ticket, tags=["vip", f"t{n}"])
    login(client, agent)
    # session, user, assignee choices, team choices, store choices, count, the first keys of
    # each of the 4 unsolved statuses (an agent's default view, "mine, unsolved":
    # StatusMergedTickets), page, tags, the rows' last messages, their triage risk, saved views
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        response = client.get(reverse("tickets:inbox"))
    assert response.content.decode().count('class="priority-') == 30


# ----------------------------------------------------------------------------- ticket page


def test_ticket_page_shows_conversation_order_panel_and_history(
    client: Client, agent: User, team: Team
) -> None:
    ticket = full_ticket(team)
    services.message_reply(ticket=ticket, by=agent, body="We are on it", at=T0 + timedelta(hours=1))
    services.note_add(ticket=ticket, by=agent, body="Carrier says lost", at=T0 + timedelta(hours=2))
    Message.objects.filter(ticket=ticket, kind="inbound").update(
        body_html="<p>Hello <strong>team</strong></p>"
    )
    response = login(client, agent).get(reverse("tickets:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Parcel never arrived" in body
    assert 'class="msg msg-inbound"' in body
    assert "<p>Hello <strong>team</strong></p>" in body  # sanitised HTML kept
    assert 'class="msg msg-reply"' in body
    assert 'class="msg msg-note"' in body
    assert "We are on it" in body
    # order panel: customer, identities, order, line, total, parcel and its tracking
    for text in ("Mia Buyer", "mia@example.net", "#5001", "Linen shirt", "59.90 USD"):
        assert text in body
    assert "JD014600000001" in body
    assert "Leipzig Hub" in body
    assert "vip" in body
    # history in event order
    history = body[body.index('id="history"') :]
    assert history.index("Customer wrote") < history.index("Anna replied")
    assert "Status: New → Open · Anna" in history
    assert "Anna added an internal note" in history


def test_ticket_page_escapes_plain_text(client: Client, agent: User, team: Team) -> None:
    ticket = full_ticket(team, body="<script>alert(1)</script> hi")
    body = login(client, agent).get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in body


def test_ticket_page_query_count_is_pinned(
    client: Client, agent: User, team: Team, django_assert_max_num_queries: object
) -> None:
    ticket = full_ticket(team)
    for n in range(10):
        services.message_reply(
            ticket=ticket,
            by=agent,
            body=f"reply {n}",
            attachments=[SimpleUploadedFile(f"f{n}.txt", b"x", content_type="text/plain")],
            at=T0 + timedelta(minutes=n + 1),
        )
    extra = OrderFactory(store=ticket.store, customer=ticket.customer)
    OrderLineFactory.create_batch(3, order=extra)
    TrackingEventFactory.create_batch(3, shipment=ShipmentFactory(order=extra))
    ticket.orders.add(extra)
    login(client, agent)
    # session, user, permission read, ticket, messages, attachments, events, tags, identities,
    # orders, lines, shipments, tracking events, agent choices, team choices; the automatic
    # mail threaded to an email ticket (channels_delivery: one query); the buyer's other orders;
    # the SLA card (the ticket's clock state); the escalate form's teams and people
    with django_assert_max_num_queries(21):  # type: ignore[operator]
        response = client.get(reverse("tickets:ticket", args=[ticket.pk]))
    assert response.content.decode().count('class="msg msg-reply"') == 10


def test_another_teams_ticket_is_a_404_everywhere(
    client: Client, other_agent: User, team: Team
) -> None:
    ticket = full_ticket(team)
    login(client, other_agent)
    assert client.get(reverse("tickets:ticket", args=[ticket.pk])).status_code == 404
    before = TicketEvent.objects.count()
    for name, data in [
        ("reply", {"body": "hi"}),
        ("note", {"body": "hi"}),
        ("assign", {"agent": other_agent.pk}),
        ("status", {"status": "solved"}),
        ("escalate", {"to": "tier 2"}),
    ]:
        response = client.post(reverse(f"tickets:{name}", args=[ticket.pk]), data, **HTMX)
        assert response.status_code == 404, name
    assert TicketEvent.objects.count() == before
    assert client.get(reverse("tickets:ticket", args=[999999])).status_code == 404


def test_ticket_page_needs_login(client: Client, team: Team) -> None:
    ticket = full_ticket(team)
    response = client.get(reverse("tickets:ticket", args=[ticket.pk]))
    assert response.status_code == 302


# ----------------------------------------------------------------------------- actions


def test_reply_with_status_and_attachment_over_htmx(
    client: Client, agent: User, team: Team
) -> None:
    ticket = full_ticket(team)
    login(client, agent)
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", content_type="application/pdf")
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "Here is your label", "status": "pending", "attachments": [upload]},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<form id="form-reply"')
    assert "Here is your label" not in body.split('id="form-reply"')[1].split("</form>")[0]
    # the affected parts come out of band
    for part in ("ticket-header", "conversation", "history", "form-assign", "form-status"):
        assert f'id="{part}"' in body
    assert body.count('hx-swap-oob="true"') == 5
    assert "label.pdf" in body
    assert "Anna replied" in body
    assert "Status: New → Pending · Anna" in body
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert Attachment.objects.get().filename == "label.pdf"


def test_reply_without_htmx_redirects_to_the_ticket(
    client: Client, agent: User, team: Team
) -> None:
    ticket = full_ticket(team)
    response = login(client, agent).post(
        reverse("tickets:reply", args=[ticket.pk]), {"body": "Plain post"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:ticket", args=[ticket.pk])
    assert Message.objects.filter(kind="reply", body_text="Plain post").exists()


def test_note_assign_status_escalate_each_appear_in_history(
    client: Client, agent: User, team: Team, supervisor: User
) -> None:
    ticket = full_ticket(team)
    bo = UserFactory(username="bo", display_name="Bo", teams=[team])
    login(client, supervisor)
    url = lambda name: reverse(f"tickets:{name}", args=[ticket.pk])  # noqa: E731
    assert client.post(url("note"), {"body": "Check stock"}, **HTMX).status_code == 200
    response = client.post(url("assign"), {"agent": bo.pk, "team": team.pk}, **HTMX)
    assert response.status_code == 200
    assert "Assigned to Bo (team EU)" in response.content.decode()
    response = client.post(url("status"), {"status": "solved"}, **HTMX)
    assert "Status: New → Solved · Sam" in response.content.decode()
    logistics = TeamFactory(name="logistics")
    data = {"to": f"team:{logistics.pk}", "reason": "lost parcel"}
    response = client.post(url("escalate"), data, **HTMX)
    assert response.status_code == 200
    services.csat_record(ticket=ticket, rating=5)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    history = page[page.index('id="history"') :]
    lines = [
        "Customer wrote",
        "Sam added an internal note",
        "Assigned to Bo (team EU)",
        "Status: New → Solved · Sam",
        "Sam escalated to logistics: lost parcel",
        "CSAT 5",
    ]
    positions = [history.index(line) for line in lines]
    assert positions == sorted(positions)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (bo, Status.SOLVED)
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["message", "message", "assign", "status", "escalate", "csat"]


def test_unassign_reads_as_unassigned(client: Client, supervisor: User, team: Team) -> None:
    ticket = full_ticket(team)
    login(client, supervisor)
    client.post(reverse("tickets:assign", args=[ticket.pk]), {"agent": supervisor.pk}, **HTMX)
    response = client.post(reverse("tickets:assign", args=[ticket.pk]), {"agent": ""}, **HTMX)
    assert "Unassigned" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_reply_on_closed_ticket_is_409_with_the_reason_and_writes_nothing(
    client: Client, agent: User, team: Team
) -> None:
    ticket = full_ticket(team)
    services.ticket_set_status(ticket=ticket, by=agent, status="closed")
    before = (TicketEvent.objects.count(), Message.objects.count())
    login(client, agent)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]), {"body": "One more thing"}, **HTMX
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert body.lstrip().startswith('<form id="form-reply"')
    assert "a closed ticket takes no more replies" in body
    assert "One more thing" in body  # what was typed is kept
    assert "hx-swap-oob" not in body
    assert (TicketEvent.objects.count(), Message.objects.count()) == before
    # Without htmx the whole page comes back with the same status and message.
    page = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "Again"})
    assert page.status_code == 409
    assert b"a closed ticket takes no more replies" in page.content
    assert b'id="conversation"' in page.content


def test_oversized_attachment_is_413_and_writes_nothing(
    client: Client, agent: User, team: Team, settings: object
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    ticket = full_ticket(team)
    before = (TicketEvent.objects.count(), Message.objects.count())
    upload = SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")
    response = login(client, agent).post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "See attached", "attachments": [upload]},
        **HTMX,
    )
    assert response.status_code == 413
    assert "big.txt" in response.content.decode()
    assert (TicketEvent.objects.count(), Message.objects.count()) == before
    assert Attachment.objects.count() == 0


def test_empty_reply_and_unknown_values_are_422(client: Client, agent: User, team: Team) -> None:
    ticket = full_ticket(team)
    login(client, agent)
    before = TicketEvent.objects.count()
    response = client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "  "}, **HTMX)
    assert response.status_code == 422
    assert 'class="form-errors"' in response.content.decode()
    response = client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "x"}, **HTMX)
    assert response.status_code == 422
    response = client.post(reverse("tickets:assign", args=[ticket.pk]), {"agent": "9999"}, **HTMX)
    assert response.status_code == 422
    assert TicketEvent.objects.count() == before


def test_assigning_a_qa_reviewer_is_refused_with_422(
    client: Client, agent: User, qa_reviewer: User, team: Team
) -> None:
    ticket = full_ticket(team)
    # QA reviewers are not offered; a forged id is refused by the form.
    response = login(client, agent).post(
        reverse("tickets:assign", args=[ticket.pk]), {"agent": qa_reviewer.pk}, **HTMX
    )
    assert response.status_code == 422


def test_actions_need_post_and_csrf(agent: User, team: Team) -> None:
    ticket = full_ticket(team)
    client = login(Client(enforce_csrf_checks=True), agent)
    url = reverse("tickets:note", args=[ticket.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"body": "no token"}, **HTMX).status_code == 403
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 7  # five forms, language, logout


# ----------------------------------------------------------------------------- attachments


# Real leading bytes of each type: uploads are sniffed by their content.
CONTENT = {
    "application/pdf": b"%PDF-1.4 data",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR data",
    "text/plain": b"data",
}


def _attachment(ticket: Ticket, agent: User, name: str, content_type: str) -> Attachment:
    content = CONTENT[content_type]
    services.note_add(
        ticket=ticket,
        by=agent,
        body=f"file {name}",
        attachments=[SimpleUploadedFile(name, content, content_type=content_type)],
    )
    return Attachment.objects.get(filename=name)


def test_attachment_download_headers(client: Client, agent: User, team: Team) -> None:
    ticket = full_ticket(team)
    pdf = _attachment(ticket, agent, "label.pdf", "application/pdf")
    png = _attachment(ticket, agent, "photo.png", "image/png")
    # An SVG that got in some other way (an import) is still never shown inline.
    svg = _attachment(ticket, agent, "x.txt", "text/plain")
    Attachment.objects.filter(pk=svg.pk).update(filename="evil.svg", content_type="image/svg+xml")
    login(client, agent)
    response = client.get(reverse("tickets:attachment", args=[pdf.token]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="label.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == CONTENT["application/pdf"]  # type: ignore[attr-defined]
    assert response["X-Content-Type-Options"] == "nosniff"
    response = client.get(reverse("tickets:attachment", args=[png.token]))
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    response = client.get(reverse("tickets:attachment", args=[svg.token]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_download_follows_ticket_permission(
    client: Client, agent: User, other_agent: User, supervisor: User, team: Team
) -> None:
    ticket = full_ticket(team)
    attachment = _attachment(ticket, agent, "label.pdf", "application/pdf")
    url = reverse("tickets:attachment", args=[attachment.token])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert login(Client(), other_agent).get(url).status_code == 404
    assert login(Client(), supervisor).get(url).status_code == 200
    missing = reverse("tickets:attachment", args=["nope"])
    assert login(Client(), agent).get(missing).status_code == 404


# ----------------------------------------------------------------------------- i18n, CSP


def test_pages_render_in_simplified_chinese(client: Client, agent: User, team: Team) -> None:
    ticket = full_ticket(team)
    login(client, agent)
    client.cookies["django_language"] = "zh-hans"
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    assert '<html lang="zh-hans">' in inbox
    assert "收件箱" in inbox
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "发送回复" in page
    assert "客户来信" in page  # a history line


def test_language_switch_sets_the_cookie(client: Client, agent: User) -> None:
    login(client, agent)
    response = client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    assert "收件箱" in client.get(reverse("tickets:inbox")).content.decode()


def test_csp_header_and_no_inline_scripts(client: Client, agent: User, team: Team) -> None:
    ticket = full_ticket(team)
    login(client, agent)
    for url in (reverse("tickets:inbox"), reverse("tickets:ticket", args=[ticket.pk])):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        body = response.content.decode()
        assert "<script>" not in body
        assert not INLINE_SCRIPT.search(body)
        assert " style=" not in body
        assert " onclick=" not in body
        assert "htmx-2.min.js" in body
