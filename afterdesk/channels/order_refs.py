"""Order numbers a buyer writes in a subject or a message, by platform. Pure: no database.

- Amazon: `123-1234567-1234567` (3-7-7 digits)
- eBay: `12-12345-12345` (2-5-5 digits)
- AliExpress: a 16-digit order id (15 to 19 digits are seen; 16 is the common form)
- Shopify: `#1001` (a hash and 3 to 8 digits; store prefixes like `#SH1001` too)
- WooCommerce: "order 1234", "order #1234", "Bestellung 1234", "commande n° 1234", "pedido
  1234", "订单 1234", "注文番号 1234" (3 to 9 digits after an order word)

The references come in the order they appear; each (platform, number) once. Only the first
`SCAN_CHARS` characters of each text are read: buyers name their order at the top, and a
message of megabytes must not cost seconds here. Numbers are
returned as written by the platform (Shopify's with its `#`), so they can be looked up as
`commerce.Order.number`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_AMAZON = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")
_EBAY = re.compile(r"(?<![\d-])(\d{2}-\d{5}-\d{5})(?![\d-])")
_ALIEXPRESS = re.compile(r"(?<![\d.,-])(\d{16})(?![\d.,-])")
# Not the desk's own reply token "[#123-k7f3]" (followed by "-").
_SHOPIFY = re.compile(r"(?<![\w#&])#([A-Z]{0,4}\d{3,8})(?![\w-])")
_WOOCOMMERCE = re.compile(
    r"(?:\border|\bbestellung|\bcommande|\bpedido|\bordine|\bencomenda|订单|訂單|注文)"
    r"(?:\s*(?:number|no\.?|nr\.?|n°|nº|num(?:ero|éro)?|番号|号|編號|编号))?"
    r"\s*[:：]?\s*#?\s*(\d{3,9})(?![\d-])",
    re.IGNORECASE,
)


SCAN_CHARS = 20_000


@dataclass(frozen=True)
class OrderRef:
    platform: str  # commerce.Platform values
    number: str


def order_refs_find(*texts: str) -> list[OrderRef]:
    """Every order reference in `texts` (subject first, then the body), each once."""
    found: list[OrderRef] = []
    seen: set[OrderRef] = set()

    def add(platform: str, number: str) -> None:
        ref = OrderRef(platform=platform, number=number)
        if ref not in seen:
            seen.add(ref)
            found.append(ref)

    for text in texts:
        if not text:
            continue
        text = text[:SCAN_CHARS]
        matches: list[tuple[int, str, str]] = []
        for pattern, platform in (
            (_AMAZON, "amazon"),
            (_EBAY, "ebay"),
            (_ALIEXPRESS, "aliexpress"),
        ):
            matches += [(m.start(), platform, m.group(1)) for m in pattern.finditer(text)]
        matches += [(m.start(), "shopify", "#" + m.group(1)) for m in _SHOPIFY.finditer(text)]
        shopify_digits = {
            number.lstrip("#") for _, platform, number in matches if platform == "shopify"
        }
        for match in _WOOCOMMERCE.finditer(text):
            # "order #1001" is Shopify's form already found; the bare number is WooCommerce's.
            if match.group(1) not in shopify_digits:
                matches.append((match.start(1), "woocommerce", match.group(1)))
        for _, platform, number in sorted(matches):
            add(platform, number)
    return found


def order_numbers(refs: list[OrderRef]) -> list[str]:
    """The numbers to look up as `commerce.Order.number`: as written, and Shopify's and
    WooCommerce's with and without the hash (stores record either)."""
    numbers: list[str] = []
    for ref in refs:
        candidates = [ref.number]
        if ref.platform in ("shopify", "woocommerce"):
            bare = ref.number.lstrip("#")
            candidates = [bare, "#" + bare]
        for number in candidates:
            if number not in numbers:
                numbers.append(number)
    return numbers
