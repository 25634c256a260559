"""The reasons the scorecards and payouts give, in the reader's language when shown.

A scorecard's exclusion reason ("n < min_samples (3 < 5)") and a payout's reasons ("total
82 ≥ 80 (Gold); not paid, gate condition not met: csat 4.1 < 4.5") are stored and exported
as written, in English: a frozen statement, its CSV and its JSON never change with the reader.
The pages show them through `reason_text` (the `reason` filter of perf_tags), which reads
each `; `-separated part against the known sentences and writes it in the active language;
a part it does not know (a tier's or a KPI's own name, a figure) stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

# Each known sentence: its pattern (the whole part), and how to write it. Named groups ending
# in "_reason" are reasons again and are read the same way.
Writer = Callable[[dict[str, str]], str]


def _patterns() -> list[tuple[re.Pattern[str], Writer]]:
    return [
        (re.compile(r"no data"), lambda g: _("no data")),
        (
            re.compile(r"n < min_samples \((?P<n>\d+) < (?P<min>\d+)\)"),
            lambda g: _("n < min_samples (%(n)s < %(min)s)") % g,
        ),
        (
            re.compile(r"total (?P<total>\S+) ≥ (?P<min>\S+) \((?P<tier>.+)\)"),
            lambda g: _("total %(total)s ≥ %(min)s (%(tier)s)") % g,
        ),
        (
            re.compile(r"total (?P<total>\S+) < (?P<min>\S+) \(lowest tier (?P<tier>.+)\)"),
            lambda g: _("total %(total)s < %(min)s (lowest tier %(tier)s)") % g,
        ),
        (re.compile(r"the rule has no tiers"), lambda g: _("the rule has no tiers")),
        (
            re.compile(r"no total score \(every KPI of the template excluded\)"),
            lambda g: _("no total score (every KPI of the template excluded)"),
        ),
        (
            re.compile(r"not paid, gate (?P<rest_reason>.+)"),
            lambda g: _("not paid, gate %(rest_reason)s") % g,
        ),
        (re.compile(r"gate (?P<rest_reason>.+)"), lambda g: _("gate %(rest_reason)s") % g),
        (
            re.compile(r"condition not met: (?P<rest_reason>.+)"),
            lambda g: _("condition not met: %(rest_reason)s") % g,
        ),
        (re.compile(r"blocked: (?P<rest_reason>.+)"), lambda g: _("blocked: %(rest_reason)s") % g),
        (re.compile(r"unconditional"), lambda g: _("unconditional")),
        (re.compile(r"not blocked"), lambda g: _("not blocked")),
        (
            re.compile(r"(?P<kpi>\S+) excluded \((?P<why_reason>.+)\): fails"),
            lambda g: _("%(kpi)s excluded (%(why_reason)s): fails") % g,
        ),
        (
            re.compile(r"(?P<kpi>\S+) excluded \((?P<why_reason>.+)\): does not block"),
            lambda g: _("%(kpi)s excluded (%(why_reason)s): does not block") % g,
        ),
        (
            re.compile(r"certification (?P<name>.+) held at the period's end until (?P<until>.+)"),
            lambda g: _("certification %(name)s held at the period's end, until %(until)s") % g,
        ),
        (
            re.compile(r"certification (?P<name>.+) held at the period's end"),
            lambda g: _("certification %(name)s held at the period's end") % g,
        ),
        (
            re.compile(r"allowance in (?P<currency>\S+), not the rule's (?P<rule>\S+): not paid"),
            lambda g: _("allowance in %(currency)s, not the rule's %(rule)s: not paid") % g,
        ),
        (
            re.compile(
                r"no scorecard template at the period's end \(none assigned to the agent or "
                r"the position\): not scored"
            ),
            lambda g: _(
                "no scorecard template at the period's end (none assigned to the agent or "
                "the position): not scored"
            ),
        ),
        (
            re.compile(
                r"scored under template (?P<template>\S+) \(personal assignment\), not "
                r"(?P<rule>\S+): a rule never ranks agents of different templates together"
            ),
            lambda g: (
                _(
                    "scored under template %(template)s (personal assignment), not %(rule)s: a "
                    "rule never ranks agents of different templates together"
                )
                % g
            ),
        ),
        (
            re.compile(
                r"scored under template (?P<template>\S+) \(position\), not (?P<rule>\S+): a "
                r"rule never ranks agents of different templates together"
            ),
            lambda g: (
                _(
                    "scored under template %(template)s (position), not %(rule)s: a rule never "
                    "ranks agents of different templates together"
                )
                % g
            ),
        ),
        (
            re.compile(
                r"payout (?P<total>\S+) (?P<currency>\S+) exceeds the budget (?P<budget>\S+) "
                r"\S+ by (?P<over>\S+)"
            ),
            lambda g: (
                _(
                    "payout %(total)s %(currency)s exceeds the budget %(budget)s %(currency)s by "
                    "%(over)s"
                )
                % g
            ),
        ),
        (
            re.compile(
                r"payout is (?P<share>\S+) of the labour cost (?P<cost>\S+) (?P<currency>\S+), "
                r"above the maximum (?P<max>\S+)"
            ),
            lambda g: (
                _(
                    "payout is %(share)s of the labour cost %(cost)s %(currency)s, above the "
                    "maximum %(max)s"
                )
                % g
            ),
        ),
    ]


def _part(text: str) -> str:
    for pattern, write in _patterns():
        match = pattern.fullmatch(text)
        if match is not None:
            groups = {
                name: reason_text(value) if name.endswith("_reason") else value
                for name, value in match.groupdict().items()
            }
            return write(groups)
    return text


def reason_text(text: str | None) -> str:
    """`text` (a stored English reason) in the active language, part by part."""
    if not text:
        return ""
    return _("; ").join(_part(part) for part in str(text).split("; "))
