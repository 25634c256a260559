"""What an import did: counts per line type, and the lines it refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from afterdesk.history.schema import ENTITY_TYPES, EVENT_TYPES


@dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class EventCounts:
    added: int = 0
    present: int = 0  # equal to a stored event or to an earlier line of the file


@dataclass
class ImportReport:
    """Counts per type and the errors as (1-based line number, message), sorted by line.

    Without `skip_invalid`, a report with errors means nothing was written; with it, the
    lines named in `errors` were skipped and the rest imported.
    """

    entities: dict[str, EntityCounts] = field(
        default_factory=lambda: {kind: EntityCounts() for kind in ENTITY_TYPES}
    )
    events: dict[str, EventCounts] = field(
        default_factory=lambda: {kind: EventCounts() for kind in EVENT_TYPES}
    )
    errors: list[tuple[int, str]] = field(default_factory=list)
    skip_invalid: bool = False
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def skipped_lines(self) -> int:
        return len({line for line, _message in self.errors}) if self.imported else 0

    @property
    def events_added(self) -> int:
        return sum(counts.added for counts in self.events.values())

    def summary_lines(self) -> list[str]:
        """One line per type, as `afterdesk history import` prints them."""
        lines = [
            f"{kind}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            for kind, c in self.entities.items()
        ]
        lines += [
            f"{kind}: {c.added} added, {c.present} already present"
            for kind, c in self.events.items()
        ]
        if self.skip_invalid:
            lines.append(f"skipped: {self.skipped_lines} invalid lines")
        return lines

    def error_lines(self) -> list[str]:
        return [f"line {line}: {message}" for line, message in self.errors]

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "entities": {kind: vars(c).copy() for kind, c in self.entities.items()},
            "events": {kind: vars(c).copy() for kind, c in self.events.items()},
            "skipped_lines": self.skipped_lines,
            "errors": [{"line": line, "message": message} for line, message in self.errors],
        }
