"""`triage_message`: a buyer's message → language, issue type, risk, suggested priority, each
with the reason a person can read on the ticket (docs/triage.md).

Pure and fast: no database, no network; the lexicons and the language detector are built once
per process, on first use.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass

from afterdesk.triage.language import LanguageGuess, language_detect
from afterdesk.triage.lexicon import ISSUE_TYPES, RISK_FLAGS, Hit, Lexicon, lexicons
from afterdesk.triage.text import normalize_mapped

# Risk points → suggested priority (never a lowering: see `priority_raise`).
URGENT_FROM = 70
HIGH_FROM = 40
# A risk flag is raised from this many points (phrases add up: one threat or one strong insult
# reaches it, a mild "disappointed" or "my card" alone does not).
FLAG_FROM = 40
SENTIMENT_MAX = 60
SHOUTING_POINTS = 20
EXCLAMATIONS_POINTS = 10
# The body alone decides the language unless it is this short.
SHORT_BODY = 40
# Only the start of a very long message is read: the buyer's matter is there (intake folds
# quoted history), and a megabyte of text must not cost a second.
MAX_CHARS = 20_000

PRIORITIES = ("low", "normal", "high", "urgent")

# Claims a buyer can file; one already filed makes the message a `dispute` (docs/triage.md,
# "Labelling guide": a threat to file is a flag on the underlying issue, a filed one is the issue).
CLAIM_FLAGS = frozenset({"chargeback", "atoz_claim", "paypal_dispute", "platform_claim"})
# Delivery and wrong-item phrases that are as often said of the refund: "the money still hasn't
# come back", "Erstattung fehlt", "rimborso mai arrivato", "you credited 20 instead of 35".
MONEY_BORNE = frozenset({"not_received", "missing_item", "wrong_item"})
_SENTENCE_END = re.compile(r"[.!?;\n。！？；]")

_EXCLAMATIONS = re.compile(r"[!！]{3,}")
_WORD = re.compile(r"\b[^\W\d_]{3,}\b")


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon phrase found in the message (for the ticket's "why")."""

    phrase: str  # as written in the lexicon
    text: str  # the buyer's words it matched
    label: str  # an issue type or a risk flag
    language: str  # the lexicon it comes from
    weight: float
    negated: bool


@dataclass(frozen=True, slots=True)
class Triage:
    language: str  # ISO 639-1 ("de", "zh"), "" when unknown
    language_reason: str
    issue_type: str  # one of lexicon.ISSUE_TYPES
    issue_reason: str
    risk: int  # 0–100
    risk_flags: tuple[str, ...]  # in lexicon.RISK_FLAGS order
    risk_reason: str
    priority: str  # suggested: "normal", "high" or "urgent"
    matches: tuple[Match, ...]


def _lexicons_for(guess: LanguageGuess) -> tuple[list[Lexicon], list[Lexicon]]:
    """The lexicons to match first: the message's language, lingua's plausible runners-up and
    English (buyers mix in "refund", "tracking"); every lexicon when the language is unknown.
    Then the rest, matched only when the first found no issue (a misdetected language)."""
    every = lexicons()
    wanted = [guess.code, *guess.runners_up, "en"] if guess.code else [*guess.runners_up]
    first = [every[code] for code in dict.fromkeys(wanted) if code in every]
    if not guess.code and not guess.runners_up:
        first = list(every.values())
    chosen = {lexicon.language for lexicon in first}
    rest = [lexicon for lexicon in every.values() if lexicon.language not in chosen]
    return first, rest


def _match(hit: Hit, raw: str, origins: list[int]) -> Match:
    entry = hit.entry
    words = raw[origins[hit.start] : origins[hit.end - 1] + 1]
    return Match(entry.phrase, words, entry.label, entry.language, entry.weight, hit.negated)


def _quoted(matches: list[Match]) -> str:
    """The buyer's words each phrase matched, once, with how often: "'Broken' (en) ×2"."""
    counts: dict[tuple[str, str], int] = {}
    words: dict[tuple[str, str], str] = {}
    for match in matches:
        key = (" ".join(match.text.casefold().split()), match.language)
        counts[key] = counts.get(key, 0) + 1
        words.setdefault(key, " ".join(match.text.split()))
    return ", ".join(
        f"'{words[key]}' ({key[1]})" + (f" ×{count}" if count > 1 else "")
        for key, count in counts.items()
    )


