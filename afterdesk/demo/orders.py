"""Customers, orders and parcels behind the demo tickets, drawn with the generator's seeded
random generator (plain data; `commerce` writes them to the database)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from afterdesk.demo.catalog import CARRIER_PLACES, CATEGORY_KINDS, FX, PRODUCTS, StoreSpec
from afterdesk.demo.stories import PACKS

REPEAT_CUSTOMER_SHARE = 0.12


@dataclass
class CustomerSpec:
    key: int
    store: str
    name: str
    language: str
    country: str
    email: str
    handle: str

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]

    @property
    def last_name(self) -> str:
        return self.name.split(" ", 1)[-1]


@dataclass
class TrackingSpec:
    at: datetime
    status: str
    location: str
    description: str


@dataclass
class ShipmentSpec:
    carrier: str
    tracking: str
    status: str
    shipped_at: datetime
    delivered_at: datetime | None
    events: list[TrackingSpec] = field(default_factory=list)


@dataclass
class LineSpec:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


@dataclass
class OrderSpec:
    store: str
    number: str
    customer: int
    placed_at: datetime
    currency: str
    status: str
    lines: list[LineSpec]
    shipment: ShipmentSpec

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


_COUNTRY_BY_LANGUAGE = {"en": "US", "es": "MX", "de": "DE", "fr": "FR", "ja": "JP", "pt": "BR"}
_COUNTRY_BY_LANGUAGE["ar"] = "AE"


def price_in(currency: str, usd: float) -> Decimal:
    """A list price in the store's currency, with the usual .99/.00 endings."""
    if currency == "JPY":
        return Decimal(int(round(usd * FX["JPY"], -1)) - 20)
    return Decimal(str(usd * FX[currency])).quantize(Decimal("0.01"), ROUND_HALF_UP)


def money(amount: Decimal, currency: str) -> str:
    if currency == "JPY":
        return f"¥{int(amount):,}"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    return f"{symbol}{amount:.2f}" if symbol != "€" else f"{amount:.2f} €"


