"""Where `afterdesk triage labels` finds labelled messages: agents' corrections of triage on
tickets (docs/triage.md, "Corrections"). Triage imports nothing from the desk, so the desk
registers the source at start-up (`channels.apps`), and the command asks it.

A source yields one dict per labelled message in the labelled set's format (`measure`):
{"id", "lang", "subject", "body", "issue_type", "risk_flags"}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

LabelSource = Callable[[datetime | None], Iterable[dict[str, Any]]]

_sources: list[LabelSource] = []


def label_source_register(source: LabelSource) -> None:
    """Add a source of labelled messages (once: registering it again changes nothing)."""
    if source not in _sources:
        _sources.append(source)


def labels_collect(since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every registered source's labelled messages (corrected at or after `since`)."""
    for source in _sources:
        yield from source(since)