def _sentence(text: str, start: int, end: int) -> tuple[int, str]:
    """The sentence of normalised `text` around [start, end), and where it begins."""
    before = _SENTENCE_END.split(text[max(0, start - 200) : start])[-1]
    after = _SENTENCE_END.split(text[end : end + 200])[0]
    return start - len(before), before + text[start:end] + after


def _claim_filed(
    hits: list[tuple[Hit, Match]], text: str, raw: str, origins: list[int], cued: list[Lexicon]
) -> str:
    """Why the message reports a claim already filed, or "": a claim phrase strong enough to
    raise its flag on its own, in a sentence with a cue of a done deed ("I've", "ya", "bereits",
    "已经") and no cue of a condition or a future ("if", "si no", "sonst", "再不")."""
    for hit, match in hits:
        if match.label not in CLAIM_FLAGS or match.weight < FLAG_FROM or match.negated:
            continue
        offset, sentence = _sentence(text, hit.start, hit.end)
        if any(lexicon.claim_threat.search(sentence) for lexicon in cued):
            continue
        for lexicon in cued:
            if cue := lexicon.claim_filed.search(sentence):
                begin, finish = offset + cue.start(), offset + cue.end()
                words = raw[origins[begin] : origins[finish - 1] + 1]
                return f"claim already filed: '{match.text}' ({match.label}) with '{words}'"
    return ""


def _distinct(hits: list[tuple[Hit, Match]]) -> list[tuple[Hit, Match]]:
    """One match per stretch of the buyer's words and label: the same "Amazon" or "chargeback"
    found by several lexicons counts once (its heaviest weight), not once per lexicon."""
    best: dict[tuple[int, int, str], tuple[Hit, Match]] = {}
    for hit, match in hits:
        key = (hit.start, hit.end, match.label)
        if key not in best or match.weight > best[key][1].weight:
            best[key] = (hit, match)
    return list(best.values())


def _said_of_money(
    hits: list[tuple[Hit, Match]], text: str, cued: list[Lexicon]
) -> tuple[list[Match], str]:
    """The issue matches, with delivery and wrong-item phrases that stand right next to a word
    for the money counted as `refund_request` (and why)."""
    matches: list[Match] = []
    notes: list[str] = []
    for hit, match in hits:
        if match.label in MONEY_BORNE and not match.negated:
            for lexicon in cued:
                if word := lexicon.money_near(text, hit.start, hit.end):
                    notes.append(f"'{' '.join(match.text.split())}' said of the money ('{word}')")
                    match = dataclasses.replace(match, label="refund_request")
                    break
        matches.append(match)
    return matches, "; " + ", ".join(notes) if notes else ""


def _issue(matches: list[Match], filed: str = "") -> tuple[str, str]:
    scores: dict[str, float] = defaultdict(float)
    found: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        if not match.negated:
            scores[match.label] += match.weight
            found[match.label].append(match)
    negated = [m for m in matches if m.negated]
    ignored = f"; ignored negated {_quoted(negated)}" if negated else ""
    if not scores:
        if filed:
            return "dispute", f"{filed}{ignored}"
        return "other", f"no issue phrase matched{ignored}"
    best = max(scores, key=lambda label: (scores[label], -ISSUE_TYPES.index(label)))
    reason = f"matched {_quoted(found[best])} ({best}, score {scores[best]:g})"
    others = [label for label in scores if label != best]
    if filed:
        # A filed claim is the matter now, whatever led to it (the labelling guide).
        best, reason = "dispute", f"{filed}; before it {reason}"
    if others:
        others.sort(key=lambda label: -scores[label])
        reason += "; less: " + ", ".join(f"{label} {scores[label]:g}" for label in others)
    return best, reason + ignored


def _sentiment_extras(subject: str, body: str) -> list[tuple[str, int]]:
    raw = f"{subject}\n{body}"
    extras: list[tuple[str, int]] = []
    words = _WORD.findall(raw)
    upper = [word for word in words if word.isupper()]
    if len(upper) >= 3 and len(upper) * 2 >= len(words):
        extras.append(("written in capitals", SHOUTING_POINTS))
    if _EXCLAMATIONS.search(raw):
        extras.append(("'!!!'", EXCLAMATIONS_POINTS))
    return extras


