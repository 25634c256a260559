"""Precision and recall of `triage_message` on a labelled set of buyer messages (JSON Lines:
{"id", "lang", "subject", "body", "issue_type", "risk_flags": [...]}), per language, split into
the tuning set and the held-out set (every id whose number is a multiple of 4: never tuned
against; docs/triage.md, "Measured")."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from afterdesk.triage.engine import triage_message
from afterdesk.triage.lexicon import ISSUE_TYPES, RISK_FLAGS

SPLITS = ("tuning", "held-out", "all")
# "en-012": held out when the number is a multiple of 4; "en-b01", "en-f01" (the later rounds,
# docs/triage.md "Labelled sets") and any other id ("ticket-124", an agent's correction) are
# never held out.
_NUMBERED_ID = re.compile(r"^[a-z]{2}-(\d+)$")


class LabelledSetError(ValueError):
    """A labelled file that cannot be measured (its line number and what is wrong)."""


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    lang: str
    subject: str
    body: str
    issue_type: str
    risk_flags: frozenset[str]

    @property
    def held_out(self) -> bool:
        numbered = _NUMBERED_ID.search(self.id)
        return numbered is not None and int(numbered.group(1)) % 4 == 0


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: bool, actual: bool) -> None:
        self.tp += predicted and actual
        self.fp += predicted and not actual
        self.fn += actual and not predicted


@dataclass
class Scores:
    """The figures of one language (or of all, under "all")."""

    messages: int = 0
    issue_correct: int = 0
    decided: int = 0  # messages given a type other than "other"
    decided_correct: int = 0
    language_correct: int = 0
    language_unknown: int = 0
    issues: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    flags: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    any_flag: Counts = field(default_factory=Counts)
    errors: list[str] = field(default_factory=list)

    @property
    def issue_accuracy(self) -> float:
        return self.issue_correct / self.messages if self.messages else 0.0

    @property
    def decided_share(self) -> float:
        """How often triage names a type (not "other"): its coverage."""
        return self.decided / self.messages if self.messages else 0.0

    @property
    def decided_precision(self) -> float:
        """How often a named type (not "other") is the right one."""
        return self.decided_correct / self.decided if self.decided else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.messages if self.messages else 0.0

    def macro_f1(self) -> float:
        present = [c for c in self.issues.values() if c.tp + c.fn]
        return sum(c.f1 for c in present) / len(present) if present else 0.0


def labelled_load(path: Path) -> list[Labelled]:
    rows: list[Labelled] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            row = Labelled(
                id=str(data["id"]),
                lang=str(data["lang"]),
                subject=str(data.get("subject", "")),
                body=str(data["body"]),
                issue_type=str(data["issue_type"]),
                risk_flags=frozenset(data.get("risk_flags", [])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelledSetError(f"line {number}: {exc!r}") from exc
        if row.issue_type not in ISSUE_TYPES:
            raise LabelledSetError(f"line {number}: unknown issue_type {row.issue_type!r}")
        unknown = row.risk_flags - set(RISK_FLAGS)
        if unknown:
            raise LabelledSetError(f"line {number}: unknown risk flags {sorted(unknown)}")
        rows.append(row)
    return rows


def measure(rows: Iterable[Labelled]) -> dict[str, Scores]:
    """Scores per language, and over everything under "all"."""
    scores: dict[str, Scores] = defaultdict(Scores)
    for row in rows:
        result = triage_message(row.subject, row.body)
        for key in (row.lang, "all"):
            s = scores[key]
            s.messages += 1
            s.issue_correct += result.issue_type == row.issue_type
            if result.issue_type != "other":
                s.decided += 1
                s.decided_correct += result.issue_type == row.issue_type
            s.language_correct += result.language == row.lang
            s.language_unknown += result.language == ""
            for issue in ISSUE_TYPES:
                s.issues[issue].add(result.issue_type == issue, row.issue_type == issue)
            for flag in RISK_FLAGS:
                s.flags[flag].add(flag in result.risk_flags, flag in row.risk_flags)
            s.any_flag.add(bool(result.risk_flags), bool(row.risk_flags))
        if result.issue_type != row.issue_type or set(result.risk_flags) != row.risk_flags:
            scores["all"].errors.append(
                f"{row.id}: issue {result.issue_type} (want {row.issue_type}), flags "
                f"{sorted(result.risk_flags)} (want {sorted(row.risk_flags)}), "
                f"language {result.language or '?'}"
            )
    return scores


def split(rows: list[Labelled], which: str) -> list[Labelled]:
    if which == "tuning":
        return [row for row in rows if not row.held_out]
    if which == "held-out":
        return [row for row in rows if row.held_out]
    return rows


def _figures(counts: Counts) -> str:
    support = counts.tp + counts.fn
    return f"{counts.precision:5.2f} {counts.recall:5.2f} {counts.f1:5.2f} {support:4d}"


def report_lines(scores: dict[str, Scores], title: str) -> list[str]:
    """A plain-text report: a summary per language, then P/R/F1 per issue type and risk flag."""
    languages = [lang for lang in sorted(scores) if lang != "all"] + ["all"]
    lines = [
        f"== {title}: {scores['all'].messages} messages ==",
        "lang  msgs  issue-acc  macro-F1  decided  decided-P  flag-any P/R  language-acc  unknown",
    ]
    for lang in languages:
        s = scores[lang]
        lines.append(
            f"{lang:<5} {s.messages:4d}  {s.issue_accuracy:9.2f}  {s.macro_f1():8.2f}  "
            f"{s.decided_share:7.2f}  {s.decided_precision:9.2f}  "
            f"{s.any_flag.precision:4.2f}/{s.any_flag.recall:4.2f}  "
            f"{s.language_accuracy:12.2f}  {s.language_unknown:7d}"
        )
    header = "  ".join(f"{lang:^22}" for lang in languages)
    lines += ["", f"{'P R F1 n':<20}{header}"]
    for name in (*ISSUE_TYPES, *RISK_FLAGS):
        cells = [
            scores[lang].issues[name] if name in ISSUE_TYPES else scores[lang].flags[name]
            for lang in languages
        ]
        lines.append(f"{name:<20}" + "  ".join(f"{_figures(c):^22}" for c in cells))
    return lines
