"""A new agent's first session, end to end in a real headless Chromium (Playwright,
tests/browser.py), the journeys of the browser-test issue in one run: sign in with the form,
work the queue with the keyboard (j/k, Enter, u), search a parcel's tracking number and land on
its ticket, take it, reply with a reply template in Spanish (the buyer's language) through the
macro panel, write a note that @mentions a colleague (who sees it on the bell and the
notifications page), solve with the keyboard (s, Enter), open My scorecard and drill into the
figure the solve counted in, switch to Chinese with the language button, and the inbox and
ticket page at 390 px without sideways scrolling. axe on the pages the other browser tests do
not cover this way; no console error on the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.metrics.forms import desk_today
from afterdesk.notifications.models import Notification
from afterdesk.replies import services as replies
from afterdesk.replies.services import MacroIn, VariantIn
from afterdesk.tickets import services
from afterdesk.tickets.models import Status, Ticket
from tests.browser import (
    BROWSER_TEST,
    PHONE,
    assert_no_axe_violations,
    console_errors,
    no_horizontal_scroll,
    screenshot,
    sign_in,
    sign_in_with_form,
)
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
    UserFactory,
)
from tests.replies.helpers import EN, ES

pytestmark = BROWSER_TEST

TRACKING = "JD014600000042"


def queue_ticket(team: Team, agent: User, subject: str) -> Ticket:
    ticket = services.ticket_create(
        subject=subject, channel="email", body=f"About: {subject}", language="en"
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=agent, status=Status.OPEN)
    return Ticket.objects.get(pk=ticket.pk)


def spanish_parcel_ticket(team: Team) -> tuple[Ticket, Order]:
    """A Spanish buyer's unassigned ticket about an order whose parcel is in transit."""
    store = StoreFactory(name="Tienda Lino")
    customer = CustomerFactory(store=store, name="Lucía Gómez")
    order = OrderFactory(
        store=store,
        customer=customer,
        number="#5042",
        placed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
    )
    OrderLineFactory(order=order, title="Camisa de lino", quantity=2)
    ShipmentFactory(
        order=order, carrier="DHL", tracking_number=TRACKING, tracking_status="in_transit"
    )
    ticket = services.ticket_create(
        subject="¿Dónde está mi pedido?",
        channel="email",
        body="Hola, mi pedido no ha llegado todavía",
        customer=customer,
        store=store,
        orders=[order],
        language="es",
        category="not_received",
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    return Ticket.objects.get(pk=ticket.pk), order


def test_a_new_agent_s_first_session(
    new_page: Any, live_server: Any, agent: User, team: Team, supervisor: User
) -> None:
    User.objects.filter(pk=agent.pk).update(position="first_line")  # scored by a template
    colleague = UserFactory(username="cara", display_name="Cara", teams=[team])
    first = queue_ticket(team, agent, "Refund for a broken mug")
    second = queue_ticket(team, agent, "Wrong size sent")
    ticket, order = spanish_parcel_ticket(team)
    template = replies.template_save(
        by=supervisor,
        key="where-is-my-order",
        name="Where is my order",
        default_language="en",
        variants=[VariantIn(language="en", body=EN), VariantIn(language="es", body=ES)],
    )
    replies.macro_save(
        by=supervisor, data=MacroIn(name="Where is my order", template=template, shared=True)
    )

    page: Page = new_page()
    # Sign in: the form, as a person does; an agent starts on their own unsolved tickets.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in_with_form(page, live_server, agent.username)
    rows = page.locator("#ticket-list tr.queue-row")
    expect(page.locator(".queue-views a[aria-current=page]")).to_have_text("Mine, unsolved")
    expect(rows).to_have_count(2)
    listed = {rows.nth(i).get_attribute("data-ticket") for i in range(2)}
    assert listed == {str(first.pk), str(second.pk)}  # not the unassigned parcel ticket

    # Work the queue with the keyboard: j/k move, Enter opens, u comes back.
    page.locator("body").press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.first).to_have_class(re.compile("is-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("is-current"))
    opened = rows.nth(1).get_attribute("data-ticket")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{opened}/$"))  # the default list: no query
    expect(page.locator("h1")).to_have_count(1)
    page.keyboard.press("u")
    expect(page).to_have_url(live_server.url + "/")
    expect(rows).to_have_count(2)

    # Search the parcel's tracking number: "/" to the box, Enter; open the one ticket found.
    page.locator("body").press("/")
    search = page.locator("#id_q")
    expect(search).to_be_focused()
    search.fill(TRACKING)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"q={TRACKING}"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", str(ticket.pk))
    screenshot(page, "journey-1-search")
    search.blur()  # fires the filter form's "change": the list is fetched once more
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile("is-current"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.pk}/\?inbox="))
    expect(page.locator("h1")).to_contain_text("¿Dónde está mi pedido?")
    expect(page.get_by_text(TRACKING).first).to_be_visible()

    # Take it: assign it to herself.
    page.select_option("#form-assign select[name=agent]", str(agent.pk))
    with page.expect_response(lambda answer: answer.url.endswith("/assign/")) as answer:
        page.click("#form-assign button[type=submit]")
    assert answer.value.status == 200
    expect(page.locator("#form-assign select[name=agent]")).to_have_value(str(agent.pk))
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk

    # Reply with the template in Spanish: the macro panel's preview, then "Use in reply".
    page.evaluate("window.__marker = 'same page'")
    page.locator("#macro-results button", has_text="Where is my order").click()
    preview = page.locator("#macro-preview").first
    expect(preview).to_contain_text("Hola Lucía Gómez")
    expect(preview).to_contain_text(f"Tu pedido {order.number}")
    preview.get_by_role("button", name="Use in reply").click()
    reply_box = page.locator("#form-reply textarea")
    expect(reply_box).to_have_value(re.compile(r"^Hola Lucía Gómez:\nTu pedido #5042"))
    page.click("#form-reply button[type=submit]")
    expect(page.locator("#conversation")).to_contain_text("Un saludo")
    reply = ticket.messages.get(kind="reply")
    assert reply.body_text.startswith("Hola Lucía Gómez:")
    assert "Camisa de lino" in reply.body_text

    # A note that @mentions a colleague: "n" to the note box, Ctrl+Enter sends it.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    note_box = page.locator("#form-note textarea[name=body]")
    expect(note_box).to_be_focused()
    note_box.fill("@cara the depot holds it, could you call DHL?")
    note_box.press("Control+Enter")
    expect(page.locator("#conversation .mention")).to_have_text("@cara")
    assert page.evaluate("window.__marker") == "same page"  # all of it over htmx
    screenshot(page, "journey-2-reply-and-note")

    # The colleague's bell counts the mention; the notifications page leads to the ticket.
    cara: Page = new_page()
    sign_in(cara, live_server, colleague)
    cara.goto(live_server.url + "/")
    expect(cara.locator("#notification-bell .bell-count")).to_have_text("1")
    cara.click("#notification-bell")
    expect(cara.locator(".notification-unread")).to_have_count(1)
    expect(cara.locator(".notification-unread")).to_contain_text("¿Dónde está mi pedido?")
    assert Notification.objects.filter(recipient=colleague, kind="mention").count() == 1
    cara.locator(".notification-unread a").first.click()
    expect(cara).to_have_url(re.compile(rf"/tickets/{ticket.pk}/#message-"))
    assert console_errors(cara) == []

    # Solve with the keyboard: s chooses Solved and focuses its button, Enter confirms.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("s")
    expect(page.locator("#form-status select[name=status]")).to_have_value("solved")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-header")).to_contain_text("Solved")
    expect(page.locator("#history")).to_contain_text("Solved")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.SOLVED

    # My scorecard: the solve counts in the weighted volume; drill into it.
    page.locator(".mainnav").get_by_role("link", name="Performance").click()
    expect(page.locator("h1")).to_have_text("My scorecard")
    # It opens on the last complete week; the week containing today holds the solve.
    page.locator(".perf-filters input[name=date]").fill(desk_today().isoformat())
    expect(page).to_have_url(re.compile(rf"date={desk_today().isoformat()}"))
    volume = page.locator(
        ".perf-explain tr", has=page.locator(".perf-id", has_text="weighted_volume")
    )
    expect(volume).to_have_count(1)
    assert_no_axe_violations(page)
    volume.locator("td.num a").last.click()  # n: the tickets behind the figure
    expect(page).to_have_url(re.compile(r"/performance/tickets/\?.*kpi=weighted_volume"))
    drill_rows = page.locator("table.perf-drilldown tbody tr")
    expect(drill_rows).to_have_count(1)
    expect(drill_rows.first.locator("td.subject")).to_have_text("¿Dónde está mi pedido?")
    contribution = drill_rows.first.locator("td.perf-contribution").inner_text()
    assert re.match(r"\d+(\.\d+)?", contribution), contribution  # its weight in the volume
    screenshot(page, "journey-3-drilldown")
    assert_no_axe_violations(page)

    # Switch to Chinese with the language button: the same page, in Chinese.
    drill_url = page.url
    page.select_option("#language-select", "zh-hans")
    with page.expect_navigation():
        page.locator(".language-switch button[type=submit]").click()
    expect(page.locator(".mainnav")).to_contain_text("收件箱")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    assert page.url == drill_url
    expect(page.locator("table.perf-drilldown thead")).to_contain_text("状态")
    screenshot(page, "journey-4-chinese")

    # The phone: 390 px wide, the inbox and the ticket page do not scroll sideways.
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    page.goto(live_server.url + "/")
    expect(rows).to_have_count(2)  # the solved ticket left "Mine, unsolved"
    expect(page.locator("h1")).to_have_text("收件箱")
    assert no_horizontal_scroll(page)
    assert_no_axe_violations(page)
    screenshot(page, "journey-5-phone-inbox")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator("#conversation .mention")).to_have_text("@cara")
    assert no_horizontal_scroll(page)
    screenshot(page, "journey-6-phone-ticket")

    assert console_errors(page) == []
