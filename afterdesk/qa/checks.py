"""Automatic checks that pre-fill a review (docs/qa.md, "Automatic checks"). They only suggest:
the reviewer sees each finding beside its category and submits the ratings they choose.

Every check reads the conversation (the public messages in order) and the ticket's log; each
answers passed (True), failed (False) or cannot tell (None), with its reason in words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from afterdesk.qa.models import Check
from afterdesk.sla.models import TicketSla
from afterdesk.tickets.models import Message, MessageKind, Ticket, TicketEvent
from afterdesk.triage.language import language_detect

GREETINGS = (
    "hi",
    "hello",
    "hey",
    "dear",
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
    "hola",
    "buenos días",
    "buenas",
    "estimado",
    "estimada",
    "bonjour",
    "bonsoir",
    "hallo",
    "guten tag",
    "liebe",
    "lieber",
    "sehr geehrte",
    "ciao",
    "buongiorno",
    "salve",
    "gentile",
    "olá",
    "ola",
    "bom dia",
    "boa tarde",
    "hej",
    "hoi",
    "witam",
    "dzień dobry",
    "merhaba",
    "здравствуйте",
    "привет",
    "مرحبا",
    "السلام عليكم",
    "こんにちは",
    "お世話になっております",
    "您好",
    "你好",
    "안녕하세요",
)
SIGN_OFFS = (
    "regards",
    "best",
    "thanks",
    "thank you",
    "cheers",
    "sincerely",
    "kind regards",
    "have a nice day",
    "have a great day",
    "saludos",
    "atentamente",
    "gracias",
    "cordialement",
    "bien à vous",
    "merci",
    "grüße",
    "gruß",
    "mit freundlichen",
    "danke",
    "cordiali saluti",
    "grazie",
    "saluti",
    "atenciosamente",
    "obrigado",
    "obrigada",
    "groeten",
    "pozdrawiam",
    "с уважением",
    "спасибо",
    "مع تحياتي",
    "شكرا",
    "よろしくお願いします",
    "よろしくお願いいたします",
    "ありがとうございます",
    "谢谢",
    "祝好",
    "此致",
    "감사합니다",
)
# A reply that promises to come back: the next agent reply (or the ticket being solved after
# it) keeps the promise.
PROMISES = re.compile(
    r"\b(i|we)('ll| will| shall) (get back|follow up|update you|let you know|check|contact you|"
    r"come back|reach out)|\bfollow[- ]up\b|\bwithin \d+ (hours|days)\b|\bby tomorrow\b",
    re.IGNORECASE,
)
UNRENDERED = re.compile(r"\{\{|\}\}|\{%|%\}")
# The sentiment lexicon: a buyer message's mood is (positive words − negative words); the
# conversation worsens when the last buyer message scores lower than the first.
POSITIVE = frozenset(
    {
        "thanks",
        "thank",
        "great",
        "perfect",
        "happy",
        "glad",
        "excellent",
        "awesome",
        "appreciate",
        "appreciated",
        "resolved",
        "wonderful",
        "helpful",
        "love",
        "good",
        "nice",
        "gracias",
        "merci",
        "danke",
        "grazie",
        "obrigado",
        "perfecto",
        "parfait",
        "super",
        "genial",
        "谢谢",
        "感谢",
        "满意",
        "ありがとう",
    }
)
NEGATIVE = frozenset(
    {
        "angry",
        "terrible",
        "awful",
        "worst",
        "bad",
        "disappointed",
        "disappointing",
        "unacceptable",
        "ridiculous",
        "scam",
        "fraud",
        "useless",
        "never",
        "horrible",
        "annoyed",
        "frustrated",
        "furious",
        "refund",
        "complaint",
        "lawyer",
        "chargeback",
        "dispute",
        "still",
        "again",
        "waiting",
        "enfadado",
        "nunca",
        "estafa",
        "déçu",
        "arnaque",
        "inacceptable",
        "enttäuscht",
        "betrug",
        "schlecht",
        "失望",
        "差评",
        "投诉",
        "骗子",
        "最悪",
    }
)
WORD = re.compile(r"\w+", re.UNICODE)
LANGUAGE_MIN_CHARS = 40


@dataclass(frozen=True)
class Finding:
    check: str
    passed: bool | None
    detail: str


def _starts_with(text: str, words: tuple[str, ...]) -> bool:
    head = text.strip().casefold()[:60]
    return any(head.startswith(word) for word in words)


def _ends_with(text: str, words: tuple[str, ...]) -> bool:
    tail = text.strip().casefold()[-120:]
    return any(word in tail for word in words)


def _greeting(replies: list[Message]) -> Finding:
    if not replies:
        return Finding(Check.GREETING, None, _("no agent reply"))
    greeted = _starts_with(replies[0].body_text, GREETINGS)
    signed = _ends_with(replies[-1].body_text, SIGN_OFFS)
    missing = [name for name, ok in ((_("greeting"), greeted), (_("sign-off"), signed)) if not ok]
    if missing:
        return Finding(
            Check.GREETING, False, _("missing: %(parts)s") % {"parts": _(", ").join(missing)}
        )
    return Finding(Check.GREETING, True, _("the first reply greets, the last signs off"))


def _follow_up(messages: list[Message], events: list[TicketEvent]) -> Finding:
    replies = [m for m in messages if m.kind == MessageKind.REPLY]
    for index, reply in enumerate(replies):
        if PROMISES.search(reply.body_text):
            later_reply = index + 1 < len(replies)
            solved_after = any(
                e.kind == "status" and e.subtype == "solved" and e.at > reply.created_at
                for e in events
            )
            if later_reply or solved_after:
                return Finding(Check.FOLLOW_UP, True, _("a follow-up was promised and came"))
            return Finding(Check.FOLLOW_UP, False, _("a follow-up was promised; none came"))
    return Finding(Check.FOLLOW_UP, None, _("no follow-up promised"))


def _template(replies: list[Message]) -> Finding:
    left = [m for m in replies if UNRENDERED.search(m.body_text)]
    if left:
        return Finding(
            Check.TEMPLATE,
            False,
            ngettext(
                "%(count)s reply contains {{ or {%% left",
                "%(count)s replies contain {{ or {%% left",
                len(left),
            )
            % {"count": len(left)},
        )
    if not replies:
        return Finding(Check.TEMPLATE, None, _("no agent reply"))
    return Finding(Check.TEMPLATE, True, _("no template variables left"))


def _buyer_language(ticket: Ticket, messages: list[Message], events: list[TicketEvent]) -> str:
    """The triage's language (an agent's correction being the latest triage event), else the
    ticket's, else the triage detector run on the buyer's first message."""
    for event in reversed(events):
        if event.kind == "triage" and event.fields.get("language"):
            return str(event.fields["language"])
    if ticket.language:
        return ticket.language
    first = next((m for m in messages if m.kind == MessageKind.INBOUND), None)
    return language_detect(f"{ticket.subject}\n{first.body_text}").code if first else ""


def _language(
    ticket: Ticket, messages: list[Message], replies: list[Message], events: list[TicketEvent]
) -> Finding:
    buyer = _buyer_language(ticket, messages, events)
    if not buyer:
        return Finding(Check.LANGUAGE, None, _("the buyer's language is unknown"))
    told = [(m, language_detect(m.body_text).code) for m in replies]
    told = [(m, code) for m, code in told if code and len(m.body_text) >= LANGUAGE_MIN_CHARS]
    if not told:
        return Finding(Check.LANGUAGE, None, _("no reply long enough to tell its language"))
    other = sorted({code for _, code in told if code != buyer})
    if other:
        return Finding(
            Check.LANGUAGE,
            False,
            _("buyer writes %(buyer)s; replies in %(others)s")
            % {"buyer": buyer, "others": ", ".join(other)},
        )
    return Finding(
        Check.LANGUAGE, True, _("replies in %(buyer)s, the buyer's language") % {"buyer": buyer}
    )


def _first_reply_sla(replies: list[Message], events: list[TicketEvent]) -> Finding:
    breached = any(
        e.kind == "sla_breach" and e.fields.get("target") == "first_reply" for e in events
    )
    if breached:
        return Finding(Check.FIRST_REPLY_SLA, False, _("the first reply breached its SLA"))
    if not replies:
        return Finding(Check.FIRST_REPLY_SLA, None, _("no agent reply"))
    # The sla app keeps each ticket's clocks; no policy means no first-reply target to meet.
    if not TicketSla.objects.filter(ticket_id=replies[0].ticket_id, policy__isnull=False).exists():
        return Finding(Check.FIRST_REPLY_SLA, None, _("no SLA policy applies"))
    return Finding(Check.FIRST_REPLY_SLA, True, _("first reply within the SLA (no breach)"))


def mood(text: str) -> int:
    words = [w.casefold() for w in WORD.findall(text)]
    return sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)


def _sentiment(messages: list[Message]) -> Finding:
    buyer = [m for m in messages if m.kind == MessageKind.INBOUND]
    if len(buyer) < 2:
        return Finding(Check.SENTIMENT, None, _("fewer than two buyer messages"))
    first, last = mood(buyer[0].body_text), mood(buyer[-1].body_text)
    if last < first:
        return Finding(
            Check.SENTIMENT,
            False,
            _("worsening (mood %(first)s → %(last)s)") % {"first": first, "last": last},
        )
    text = (
        _("improving (mood %(first)s → %(last)s)")
        if last > first
        else _("steady (mood %(first)s → %(last)s)")
    )
    return Finding(Check.SENTIMENT, True, text % {"first": first, "last": last})


def checks_run(ticket: Ticket) -> dict[str, Finding]:
    """Every check on the ticket's conversation: two queries (messages, events) and one for
    the SLA state when needed."""
    messages = list(
        Message.objects.filter(ticket=ticket)
        .exclude(kind=MessageKind.NOTE)
        .order_by("created_at", "id")
    )
    events = list(
        TicketEvent.objects.filter(
            ticket=ticket, kind__in=("status", "triage", "sla_breach", "sla_warning")
        ).order_by("at", "id")
    )
    replies = [m for m in messages if m.kind == MessageKind.REPLY]
    findings = [
        _greeting(replies),
        _follow_up(messages, events),
        _template(replies),
        _language(ticket, messages, replies, events),
        _first_reply_sla(replies, events),
        _sentiment(messages),
    ]
    return {finding.check: finding for finding in findings}
