"""The demo seller's world: stores, teams, agents, business-hours calendars, products and
carriers. Plain data; `generator` draws from it with a seeded random generator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from afterdesk.accounts.models import Role, access_level_for_position

DEMO_PASSWORD = "afterdesk-demo"  # noqa: S105 - the documented demo login, printed by `serve`
# The demo's administrator: an import never makes one (docs/history.md), so `demo_load` gives
# this user admin access after the import (`services._agents_finish`).
DEMO_ADMIN = "admin"
EMAIL_DOMAIN = "northwind-outfitters.example"


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    platform: str
    market: str
    currency: str
    calendar: str | None  # None: 24×7 (docs/metrics.md, "Calendars")
    channels: tuple[tuple[str, float], ...]
    languages: tuple[tuple[str, float], ...]
    carriers: tuple[str, ...]
    country: str
    weight: float  # share of the ticket volume


STORES: tuple[StoreSpec, ...] = (
    StoreSpec(
        "amazon-us", "Amazon US", "amazon", "US", "USD", "us-east",
        (("marketplace", 1.0),), (("en", 0.8), ("es", 0.2)), ("USPS", "UPS"), "US", 0.27,
    ),
    StoreSpec(
        "amazon-de", "Amazon DE", "amazon", "DE", "EUR", "eu-berlin",
        (("marketplace", 1.0),), (("de", 0.75), ("en", 0.15), ("fr", 0.1)), ("DHL", "Hermes"),
        "DE", 0.18,
    ),
    StoreSpec(
        "amazon-jp", "Amazon JP", "amazon", "JP", "JPY", "jp-tokyo",
        (("marketplace", 1.0),), (("ja", 0.95), ("en", 0.05)), ("Yamato", "Japan Post"), "JP",
        0.14,
    ),
    StoreSpec(
        "lumen-loom-shop", "Lumen & Loom (Shopify)", "shopify", "EU", "EUR", "eu-berlin",
        (("email", 0.6), ("chat", 0.25), ("web", 0.15)),
        (("fr", 0.35), ("de", 0.2), ("es", 0.2), ("en", 0.2), ("ar", 0.05)),
        ("DHL", "Colissimo", "GLS"), "FR", 0.14,
    ),
    StoreSpec(
        "ebay-uk", "eBay UK", "ebay", "GB", "GBP", "uk-london",
        (("marketplace", 0.85), ("email", 0.15)), (("en", 0.9), ("ar", 0.1)),
        ("Royal Mail", "Evri"), "GB", 0.12,
    ),
    StoreSpec(
        "aliexpress-global", "AliExpress Global", "aliexpress", "INTL", "USD", None,
        (("marketplace", 1.0),),
        (("pt", 0.35), ("es", 0.25), ("ar", 0.2), ("en", 0.15), ("fr", 0.05)),
        ("Cainiao", "Correios"), "BR", 0.15,
    ),
)  # fmt: skip
STORES_BY_CODE = {store.code: store for store in STORES}
# Units of a store's currency per US dollar (list prices are kept in USD).
FX = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0}


@dataclass(frozen=True)
class AgentSpec:
    username: str
    name: str
    position: str  # the history line's `role` ("" for none); it chooses the scorecard template
    team: str | None
    shift: str
    languages: tuple[str, ...]
    speed: float = 1.0  # multiplies reply delays: < 1 is faster
    quality: float = 0.8  # 0..1: drives CSAT, reopens and QA scores

    @property
    def access(self) -> str:
        """The access level (`User.role`) the demo user ends up with."""
        if self.username == DEMO_ADMIN:
            return Role.ADMIN.value
        return access_level_for_position(self.position)


TEAM_EN = "EN Tier 1"
TEAM_EU = "EU Languages"
TEAM_APAC = "APAC"
TEAM_ESCALATIONS = "Escalations"
TEAMS = (TEAM_EN, TEAM_EU, TEAM_APAC, TEAM_ESCALATIONS)

# Positions (docs/demo.md): every preset position has agents, so every preset template
# scores someone; supervisors and QA reviewers have the position that grants their access.
AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(DEMO_ADMIN, "Alex Morgan", "", None, "day", ("en", "de")),
    AgentSpec("maria.garcia", "María García", "supervisor", TEAM_EN, "day", ("en", "es"), 0.8, 0.9),
    AgentSpec("thomas.weber", "Thomas Weber", "supervisor", TEAM_EU, "day", ("de", "en", "fr")),
    AgentSpec("priya.nair", "Priya Nair", "qa_reviewer", TEAM_EN, "day", ("en",)),
    AgentSpec("yuki.mori", "Yuki Mori", "qa_reviewer", TEAM_APAC, "day", ("ja", "en")),
    AgentSpec("james.carter", "James Carter", "first_line", TEAM_EN, "day", ("en",), 0.7, 0.85),
    AgentSpec("emily.johnson", "Emily Johnson", "first_line", TEAM_EN, "evening", ("en",), 1.0,
              0.92),
    AgentSpec("daniel.kim", "Daniel Kim", "new_agent", TEAM_EN, "night", ("en",), 0.6, 0.6),
    AgentSpec("olivia.brown", "Olivia Brown", "returns_specialist", TEAM_EN, "day", ("en", "es"),
              1.3, 0.95),
    AgentSpec("carlos.mendez", "Carlos Méndez", "first_line", TEAM_EN, "evening",
              ("es", "en", "pt")),
    AgentSpec("lena.schmidt", "Lena Schmidt", "first_line", TEAM_EU, "day", ("de", "en"), 0.8,
              0.9),
    AgentSpec("julien.dubois", "Julien Dubois", "first_line", TEAM_EU, "day", ("fr", "en"), 1.1,
              0.8),
    AgentSpec("ana.souza", "Ana Souza", "first_line", TEAM_EU, "evening", ("pt", "es", "en"), 0.9),
    AgentSpec("omar.haddad", "Omar Haddad", "minor_language", TEAM_EU, "evening",
              ("ar", "fr", "en")),
    AgentSpec("sofia.rossi", "Sofia Rossi", "first_line", TEAM_EU, "day", ("es", "de", "en"), 1.4,
              0.7),
    AgentSpec("kenji.sato", "Kenji Sato", "minor_language", TEAM_APAC, "night", ("ja", "en"), 0.9,
              0.9),
    AgentSpec("aiko.nakamura", "Aiko Nakamura", "minor_language", TEAM_APAC, "night", ("ja",),
              1.0, 0.85),
    AgentSpec("wei.chen", "Wei Chen", "new_agent", TEAM_APAC, "evening", ("ja", "en"), 1.2, 0.75),
    AgentSpec("rachel.cohen", "Rachel Cohen", "second_line", TEAM_ESCALATIONS, "day",
              ("en", "de")),
    AgentSpec("marco.bianchi", "Marco Bianchi", "second_line", TEAM_ESCALATIONS, "evening",
              ("en", "es", "fr", "pt"), 1.1, 0.88),
)  # fmt: skip
AGENTS_BY_USERNAME = {agent.username: agent for agent in AGENTS}


def team_for_language(language: str, store_code: str) -> str:
    """Routing: English (and US Spanish) to EN Tier 1, Japanese to APAC, the rest to EU."""
    if language == "ja":
        return TEAM_APAC
    if language == "en" or (language == "es" and store_code == "amazon-us"):
        return TEAM_EN
    return TEAM_EU


# ---------------------------------------------------------------------------- calendars

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) weekday (0 = Monday) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _holidays(key: str, year: int) -> list[date]:
    easter = _easter(year)
    if key == "us-east":
        return [
            date(year, 1, 1),
            _nth_weekday(year, 5, 0, -1),  # Memorial Day
            date(year, 7, 4),
            _nth_weekday(year, 9, 0, 1),  # Labor Day
            _nth_weekday(year, 11, 3, 4),  # Thanksgiving
            date(year, 12, 25),
        ]
    if key == "eu-berlin":
        return [
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            date(year, 5, 1),
            easter + timedelta(days=39),  # Ascension
            easter + timedelta(days=50),  # Whit Monday
            date(year, 10, 3),
            date(year, 12, 25),
            date(year, 12, 26),
        ]
    if key == "uk-london":
        return [
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            _nth_weekday(year, 5, 0, 1),
            _nth_weekday(year, 5, 0, -1),
            _nth_weekday(year, 8, 0, -1),
            date(year, 12, 25),
            date(year, 12, 26),
        ]
    # jp-tokyo: national holidays with fixed dates plus the company's year-end break
    fixed = [(1, 1), (1, 2), (1, 3), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5)]
    fixed += [(8, 11), (11, 3), (11, 23), (12, 29), (12, 30), (12, 31)]
    return [date(year, month, day) for month, day in fixed] + [_nth_weekday(year, 10, 0, 2)]


def calendar_lines(today: date) -> list[dict[str, object]]:
    """History `calendar` lines (docs/history.md, "Entity lines"), holidays for this year and
    the last."""
    hours: dict[str, dict[str, list[list[str]]]] = {
        "us-east": {**{d: [["08:00", "20:00"]] for d in _WEEKDAYS}, "sat": [["10:00", "16:00"]]},
        # A lunch break: two intervals a day.
        "eu-berlin": {d: [["08:00", "12:30"], ["13:00", "18:00"]] for d in _WEEKDAYS},
        "uk-london": {d: [["09:00", "17:30"]] for d in _WEEKDAYS},
        "jp-tokyo": {**{d: [["09:00", "18:00"]] for d in _WEEKDAYS}, "sat": [["09:00", "13:00"]]},
    }
    zones = {
        "us-east": "America/New_York",
        "eu-berlin": "Europe/Berlin",
        "uk-london": "Europe/London",
        "jp-tokyo": "Asia/Tokyo",
    }
    lines: list[dict[str, object]] = []
    for key, weekly in hours.items():
        days = sorted({d for y in (today.year - 1, today.year) for d in _holidays(key, y)})
        lines.append(
            {
                "type": "calendar",
                "id": key,
                "tz": zones[key],
                "hours": weekly,
                "holidays": [d.isoformat() for d in days],
            }
        )
    return lines


# ---------------------------------------------------------------------------- products

# (sku, title, list price in USD, kind)
PRODUCTS: tuple[tuple[str, str, float, str], ...] = (
    ("LL-SHIRT-LIN-M", "Linen shirt, sand, M", 49.90, "apparel"),
    ("LL-SHIRT-LIN-L", "Linen shirt, navy, L", 49.90, "apparel"),
    ("LL-DRESS-WRAP-S", "Wrap dress, floral, S", 69.00, "apparel"),
    ("LL-JEANS-SLIM-32", "Slim-fit jeans, W32 L32", 59.00, "apparel"),
    ("LL-HOOD-ORG-M", "Organic cotton hoodie, grey, M", 54.00, "apparel"),
    ("LL-SNEAK-RUN-42", "Running sneakers, EU 42", 89.00, "apparel"),
    ("LL-RAIN-JKT-L", "Packable rain jacket, olive, L", 79.00, "apparel"),
    ("LL-SOCK-MER-3P", "Merino socks, 3-pack", 19.90, "apparel"),
    ("NW-EARB-PRO", "Wireless earbuds Pro, ANC", 79.99, "electronics"),
    ("NW-CHG-65W", "65W USB-C GaN charger", 39.99, "electronics"),
    ("NW-CBL-USBC-2M", "Braided USB-C cable, 2 m", 12.99, "electronics"),
    ("NW-PWR-20K", "Power bank 20,000 mAh", 45.99, "electronics"),
    ("NW-CASE-IP15", "MagSafe case for iPhone 15, clear", 24.99, "electronics"),
    ("NW-STAND-ALU", "Aluminium laptop stand", 34.99, "electronics"),
    ("NW-SPK-MINI", "Mini Bluetooth speaker, waterproof", 29.99, "electronics"),
    ("NW-WATCH-BAND", "Silicone watch band, 45 mm", 14.99, "electronics"),
    ("HM-MUG-CER-2P", "Ceramic mugs, set of 2", 27.50, "home"),
    ("HM-PAN-CI-28", "Cast-iron skillet, 28 cm", 42.00, "home"),
    ("HM-LAMP-LED", "Dimmable LED desk lamp", 36.00, "home"),
    ("HM-TOWEL-SET", "Turkish cotton towel set", 48.00, "home"),
    ("HM-DIFF-AROMA", "Ultrasonic aroma diffuser", 29.00, "home"),
    ("HM-KNIFE-CHEF", "Chef's knife, 20 cm, damascus", 64.00, "home"),
    ("HM-BOTTLE-750", "Insulated steel bottle, 750 ml", 24.00, "home"),
    ("HM-PILLOW-MEM", "Memory foam pillow", 39.00, "home"),
)
# Which kinds of product each category's story is about.
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "size_issue": ("apparel",),
    "usage_question": ("electronics", "home"),
    "missing_item": ("electronics", "home", "apparel"),
}

# Carrier → (origin locations, hub locations) for tracking events.
CARRIER_PLACES: dict[str, tuple[str, str]] = {
    "USPS": ("Reno, NV", "Chicago, IL NDC"),
    "UPS": ("Louisville, KY", "Hodgkins, IL"),
    "DHL": ("Leipzig, DE", "Köln, DE"),
    "Hermes": ("Haldensleben, DE", "Ansbach, DE"),
    "Yamato": ("Ichikawa, JP", "Haneda Chronogate, JP"),
    "Japan Post": ("Shin-Tokyo, JP", "Osaka, JP"),
    "Colissimo": ("Roissy CDG, FR", "Chilly-Mazarin, FR"),
    "GLS": ("Neuenstein, DE", "Lyon, FR"),
    "Royal Mail": ("Heathrow Worldwide DC, GB", "Warrington, GB"),
    "Evri": ("Barnsley, GB", "Rugby Hub, GB"),
    "Cainiao": ("Shenzhen, CN", "Liège, BE"),
    "Correios": ("Curitiba, BR", "São Paulo, BR"),
}
