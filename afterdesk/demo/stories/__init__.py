"""Multilingual after-sales texts for the demo data.

One module per language holds a `PACK`: what buyers write (first message, follow-ups,
reopens), what agents answer, and the system's automatic acknowledgement, per category.
Templates use `str.format` placeholders: {customer} (buyer's first name), {order} (order
number), {product} (product title), {carrier}, {tracking}, {agent} (agent's first name),
{amount} (a money amount with its currency). Internal notes are in English, the team's
working language.
"""

from __future__ import annotations

from dataclasses import dataclass

from afterdesk.tickets.models import Category

# Every ticket category but `other`: each has its buyer and agent texts in every pack.
CATEGORIES = tuple(category.value for category in Category if category != Category.OTHER)


@dataclass(frozen=True)
class LanguagePack:
    code: str
    subjects: dict[str, list[str]]
    inbound: dict[str, list[str]]
    first_replies: dict[str, list[str]]
    solve_replies: dict[str, list[str]]
    follow_ups: list[str]
    reopens: list[str]
    auto_ack: str
    greeting: str
    signoff: str
    csat_good: list[str]
    csat_bad: list[str]
    complaints: list[str]
    first_names: list[str]
    last_names: list[str]


def _packs() -> dict[str, LanguagePack]:
    from afterdesk.demo.stories import ar, de, en, es, fr, ja, pt

    return {
        pack.code: pack for pack in (en.PACK, es.PACK, de.PACK, fr.PACK, ja.PACK, pt.PACK, ar.PACK)
    }


PACKS: dict[str, LanguagePack] = _packs()
LANGUAGES = tuple(PACKS)

# Internal notes (English): what agents write to each other while working a case.
NOTES: dict[str, list[str]] = {
    "not_received": [
        "Tracking {tracking} shows no scan for 6 days. Opened a trace with {carrier}.",
        "{carrier} says the parcel is held at the depot; asked for redelivery.",
        "Customs hold on {tracking}. Buyer may need to pay import duty.",
    ],
    "size_issue": [
        "Checked the size chart for {product}: it runs one size small. Offer exchange.",
        "Same complaint on {product} three times this week, flag to merchandising.",
    ],
    "quality_issue": [
        "Asked for photos. Batch of {product} from the new supplier, check with QC.",
        "Photos received: visible defect. Below our refund-without-return threshold.",
    ],
    "wrong_item": [
        "Warehouse picked the wrong SKU for {order}. Reported to the 3PL.",
        "Mislabelled bin at the warehouse, second case today for {product}.",
    ],
    "missing_item": [
        "Packing weight for {order} matches one item only; the second item was never packed.",
        "Split shipment: the missing item ships separately, check second tracking number.",
    ],
    "usage_question": [
        "Sent the PDF manual link for {product}.",
        "Known pairing issue with the latest firmware; workaround in the KB.",
    ],
    "return_request": [
        "Within the 30-day window, return label issued via {carrier}.",
        "Outside the return window by 3 days; approved as a goodwill exception.",
    ],
    "dispute": [
        "Buyer opened a claim. Evidence uploaded: proof of delivery from {carrier}.",
        "Claim deadline in 48h. Offering a partial refund to close it.",
    ],
}
TRANSFER_NOTES = [
    "Reassigning: the buyer writes in a language I don't cover.",
    "Handing over to the next shift, the buyer expects an answer today.",
    "Moving to a colleague who handled this buyer's previous order.",
]
ESCALATION_REASONS = [
    "Refund above my approval limit",
    "Marketplace claim opened",
    "Buyer threatens negative feedback",
    "Third contact about the same issue",
    "Carrier investigation needed",
]
QA_RUBRICS = ["standard-2026", "empathy-focus", "marketplace-policy"]