def _risk(matches: list[Match], extras: list[tuple[str, int]]) -> tuple[int, tuple[str, ...], str]:
    """Each flag's points: its strongest phrase plus half of the others (capped at 100); a flag is
    raised from FLAG_FROM points, so weak hints ("everywhere", "my card") need company. The
    risk is the sum of every flag's points, capped at 100."""
    found: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        if not match.negated:
            found[match.label].append(match)
    points: dict[str, float] = {}
    why: dict[str, list[str]] = {}
    for flag, flag_matches in found.items():
        weights = sorted((m.weight for m in flag_matches), reverse=True)
        points[flag] = weights[0] + sum(weights[1:]) / 2
        why[flag] = [_quoted(flag_matches)]
    if "negative_sentiment" in points:
        # Capitals and "!!!" only strengthen words that are already negative.
        for text, extra in extras:
            points["negative_sentiment"] += extra
            why["negative_sentiment"].append(text)
        points["negative_sentiment"] = min(points["negative_sentiment"], SENTIMENT_MAX)
    points = {flag: min(value, 100.0) for flag, value in points.items()}
    if not points:
        return 0, (), "no risk phrase matched"
    raised = [flag for flag in RISK_FLAGS if points.get(flag, 0) >= FLAG_FROM]
    notes: dict[str, str] = {flag: "" for flag in points}
    for flag in points:
        if flag not in raised:
            notes[flag] = f" (below {FLAG_FROM}, no flag)"
    if "platform_claim" in raised and {"atoz_claim", "paypal_dispute"} & set(raised):
        # An A-to-z claim or a PayPal dispute is the platform's claim: one flag, not two.
        raised.remove("platform_claim")
        notes["platform_claim"] = " (part of the A-to-z or PayPal claim, no flag)"
    risk = min(100, round(sum(points.values())))
    reason = "; ".join(
        f"{flag} {points[flag]:g}: {', '.join(why[flag])}{notes[flag]}"
        for flag in RISK_FLAGS
        if flag in points
    )
    return risk, tuple(raised), reason


def priority_for(risk: int) -> str:
    if risk >= URGENT_FROM:
        return "urgent"
    if risk >= HIGH_FROM:
        return "high"
    return "normal"


def priority_raise(current: str, suggested: str) -> str:
    """The higher of a ticket's priority and triage's suggestion: triage only ever raises."""
    known = [p for p in (current, suggested) if p in PRIORITIES]
    return max(known, key=PRIORITIES.index) if known else current


def triage_message(subject: str, body: str) -> Triage:
    """Language, issue type, risk and suggested priority of one buyer message, with reasons."""
    subject, body = subject[:MAX_CHARS], body[:MAX_CHARS]
    guess = language_detect(body if len(body.strip()) >= SHORT_BODY else f"{subject}\n{body}")
    raw = f"{subject}\n{body}"
    text, origins = normalize_mapped(raw)
    issue_hits: list[tuple[Hit, Match]] = []
    risk_hits: list[tuple[Hit, Match]] = []
    first, rest = _lexicons_for(guess)
    for lexicon in first:
        issue_hits.extend((hit, _match(hit, raw, origins)) for hit in lexicon.issue_hits(text))
        risk_hits.extend((hit, _match(hit, raw, origins)) for hit in lexicon.risk_hits(text))
    if not any(not match.negated for _, match in issue_hits):
        for lexicon in rest:
            issue_hits.extend((hit, _match(hit, raw, origins)) for hit in lexicon.issue_hits(text))
            risk_hits.extend((hit, _match(hit, raw, origins)) for hit in lexicon.risk_hits(text))
    issue_hits, risk_hits = _distinct(issue_hits), _distinct(risk_hits)
    risk_matches = [match for _, match in risk_hits]
    issue_matches, money_notes = _said_of_money(issue_hits, text, first or rest)
    filed = _claim_filed(risk_hits, text, raw, origins, first or rest)
    issue_type, issue_reason = _issue(issue_matches, filed)
    issue_reason += money_notes
    risk, flags, risk_reason = _risk(risk_matches, _sentiment_extras(subject, body))
    priority = priority_for(risk)
    return Triage(
        language=guess.code,
        language_reason=guess.reason,
        issue_type=issue_type,
        issue_reason=issue_reason,
        risk=risk,
        risk_flags=flags,
        risk_reason=f"{risk_reason} → risk {risk}, priority {priority}",
        priority=priority,
        matches=tuple(issue_matches + risk_matches),
    )
