"""Typed factory_boy factories shared by the whole suite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import (
    Customer,
    CustomerIdentity,
    Order,
    OrderLine,
    Platform,
    Shipment,
    Store,
)
from afterdesk.tickets.models import Ticket

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"team-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.AGENT
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **kwargs: object) -> None:
        if create and extracted:
            self.teams.set(extracted)


class AgentProfileFactory(factory.django.DjangoModelFactory[AgentProfile]):
    class Meta:
        model = AgentProfile

    user = factory.SubFactory(UserFactory)
    languages = factory.LazyFunction(lambda: ["en"])
    shift = "day"


class CalendarFactory(factory.django.DjangoModelFactory[Calendar]):
    class Meta:
        model = Calendar

    key = factory.Sequence(lambda n: f"cal-{n}")
    tz = "Europe/Berlin"
    hours = factory.LazyFunction(
        lambda: {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    holidays = factory.LazyFunction(list)
    # No markets: the closed dates are the calendar's own (calendars.services.closed_dates).
    own_holidays = factory.LazyAttribute(lambda calendar: list(calendar.holidays))


class StoreFactory(factory.django.DjangoModelFactory[Store]):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    platform = Platform.SHOPIFY
    market = "US"
    currency = "USD"


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Buyer {n}")
    language = "en"


class CustomerIdentityFactory(factory.django.DjangoModelFactory[CustomerIdentity]):
    class Meta:
        model = CustomerIdentity

    customer = factory.SubFactory(CustomerFactory)
    kind = CustomerIdentity.Kind.EMAIL
    value = factory.Sequence(lambda n: f"buyer{n}@example.net")


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    customer = factory.SubFactory(CustomerFactory, store=factory.SelfAttribute("..store"))
    number = factory.Sequence(lambda n: f"#{1000 + n}")
    total = Decimal("59.90")
    currency = "USD"
    placed_at = T0


class OrderLineFactory(factory.django.DjangoModelFactory[OrderLine]):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    title = "Linen shirt"
    quantity = 1
    unit_price = Decimal("59.90")


class ShipmentFactory(factory.django.DjangoModelFactory[Shipment]):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    carrier = "DHL"
    tracking_number = factory.Sequence(lambda n: f"JD0146000{n:05d}")


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    """A bare ticket row; tests that need history use tickets.services."""

    class Meta:
        model = Ticket

    external_id = factory.Sequence(lambda n: f"T-{n}")
    subject = factory.Sequence(lambda n: f"Where is my parcel? ({n})")
    channel = "email"
    platform = Platform.SHOPIFY
    market = "US"
    language = "en"
    category = "not_received"
    team = factory.SubFactory(TeamFactory)
    created_at = T0
    updated_at = T0


class TrackingEventFactory(factory.django.DjangoModelFactory):
    """commerce.TrackingEvent (named by label: appended without touching the imports)."""

    class Meta:
        model = "commerce.TrackingEvent"

    shipment = factory.SubFactory(ShipmentFactory)
    at = T0
    status = Shipment.Status.IN_TRANSIT
    location = "Leipzig Hub"
    description = "Arrived at the sorting centre"
