"""Business-hours calendars (docs/metrics.md, "Calendars"), shared by metrics and the SLA engine."""

from __future__ import annotations

from django.db import models


class Calendar(models.Model):
    key = models.CharField(max_length=100, unique=True, help_text="History id of the calendar")
    name = models.CharField(max_length=150, blank=True)
    tz = models.CharField(max_length=64, help_text="IANA time zone name")
    # weekday ("mon"…"sun") → list of ["HH:MM", "HH:MM"] intervals, sorted, non-overlapping
    hours = models.JSONField(default=dict)
    holidays = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name or self.key
