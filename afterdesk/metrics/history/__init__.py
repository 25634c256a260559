"""History import and export in the JSON Lines interchange format (METRICS.md §1)."""

from afterdesk.metrics.history.exporter import history_export
from afterdesk.metrics.history.importer import history_import
from afterdesk.metrics.history.report import EntityCounts, EventCounts, ImportReport

__all__ = ["EntityCounts", "EventCounts", "ImportReport", "history_export", "history_import"]
