"""Marketplace relay email: Amazon Buyer-Seller Messaging and eBay member messages reach the
seller as email from an anonymised relay address (docs/channels.md, "Marketplace relays").
Pure: no database.

- `relay_recognise(...)`: is this mail a relay, from which platform and market, which address
  does a reply go to, which order does it name.
- `relay_reply_check(platform, body, attachments)`: what in an agent's reply the platform
  would refuse (links to other sites, email addresses, phone numbers, attachment types and
  size), as `Problem`s; the reply is refused before it is stored.
- `REPLY_TARGETS`: the platforms' reply expectations, for the SLA engine (issue 19).

What the platforms document, and where (checked when this was written):

- Amazon gives each buyer "a unique, anonymized email alias" that "remains the same for all
  future contact with the same buyer" and that a seller may "treat the same way as a real
  email address" (Seller Central help, Buyer-Seller Messaging FAQ, item 200383320). The
  aliases are `<random>@marketplace.amazon.<site>` (one domain per marketplace: .com, .co.uk,
  .de, .fr, .it, .es, .co.jp, .ca, .com.mx, .com.au, …). Attachments: "one or more
  attachments (up to 10 MB) in a message" (help item 200389080). The communication guidelines
  forbid links that are not necessary to complete the order (links to non-Amazon sites
  above all), email addresses and telephone numbers in messages to buyers.
- eBay gives each member a static alias "at a generic internal eBay address"; it "ends in
  @members.ebay.<SiteDomain>" (e.g. `@members.ebay.de`) and is used as the reply-to address
  of mail from other members (eBay Trading API user guide, "Member communications"). The
  member-to-member contact policy forbids exchanging email addresses, phone numbers and links
  that do not help complete a transaction on eBay. Images are what eBay's messages carry
  (Trading API `MessageMediaType`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses

from afterdesk.channels.order_refs import order_refs_find

# The channel of tickets opened by relay mail (their `platform` says which marketplace).
MARKETPLACE_CHANNEL = "marketplace"
# The channels of tickets whose replies go out by email (a relay is mail too).
MAILED_CHANNELS = ("email", MARKETPLACE_CHANNEL)

# Amazon's relay domain per marketplace: marketplace.amazon.<site> → market (ISO 3166).
AMAZON_SITES: dict[str, str] = {
    "com": "US",
    "ca": "CA",
    "com.mx": "MX",
    "com.br": "BR",
    "co.uk": "GB",
    "de": "DE",
    "fr": "FR",
    "it": "IT",
    "es": "ES",
    "nl": "NL",
    "se": "SE",
    "pl": "PL",
    "com.be": "BE",
    "ie": "IE",
    "com.tr": "TR",
    "ae": "AE",
    "sa": "SA",
    "eg": "EG",
    "in": "IN",
    "co.jp": "JP",
    "com.au": "AU",
    "sg": "SG",
}
# eBay's member alias domain per site: members.ebay.<site> → market.
EBAY_SITES: dict[str, str] = {
    "com": "US",
    "ca": "CA",
    "co.uk": "GB",
    "ie": "IE",
    "de": "DE",
    "at": "AT",
    "ch": "CH",
    "fr": "FR",
    "be": "BE",
    "nl": "NL",
    "it": "IT",
    "es": "ES",
    "pl": "PL",
    "com.au": "AU",
    "com.hk": "HK",
    "com.sg": "SG",
    "com.my": "MY",
    "ph": "PH",
    "in": "IN",
}
_PLATFORM_SITES = {"amazon": AMAZON_SITES, "ebay": EBAY_SITES}
_RELAY_PREFIX = {"amazon": "marketplace.amazon.", "ebay": "members.ebay."}
# The display-name suffix Amazon adds to the buyer's name ("Jane Doe - Amazon Marketplace").
_AMAZON_NAME_SUFFIX = re.compile(r"\s*[-–]\s*amazon(?:\s+marketplace)?\s*$", re.IGNORECASE)
# `Authentication-Results: mx.example; dkim=pass header.d=amazon.de …`
_DKIM_PASS = re.compile(r"\bdkim=pass\b[^;]*?\bheader\.(?:d|i)=@?([a-z0-9.-]+)", re.IGNORECASE)

# The reply expectation of each platform, as the default SLA target of its tickets. The SLA
# engine (issue 19) does not exist yet: it reads this when it does. Amazon expects sellers to
# answer buyer messages within 24 hours, calendar hours, weekends and holidays included (the
# Buyer-Seller Messaging response-time metric); eBay sets no such target.
REPLY_TARGETS: dict[str, timedelta] = {"amazon": timedelta(hours=24)}
REPLY_TARGET_CALENDAR_HOURS: frozenset[str] = frozenset({"amazon"})


@dataclass(frozen=True)
class Relay:
    platform: str  # commerce.Platform: "amazon" or "ebay"
    market: str  # "DE", "GB", "US", … from the relay domain
    reply_address: str  # where the reply goes (the buyer's alias at the platform)
    order_number: str  # the platform's order number named in the subject or body, or ""
    buyer_name: str  # the display name, without Amazon's " - Amazon Marketplace"
    authenticated: bool  # DKIM passed for the platform's own domain (Authentication-Results)


def relay_domain(address: str) -> tuple[str, str] | None:
    """(platform, market) when `address` is an Amazon or eBay relay alias, else None."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or not local:
        return None
    for platform, prefix in _RELAY_PREFIX.items():
        if domain.startswith(prefix):
            market = _PLATFORM_SITES[platform].get(domain[len(prefix) :])
            if market is not None:
                return platform, market
    return None


