"""Business-hours calendars (docs/calendars.md; docs/metrics.md, "Calendars"), shared by
metrics, the SLA engine and routing."""

from __future__ import annotations

from django.db import models

from afterdesk.accounts.models import Team


class Calendar(models.Model):
    key = models.CharField(max_length=100, unique=True, help_text="History id of the calendar")
    name = models.CharField(max_length=150, blank=True)
    tz = models.CharField(max_length=64, help_text="IANA time zone name")
    # weekday ("mon"…"sun") → list of ["HH:MM", "HH:MM"] intervals, sorted, non-overlapping;
    # several intervals on a day are a split shift.
    hours = models.JSONField(default=dict)
    # Every closed date: `own_holidays` followed by its markets' holidays not among them.
    # Derived (calendars.services keeps it current) so that every reader building a
    # BusinessCalendar from `holidays` sees the market holidays without knowing markets.
    holidays = models.JSONField(default=list, blank=True)
    own_holidays = models.JSONField(default=list, blank=True)
    markets = models.JSONField(default=list, blank=True, help_text="Market codes, e.g. DE")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name or self.key


class MarketHolidays(models.Model):
    """A market's public holidays, closed on every calendar that declares the market."""

    market = models.CharField(max_length=10, unique=True, help_text="As on tickets, e.g. DE")
    name = models.CharField(max_length=150, blank=True)
    dates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["market"]

    def __str__(self) -> str:
        return self.market


class TeamCalendar(models.Model):
    """One of a team's schedules: this calendar, for a market ("" = any) and between two
    dates (either open-ended). calendars.selectors.team_calendar picks one."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="calendars")
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="teams")
    market = models.CharField(max_length=10, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["team", "market", "valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.team} · {self.calendar}"
