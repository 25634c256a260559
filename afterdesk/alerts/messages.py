"""An alert's sentence in the reader's language.

`Alert.message` is written once, in English, when the sweep raises the alert (rules.py), and
stays so in the database and the API. The alerts page and the alert email show it through
`message_text`, which reads the sentence against the three shapes the rules write and writes
it in the active language; a sentence of another shape is shown as it is.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

LONG_OPEN = re.compile(
    r"Ticket #(?P<ticket>\d+) “(?P<subject>.*)” \(team (?P<team>.+?), status (?P<status>\S+)\) "
    r"has been open (?P<open>.+?), more than (?P<factor>\S+)× the team's average handling "
    r"time of (?P<mean>.+?) \((?P<solved>\d+) tickets solved in the last (?P<days>\d+) days; "
    r"limit (?P<limit>.+?)\)\.",
    re.S,
)
RATE = re.compile(
    r"(?P<kpi>\S+) of (?P<who>(?:agent|team) .+?) (?P<verb>rose|fell) from (?P<before>.+?) "
    r"\(n=(?P<n_before>\d+), week of (?P<week_before>\S+)\) to (?P<now>.+?) "
    r"\(n=(?P<n_now>\d+), week of (?P<week_now>\S+)\): (?P<change>.+?) (?:up|down), "
    r"threshold (?P<threshold>.+)\.",
    re.S,
)
ESCALATION = re.compile(
    r"escalation_rate of (?P<who>(?:agent|team) .+?) was (?P<rate>\S+) per handled ticket "
    r"\((?P<escalations>\d+) escalations, (?P<handled>\d+) handled tickets, (?P<first>\S+) to "
    r"(?P<last>\S+)\): (?P<reasons>.+)\.",
    re.S,
)
THRESHOLD = re.compile(r"more than the threshold (?P<threshold>\S+)")
PEERS = re.compile(
    r"more than (?P<factor>\S+)× the median (?P<median>\S+) of (?P<count>\d+) other "
    r"(?P<peers>.+)"
)
DURATION = re.compile(r"(?:(?P<d>\d+) d )?(?:(?P<h>\d+) h )?(?P<m>\d+) min")


def _duration(text: str) -> str:
    match = DURATION.fullmatch(text)
    if match is None:
        return text
    parts = []
    if match["d"]:
        parts.append(_("%(count)s d") % {"count": match["d"]})
    if match["h"]:
        parts.append(_("%(count)s h") % {"count": match["h"]})
    parts.append(_("%(count)s min") % {"count": match["m"]})
    return " ".join(parts)


def _who(text: str) -> str:
    kind, _space, name = text.partition(" ")
    if kind == "agent":
        return _("agent %(name)s") % {"name": name}
    return _("team %(name)s") % {"name": name}


def _value(text: str) -> str:
    """`0.123 per handled ticket`, `12.5 points` or a plain figure."""
    if text.endswith(" per handled ticket"):
        value = text.removesuffix(" per handled ticket")
        return _("%(value)s per handled ticket") % {"value": value}
    if text.endswith(" points"):
        return _("%(value)s points") % {"value": text.removesuffix(" points")}
    return text


def _peers(text: str) -> str:
    if text == "teams":
        return _("teams")
    if text.startswith("agents on template "):
        return _("agents on template %(template)s") % {
            "template": text.removeprefix("agents on template ")
        }
    return text


def _reason(text: str) -> str:
    match = THRESHOLD.fullmatch(text)
    if match is not None:
        return _("more than the threshold %(threshold)s") % match.groupdict()
    match = PEERS.fullmatch(text)
    if match is not None:
        return _("more than %(factor)s× the median %(median)s of %(count)s other %(peers)s") % {
            **match.groupdict(),
            "peers": _peers(match["peers"]),
        }
    return text


def message_text(text: str) -> str:
    """The stored English sentence in the active language (as it is when of no known shape)."""
    match = LONG_OPEN.fullmatch(text)
    if match is not None:
        values = match.groupdict()
        return _(
            "Ticket #%(ticket)s “%(subject)s” (team %(team)s, status %(status)s) has been open "
            "%(open)s, more than %(factor)s× the team's average handling time of %(mean)s "
            "(%(solved)s tickets solved in the last %(days)s days; limit %(limit)s)."
        ) % {
            **values,
            "open": _duration(values["open"]),
            "mean": _duration(values["mean"]),
            "limit": _duration(values["limit"]),
        }
    match = RATE.fullmatch(text)
    if match is not None:
        values = match.groupdict()
        sentence = (
            _(
                "%(kpi)s of %(who)s rose from %(before)s (n=%(n_before)s, week of "
                "%(week_before)s) to %(now)s (n=%(n_now)s, week of %(week_now)s): %(change)s "
                "up, threshold %(threshold)s."
            )
            if values["verb"] == "rose"
            else _(
                "%(kpi)s of %(who)s fell from %(before)s (n=%(n_before)s, week of "
                "%(week_before)s) to %(now)s (n=%(n_now)s, week of %(week_now)s): %(change)s "
                "down, threshold %(threshold)s."
            )
        )
        return sentence % {
            **values,
            "who": _who(values["who"]),
            "before": _value(values["before"]),
            "now": _value(values["now"]),
            "change": _value(values["change"]),
            "threshold": _value(values["threshold"]),
        }
    match = ESCALATION.fullmatch(text)
    if match is not None:
        values = match.groupdict()
        reasons = _(" and ").join(_reason(part) for part in values["reasons"].split(" and "))
        return _(
            "escalation_rate of %(who)s was %(rate)s per handled ticket (%(escalations)s "
            "escalations, %(handled)s handled tickets, %(first)s to %(last)s): %(reasons)s."
        ) % {**values, "who": _who(values["who"]), "reasons": reasons}
    return text
