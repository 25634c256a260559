"""Who learns that a calendar's business hours changed: `calendar_hours_changed`, called in
the same transaction with `calendar` (the saved Calendar). The metrics app recomputes the
facts of the calendar's tickets (`metrics.apps`)."""

from __future__ import annotations

from afterdesk.core.consumers import ConsumerRegistry

calendar_hours_changed = ConsumerRegistry("calendar hours changed")

# A team's schedules were replaced (`calendars.teams.team_calendars_set`), in the same
# transaction, with `team` (the Team). The SLA app recomputes the deadlines its team-hours
# policies give the team's tickets (`sla.apps`).
team_schedules_changed = ConsumerRegistry("team schedules changed")
