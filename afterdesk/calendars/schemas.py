"""Request and response schemas of the calendars API (docs/metrics.md, "Calendars")."""

from __future__ import annotations

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
    holidays: list[str] = Field(description="Closed local dates, `YYYY-MM-DD`")
    tickets: int = Field(description="Tickets using the calendar")

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


class CalendarIn(CalendarFieldsIn):
    key: CalendarKey


class BusinessTimeQuery(Schema):
    start: SafeStr = Field(alias="from", max_length=40, description="ISO 8601 with an offset")
    end: SafeStr = Field(alias="to", max_length=40, description="ISO 8601 with an offset")


class BusinessTimeOut(Schema):
    minutes: float = Field(description="Business minutes (seconds / 60, unrounded)")
    seconds: int = Field(description="Whole business seconds (truncated)")
