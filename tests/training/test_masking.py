"""Scenario drills never carry the buyer's details: the stored values (name, email, handle,
order and tracking numbers) and what a buyer types (any email, phone, street address,
postcode, order-number-like code) are masked, in the subject and in every message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afterdesk.accounts.models import User
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.core.errors import ValidationError
from afterdesk.tickets import services
from afterdesk.training.masking import Known, mask
from afterdesk.training.services.drills import drill_from_ticket
from tests.factories import (
    T0,
    CustomerFactory,
    OrderFactory,
    ShipmentFactory,
    StoreFactory,
    UserFactory,
)

EMAIL = "maria.lopez+shop@correo.example.es"
PHONE = "+34 612 345 678"
STREET = "Calle Mayor 12"
POSTCODE = "28013"
ORDER = "ES-104392"
TRACKING = "LX123456789ES"
NAME = "María López García"


def _never_contains(text: str) -> None:
    lowered = text.lower()
    for secret in (EMAIL, PHONE, STREET, ORDER, TRACKING, "maría", "lópez", "garcía", POSTCODE):
        assert secret.lower() not in lowered, (secret, text)
    assert "612" not in text
    assert "345 678" not in text


@pytest.mark.django_db
def test_a_drill_from_a_ticket_masks_the_subject_and_every_message(team: object) -> None:
    store = StoreFactory()
    customer = CustomerFactory(store=store, name=NAME)
    CustomerIdentity.objects.create(customer=customer, kind="email", value=EMAIL)
    CustomerIdentity.objects.create(customer=customer, kind="handle", value="marialg88")
    order = OrderFactory(store=store, customer=customer, number=ORDER)
    ShipmentFactory(order=order, tracking_number=TRACKING)
    body = (
        f"Hola, soy {NAME}. My order {ORDER} (tracking {TRACKING}) never came to "
        f"{STREET}, {POSTCODE} Madrid. Call me on {PHONE} or write to {EMAIL}. "
        "My other mail is m.lopez@example.org, phone 0034-699-11-22-33. — marialg88"
    )
    ticket = services.ticket_create(
        subject=f"Order {ORDER} for María López: where is it?",
        channel="email",
        body=body,
        at=T0,
        customer=customer,
        orders=[order],
    )
    agent = UserFactory()
    services.message_reply(
        ticket=ticket,
        by=agent,
        body=f"Dear María, order {ORDER} left on Monday; track {TRACKING}.",
        at=T0 + timedelta(hours=1),
    )
    services.message_ingest(
        ticket=ticket, body=f"Still nothing at {STREET}! López", at=T0 + timedelta(hours=2)
    )
    services.note_add(
        ticket=ticket, by=agent, body="internal: she is a VIP", at=T0 + timedelta(hours=3)
    )
    drill = drill_from_ticket(ticket=ticket, title="Lost parcel", by=UserFactory())
    texts = [drill.subject] + [m["text"] for m in drill.conversation]
    for text in texts:
        _never_contains(text)
    assert "[order]" in drill.subject
    assert "[buyer]" in drill.subject
    assert [m["kind"] for m in drill.conversation][:2] == ["inbound", "reply"]
    assert all("VIP" not in text for text in texts)  # internal notes stay out
    assert "[email]" in texts[1]
    assert "[phone]" in texts[1]
    assert "[address]" in texts[1]
    assert "[tracking]" in texts[1]
    assert "Madrid" in texts[1]


def test_patterns_mask_what_the_desk_does_not_store() -> None:
    text = (
        "I live at 221B Baker Street, London NW1 6XE. Mail: a.b@c.co.uk. "
        "Tel (030) 1234-5678. Amazon order 302-1234567-1234567, shop order #55231. "
        "Hauptstraße 5, 10115 Berlin."
    )
    masked = mask(text, Known())
    for secret in ("Baker", "NW1 6XE", "a.b@c.co.uk", "1234-5678", "302-1234567", "55231"):
        assert secret not in masked
    assert "Hauptstraße" not in masked
    assert "10115" not in masked
    assert "London" in masked  # a town alone is not an address


def test_a_short_name_is_masked_as_a_word_only() -> None:
    masked = mask("Li wrote from Lisbon", Known(names=("Li Wei",)))
    assert masked == "[buyer] wrote from Lisbon"


_name = st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=3, max_size=12)
_digits = st.text(alphabet="0123456789", min_size=7, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    first=_name,
    last=_name,
    user=st.from_regex(r"[a-z][a-z0-9._]{2,12}", fullmatch=True),
    domain=st.from_regex(r"[a-z]{3,10}\.(com|de|es|co\.uk)", fullmatch=True),
    phone=_digits,
    order=st.from_regex(r"[A-Z0-9][A-Z0-9-]{3,14}", fullmatch=True),
    street_number=st.integers(1, 999),
)
def test_masked_text_never_contains_the_stored_values(
    first: str,
    last: str,
    user: str,
    domain: str,
    phone: str,
    order: str,
    street_number: int,
) -> None:
    email = f"{user}@{domain}"
    spaced_phone = f"+{phone[:2]} {phone[2:5]} {phone[5:]}"
    known = Known(names=(f"{first} {last}",), emails=(email,), order_numbers=(order,))
    text = (
        f"{first} {last} here ({email}). Order {order}: call {spaced_phone}. "
        f"I am at {street_number} Long Road. Thanks, {first}"
    )
    masked = mask(text, known)
    lowered = masked.lower()
    for secret in (first, last, email, order, spaced_phone, f"{street_number} Long Road"):
        assert secret.lower() not in lowered, (secret, masked)


@pytest.mark.django_db
def test_a_ticket_without_a_conversation_cannot_become_a_drill(agent: User) -> None:
    ticket = services.ticket_create(subject="x", channel="email", body="", at=T0)
    ticket.messages.update(body_text="  ")
    with pytest.raises(ValidationError):
        drill_from_ticket(ticket=ticket, title="Empty", by=agent)
