"""Request and response schemas of the calendars API (docs/metrics.md, "Calendars")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr

# Keys appear in URLs: letters, digits and `-_.:`; at most 100 characters (the column).
CalendarKey = Annotated[
    SafeStr, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
]

HOURS_EXAMPLE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


class CalendarOut(Schema):
    key: str
    name: str
    tz: str = Field(description="IANA time zone name")
    hours: dict[str, list[list[str]]] = Field(
        description='Weekday (`mon`…`sun`) → sorted `["HH:MM", "HH:MM"]` open intervals'
    )
    holidays: list[str] = Field(description="The calendar's own closed local dates, `YYYY-MM-DD`")
    markets: list[str] = Field(description="Markets whose holidays close the calendar too")
    closed_dates: list[str] = Field(
        description="Every closed date: `holidays`, then its markets' holidays"
    )
    tickets: int = Field(description="Tickets using the calendar")

    @staticmethod
    def resolve_holidays(obj: Any) -> list[str]:
        return list(obj.own_holidays)

    @staticmethod
    def resolve_closed_dates(obj: Any) -> list[str]:
        return list(obj.holidays)

    @staticmethod
    def resolve_tickets(obj: Any) -> int:
        count = getattr(obj, "ticket_count", None)
        return count if count is not None else obj.tickets.count()


class CalendarFieldsIn(InputSchema):
    """`hours` and `holidays` are checked by `calendars.services.calendar_validate`, so a 422
    names the field as the history import does (`hours.mon`, `holidays`, `tz`)."""

    name: SafeStr = Field("", max_length=150)
    tz: SafeStr = Field(
        max_length=64, description="IANA time zone name", examples=["Europe/Berlin"]
    )
    hours: dict[str, Any] = Field(default_factory=dict, examples=[HOURS_EXAMPLE])
    holidays: list[Any] = Field(default_factory=list, examples=[["2026-12-25"]])
    markets: list[Any] = Field(
        default_factory=list,
        description="Market codes whose holidays also close the calendar",
        examples=[["DE"]],
    )


class CalendarIn(CalendarFieldsIn):
    key: CalendarKey


class BusinessTimeQuery(Schema):
    start: SafeStr = Field(alias="from", max_length=40, description="ISO 8601 with an offset")
    end: SafeStr = Field(alias="to", max_length=40, description="ISO 8601 with an offset")


class BusinessTimeOut(Schema):
    minutes: float = Field(description="Business minutes (seconds / 60, unrounded)")
    seconds: int = Field(description="Whole business seconds (truncated)")


MarketCode = Annotated[
    SafeStr, Field(min_length=1, max_length=10, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
]


class MarketHolidaysOut(Schema):
    market: str
    name: str
    dates: list[str] = Field(description="Public holidays, `YYYY-MM-DD`")


class MarketHolidaysIn(InputSchema):
    name: SafeStr = Field("", max_length=150)
    dates: list[Any] = Field(default_factory=list, examples=[["2026-10-03", "2026-12-25"]])


class TeamScheduleOut(Schema):
    calendar: str = Field(description="Calendar key")
    market: str = Field(description='Market code, "" for any')
    valid_from: date | None = None
    valid_until: date | None = None

    @staticmethod
    def resolve_calendar(obj: Any) -> str:
        return str(obj.calendar.key)


class TeamScheduleIn(InputSchema):
    calendar: SafeStr = Field(max_length=100, description="Calendar key")
    market: SafeStr = Field("", max_length=10, description='Market code, "" for any')
    valid_from: date | None = None
    valid_until: date | None = None


class TeamSchedulesIn(InputSchema):
    schedules: list[TeamScheduleIn] = Field(max_length=200)


class TeamCalendarOut(Schema):
    team: int
    market: str
    on: date
    calendar: str | None = Field(description="The key of the calendar in force, or null")