def relay_recognise(
    *,
    from_address: str,
    from_name: str = "",
    reply_to: Sequence[str] = (),
    subject: str = "",
    body: str = "",
    authentication_results: str = "",
) -> Relay | None:
    """The relay this mail came through, or None for ordinary mail.

    The relay alias is the From address (Amazon, and eBay mail sent as the member) or the
    Reply-To address (eBay mail sent from eBay's own address "on behalf of" the member). A
    Reply-To alias wins: it is where the platform wants the answer to go."""
    candidates = [address for address in reply_to if address] + [from_address]
    for address in candidates:
        found = relay_domain(address)
        if found is None:
            continue
        platform, market = found
        return Relay(
            platform=platform,
            market=market,
            reply_address=address.strip().lower(),
            order_number=_order_number(platform, subject, body),
            buyer_name=_AMAZON_NAME_SUFFIX.sub("", from_name).strip()[:200],
            authenticated=_dkim_passed(platform, authentication_results),
        )
    return None


def reply_to_addresses(header: str) -> list[str]:
    """The addresses of a Reply-To header value, lower case."""
    return [address.lower() for _name, address in getaddresses([header]) if "@" in address]


def _order_number(platform: str, subject: str, body: str) -> str:
    for ref in order_refs_find(subject, body):
        if ref.platform == platform:
            return ref.number
    return ""


def _dkim_passed(platform: str, results: str) -> bool:
    """DKIM passed for a domain of the platform (amazon.<site>, ebay.<site> or a subdomain of
    one, e.g. members.ebay.com)."""
    return any(
        _platform_host(platform, domain.lower().rstrip("."))
        for domain in _DKIM_PASS.findall(results or "")
    )


# --- What a reply through a relay may carry ---------------------------------------------

MB = 1000 * 1000
# Amazon: "one or more attachments (up to 10 MB) in a message"; read as 10,000,000 bytes (the
# lower reading), for all the files of the message together.
AMAZON_ATTACHMENTS_MAX_BYTES = 10 * MB
AMAZON_ATTACHMENT_TYPES: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({".pdf"}),
    "image/jpeg": frozenset({".jpg", ".jpeg"}),
    "image/png": frozenset({".png"}),
    "image/gif": frozenset({".gif"}),
    "text/plain": frozenset({".txt"}),
    "application/msword": frozenset({".doc"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({".docx"}),
}
EBAY_ATTACHMENT_TYPES: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({".jpg", ".jpeg"}),
    "image/png": frozenset({".png"}),
    "image/gif": frozenset({".gif"}),
}
_ATTACHMENT_TYPES = {"amazon": AMAZON_ATTACHMENT_TYPES, "ebay": EBAY_ATTACHMENT_TYPES}
_SITE_DOMAINS = {"amazon": AMAZON_SITES, "ebay": EBAY_SITES}

