"""The policies shipped with Afterdesk (docs/sla.md, "The marketplace preset")."""

from __future__ import annotations

from typing import Any

DAY_MINUTES = 24 * 60
PRIORITIES = ("low", "normal", "high", "urgent")

# Amazon expects an answer to a buyer's message within 24 hours, weekends and holidays
# included: elapsed time, and no pause (its clock does not stop while the seller waits).
MARKETPLACE_PRESET: dict[str, Any] = {
    "name": "Marketplace: Amazon buyer messages within 24 hours",
    "preset": "marketplace",
    "position": 0,
    "enabled": True,
    "platforms": ["amazon"],
    "hours": "calendar",
    "pause_statuses": [],
    "warning_minutes": 120,
    "targets": {
        priority: {"first_reply": DAY_MINUTES, "next_reply": DAY_MINUTES} for priority in PRIORITIES
    },
}