class OrderBook:
    """Draws a customer and an order for each ticket; remembers them for `commerce`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.customers: list[CustomerSpec] = []
        self.orders: list[OrderSpec] = []
        self._by_store_language: dict[tuple[str, str], list[CustomerSpec]] = {}
        self._numbers: set[tuple[str, str]] = set()
        self._shopify_next = 1043

    def customer_for(self, *, store: StoreSpec, language: str) -> CustomerSpec:
        known = self._by_store_language.setdefault((store.code, language), [])
        if known and self.rng.random() < REPEAT_CUSTOMER_SHARE:
            return self.rng.choice(known)
        pack = PACKS[language]
        name = f"{self.rng.choice(pack.first_names)} {self.rng.choice(pack.last_names)}"
        key = len(self.customers) + 1
        slug = name.lower().replace(" ", ".").replace("'", "")
        ascii_slug = slug.encode("ascii", "ignore").decode() or "buyer"
        if store.platform == "amazon":
            email = f"{self.rng.getrandbits(40):010x}@marketplace.amazon.com"
        else:
            email = f"{ascii_slug}{key}@mail.example"
        handle = ""
        if store.platform in ("ebay", "aliexpress"):
            handle = f"{ascii_slug.split('.')[0]}_{self.rng.randint(100, 9999)}"
        country = store.country if store.market not in ("EU", "INTL") else ""
        customer = CustomerSpec(
            key=key,
            store=store.code,
            name=name,
            language=language,
            country=country or _COUNTRY_BY_LANGUAGE.get(language, ""),
            email=email,
            handle=handle,
        )
        self.customers.append(customer)
        known.append(customer)
        return customer

    def _order_number(self, store: StoreSpec) -> str:
        rng = self.rng
        while True:
            if store.platform == "amazon":
                prefix = {"US": (111, 114), "DE": (302, 306), "JP": (249, 250)}[store.market]
                number = (
                    f"{rng.randint(*prefix)}-{rng.randint(0, 9999999):07d}-"
                    f"{rng.randint(0, 9999999):07d}"
                )
            elif store.platform == "ebay":
                middle, last = rng.randint(10000, 99999), rng.randint(0, 99999)
                number = f"{rng.randint(1, 27):02d}-{middle}-{last:05d}"
            elif store.platform == "aliexpress":
                number = f"81{rng.randint(0, 10**14 - 1):014d}"
            else:
                self._shopify_next += rng.randint(1, 4)
                number = f"#{self._shopify_next}"
            if (store.code, number) not in self._numbers:
                self._numbers.add((store.code, number))
                return number

    def _tracking_number(self, carrier: str) -> str:
        rng = self.rng
        digits = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
        letters = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))  # noqa: E731
        formats = {
            "USPS": lambda: "9400" + digits(18),
            "UPS": lambda: "1Z" + letters(3) + digits(3) + "03" + digits(8),
            "DHL": lambda: "00340434" + digits(12),
            "Hermes": lambda: "H10" + digits(17),
            "Yamato": lambda: digits(12),
            "Japan Post": lambda: "EJ" + digits(9) + "JP",
            "Colissimo": lambda: "6A" + digits(11),
            "GLS": lambda: digits(11),
            "Royal Mail": lambda: letters(2) + digits(9) + "GB",
            "Evri": lambda: "H0" + letters(1) + digits(13),
            "Cainiao": lambda: "LP00" + digits(12),
            "Correios": lambda: "LB" + digits(9) + "CN",
        }
        return formats[carrier]()

    def order_for(
        self, *, store: StoreSpec, customer: CustomerSpec, category: str, created_at: datetime
    ) -> OrderSpec:
        rng = self.rng
        kinds = CATEGORY_KINDS.get(category)
        pool = [p for p in PRODUCTS if kinds is None or p[3] in kinds]
        count = rng.choices((1, 2, 3), weights=(0.6, 0.3, 0.1))[0]
        if category == "missing_item":
            count = max(count, 2)
        chosen = rng.sample(pool, count)
        lines = [
            LineSpec(
                sku, title, rng.choices((1, 2), (0.85, 0.15))[0], price_in(store.currency, usd)
            )
            for sku, title, usd, _kind in chosen
        ]
        days_before = rng.uniform(9, 28) if category == "not_received" else rng.uniform(3, 20)
        placed_at = (created_at - timedelta(days=days_before)).replace(microsecond=0)
        shipment = self._shipment(store=store, category=category, placed_at=placed_at,
                                  created_at=created_at)  # fmt: skip
        status = "delivered" if shipment.status == "delivered" else "shipped"
        order = OrderSpec(
            store=store.code,
            number=self._order_number(store),
            customer=customer.key,
            placed_at=placed_at,
            currency=store.currency,
            status=status,
            lines=lines,
            shipment=shipment,
        )
        self.orders.append(order)
        return order

    def _shipment(
        self, *, store: StoreSpec, category: str, placed_at: datetime, created_at: datetime
    ) -> ShipmentSpec:
        rng = self.rng
        carrier = rng.choice(store.carriers)
        origin, hub = CARRIER_PLACES[carrier]
        shipped_at = placed_at + timedelta(hours=rng.uniform(6, 40))
        events = [
            TrackingSpec(placed_at + timedelta(hours=2), "label_created", origin, "Label created"),
            TrackingSpec(shipped_at, "in_transit", origin, "Picked up by carrier"),
            TrackingSpec(
                shipped_at + timedelta(hours=rng.uniform(10, 48)), "in_transit", hub,
                "Arrived at sorting facility",
            ),
        ]  # fmt: skip
        hub_at = events[-1].at
        delivered_at: datetime | None = None
        status = "delivered"
        if category == "not_received":
            status = rng.choices(("in_transit", "exception", "delivered"), (0.6, 0.25, 0.15))[0]
        if status == "exception":
            reason = rng.choice(("Held at customs", "Address incomplete", "Parcel damaged"))
            events.append(TrackingSpec(hub_at + timedelta(hours=20), "exception", hub, reason))
        elif status == "delivered":
            delivered_at = min(
                hub_at + timedelta(hours=rng.uniform(20, 90)), created_at - timedelta(hours=1)
            )
            delivered_at = max(delivered_at, hub_at + timedelta(hours=1))
            out_at = delivered_at - min(timedelta(hours=5), (delivered_at - hub_at) / 2)
            events.append(TrackingSpec(out_at, "out_for_delivery", hub, "Out for delivery"))
            events.append(TrackingSpec(delivered_at, "delivered", "", "Delivered"))
        for event in events:
            event.at = event.at.replace(microsecond=0)
        return ShipmentSpec(
            carrier=carrier,
            tracking=self._tracking_number(carrier),
            status=status,
            shipped_at=shipped_at.replace(microsecond=0),
            delivered_at=delivered_at.replace(microsecond=0) if delivered_at else None,
            events=events,
        )