_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)([a-z0-9\u00a1-\uffff][a-z0-9\u00a1-\uffff.-]*)",
    re.IGNORECASE,
)
# A bare domain written as a link would be ("shop.example.com/returns", "example.de").
_BARE_DOMAIN = re.compile(
    r"(?<![@\w.-])((?:[a-z0-9-]+\.)+(?:com|net|org|info|shop|store|io|co|de|fr|it|es|nl|uk|"
    r"eu|jp|cn|au|ca|mx|br|pl|se|be|at|ch|ie|in)(?:\.[a-z]{2})?)(?=/|\b)(?![@\w-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# International numbers only ("+49 30 1234567", "+1 (555) 010-2030"): national forms look
# like order and tracking numbers.
_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}[\s().-]*\d(?:[\s().-]*\d){6,13}(?!\d)")


@dataclass(frozen=True)
class Problem:
    field: str  # "body" or "attachments"
    message: str


def relay_reply_check(
    platform: str, body: str, attachments: Sequence[tuple[str, str, bytes]] = ()
) -> list[Problem]:
    """What the platform forbids in a reply through its relay (empty: the reply may go).
    `attachments` are (filename, content type, bytes), e.g. `tickets.services.AttachmentIn`."""
    if platform not in _ATTACHMENT_TYPES:
        return []
    name = {"amazon": "Amazon", "ebay": "eBay"}[platform]
    problems: list[Problem] = []
    foreign = _foreign_links(platform, body)
    if foreign:
        problems.append(
            Problem(
                "body",
                f"{name} does not allow links to other sites in messages to buyers: "
                f"{', '.join(foreign)}",
            )
        )
    emails = sorted({match.group(0).lower() for match in _EMAIL.finditer(body)})
    if emails:
        problems.append(
            Problem(
                "body",
                f"{name} does not allow email addresses in messages to buyers: {', '.join(emails)}",
            )
        )
    phones = sorted({" ".join(match.group(0).split()) for match in _PHONE.finditer(body)})
    if phones:
        problems.append(
            Problem(
                "body",
                f"{name} does not allow phone numbers in messages to buyers: {', '.join(phones)}",
            )
        )
    problems += _attachment_problems(platform, name, attachments)
    return problems


def _foreign_links(platform: str, body: str) -> list[str]:
    hosts: list[str] = []
    without_emails = _EMAIL.sub(" ", body)
    for pattern in (_URL, _BARE_DOMAIN):
        for match in pattern.finditer(without_emails):
            host = match.group(1).lower().rstrip(".")
            if not _platform_host(platform, host) and host not in hosts:
                hosts.append(host)
    return hosts


def _platform_host(platform: str, host: str) -> bool:
    """`host` is the platform's own site (amazon.de, www.amazon.co.uk, pages.ebay.com, …)."""
    for site in _SITE_DOMAINS[platform]:
        domain = f"{platform}.{site}"
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _attachment_problems(
    platform: str, name: str, attachments: Sequence[tuple[str, str, bytes]]
) -> list[Problem]:
    allowed = _ATTACHMENT_TYPES[platform]
    problems: list[Problem] = []
    for filename, content_type, data in attachments:
        extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
        kind = content_type.split(";")[0].strip().lower()
        if kind not in allowed or extension not in allowed[kind]:
            shown = ", ".join(sorted({e for exts in allowed.values() for e in exts}))
            problems.append(
                Problem(
                    "attachments",
                    f"{name} does not take {filename!r} ({kind or 'unknown type'}) through "
                    f"its messages; allowed: {shown}",
                )
            )
        elif kind == "image/gif" and gif_animated(data):
            problems.append(
                Problem("attachments", f"{name} does not allow animated GIFs: {filename!r}")
            )
    if platform == "amazon":
        total = sum(len(data) for _filename, _type, data in attachments)
        if total > AMAZON_ATTACHMENTS_MAX_BYTES:
            problems.append(
                Problem(
                    "attachments",
                    f"Amazon takes at most 10 MB of attachments in a message; these are "
                    f"{total / MB:.1f} MB",
                )
            )
    return problems


def gif_animated(data: bytes) -> bool:
    """More than one image in a GIF (or a looping extension): an animation."""
    if not data.startswith((b"GIF87a", b"GIF89a")):
        return False
    return b"NETSCAPE2.0" in data or data.count(b"\x21\xf9\x04") > 1
