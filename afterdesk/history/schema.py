"""One line of the history format (docs/history.md): parsed, checked and normalised.

`parse_line` turns the raw bytes of a line into a typed record or raises `LineError` with a
message naming the field. It checks everything a line can tell on its own (JSON, type, fields,
times, enums, ranges, calendar intervals, column lengths); references to other lines are
checked by `history.checker` once the whole file has been read.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from afterdesk.accounts.models import POSITION_MAX_LENGTH
from afterdesk.calendars.services import calendar_validate
from afterdesk.core.agent_ids import AGENT_ID_MAX_LENGTH, AGENT_ID_RULE, is_agent_id
from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import parse_instant
from afterdesk.tickets.events import (
    EVENT_SPECS,
    MESSAGE_KINDS,
    RETURN_OUTCOMES,
    RETURN_STEPS,
    SLA_TARGETS,
    STATUSES,
    TRIAGE_ISSUE_TYPES,
    TRIAGE_LANGUAGE_MAX_LENGTH,
    TRIAGE_RISK_FLAGS,
    canonical_value,
)
from afterdesk.tickets.models import Priority

ENTITY_TYPES = ("calendar", "agent", "ticket")
EVENT_TYPES = tuple(EVENT_SPECS)
# Event fields that name an agent id (username); a QA `reviewer` is an agent id
# (docs/history.md, "Event types").
AGENT_REFERENCE_FIELDS = ("agent", "reviewer")
# Message kinds written by an agent (docs/history.md, "Event types": `agent` is required).
AGENT_MESSAGE_KINDS = frozenset({"reply", "note"})
ORDER_VALUE_LIMIT = Decimal(10) ** 10  # Ticket.order_value: 14 digits, 4 of them decimals
ORDER_VALUE_QUANTUM = Decimal("0.0001")
PRIORITIES = tuple(Priority.values)


class LineError(Exception):
    """What is wrong with one line; the importer adds the line number."""


@dataclass(frozen=True, slots=True)
class CalendarLine:
    id: str
    tz: str
    hours: dict[str, list[list[str]]]
    holidays: list[str]


@dataclass(frozen=True, slots=True)
class AgentLine:
    id: str
    name: str
    position: str  # the line's `role`: free text, "" when left out (docs/history.md, "Positions")
    team: str
    shift: str
    languages: list[str]
    email: str


@dataclass(frozen=True, slots=True)
class TicketLine:
    id: str
    created_at: datetime
    channel: str
    subject: str
    platform: str
    store: str
    market: str
    language: str
    category: str
    priority: str
    calendar: str
    order_value: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class EventLine:
    kind: str
    ticket: str
    at: datetime
    # canonical fields besides type/ticket/at, a message's body included (docs/history.md,
    # "Idempotence")
    fields: dict[str, Any]

    def agent_references(self) -> list[str]:
        return [
            value
            for name in AGENT_REFERENCE_FIELDS
            if isinstance(value := self.fields.get(name), str)
        ]


Line = CalendarLine | AgentLine | TicketLine | EventLine


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reject_unstorable(value: Any) -> None:
    """A string the database cannot hold: U+0000 (PostgreSQL text and jsonb) or a lone
    surrogate (not UTF-8: no database takes it). Refused here, with the line, not mid-import."""
    if isinstance(value, str):
        if "\x00" in value:
            raise LineError("strings must not contain the NUL character (\\u0000)")
        if _SURROGATE.search(value):
            raise LineError(
                "strings must not contain a lone surrogate (\\ud800 to \\udfff without its pair)"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_unstorable(key)
            _reject_unstorable(item)
    elif isinstance(value, list):
        for item in value:
            _reject_unstorable(item)


_SURROGATE = re.compile("[\ud800-\udfff]")
# Only an escape can make a NUL or a surrogate (raw ones are not valid JSON or UTF-8); a pair of
# surrogate escapes is one character once decoded, so only a walk tells a lone one.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_object(raw: bytes) -> dict[str, Any]:
    try:
        # utf-8-sig's decoder is written in Python; plain UTF-8 is the common case.
        text = raw.decode("utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8")
        obj = _DECODER.decode(text)
    except RecursionError as exc:
        raise LineError("not valid JSON: nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise LineError(f"not valid UTF-8: {exc.reason} at byte {exc.start}") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity
        raise LineError(f"not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise LineError("not a JSON object")
    if _SUSPECT_ESCAPE.search(raw):
        _reject_unstorable(obj)
    return obj


def parse_line(raw: bytes) -> Line:
    """Parse and check one non-blank line; raise LineError naming what is wrong."""
    obj = parse_object(raw)
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise LineError(
            "missing required field 'type'" if kind is None else "type must be a string"
        )
    if kind in EVENT_SPECS:
        return _event_line(kind, obj)
    parser = _ENTITY_PARSERS.get(kind)
    if parser is None:
        raise LineError(f"unknown type {kind!r}")
    return parser(obj)


# ---------------------------------------------------------------------------- field checks


def _fields_check(
    kind: str, obj: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    allowed = {"type", *required, *optional}
    unknown = sorted(key for key in obj if key not in allowed)
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise LineError(f"unknown field{'s' if len(unknown) > 1 else ''} {names} for type {kind}")
    for key in required:
        if obj.get(key) is None:
            raise LineError(f"missing required field {key!r}")


def _text(obj: dict[str, Any], key: str, *, max_length: int | None = None) -> str:
    """An optional string field ("" when absent or null)."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(f"{key} must be a string")
    if max_length is not None and len(value) > max_length:
        raise LineError(f"{key} is longer than {max_length} characters")
    return value


def _identifier(obj: dict[str, Any], key: str, *, max_length: int) -> str:
    value = _text(obj, key, max_length=max_length)
    if not value.strip():
        raise LineError(f"{key} must be a non-empty string")
    return value


def _instant(obj: dict[str, Any], key: str) -> datetime:
    try:
        return parse_instant(obj.get(key))
    except ValueError as exc:
        raise LineError(f"{key}: {exc}") from exc


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _choice(key: str, value: Any, choices: tuple[str, ...] | frozenset[str]) -> None:
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(sorted(choices))
        raise LineError(f"{key} {value!r} is not one of {allowed}")


# ---------------------------------------------------------------------------- entity lines


def _calendar_line(obj: dict[str, Any]) -> CalendarLine:
    _fields_check("calendar", obj, ("id", "tz", "hours"), ("holidays",))
    key = _identifier(obj, "id", max_length=100)
    try:
        tz, hours, holidays = calendar_validate(
            tz=obj["tz"], hours=obj["hours"], holidays=obj.get("holidays")
        )
    except ValidationError as exc:
        raise LineError(exc.message) from exc
    if len(tz) > 64:
        raise LineError("tz is longer than 64 characters")
    return CalendarLine(id=key, tz=tz, hours=hours, holidays=holidays)


def _agent_line(obj: dict[str, Any]) -> AgentLine:
    _fields_check("agent", obj, ("id", "name"), ("role", "team", "shift", "languages", "email"))
    position = _position(obj.get("role"))
    languages = obj.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(item, str) for item in languages):
        raise LineError("languages must be a list of strings")
    email = _text(obj, "email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise LineError(f"email {email!r} is not a valid address") from exc
    return AgentLine(
        id=_agent_id_field(obj),
        name=_text(obj, "name", max_length=150),
        position=position,
        team=_text(obj, "team", max_length=100).strip(),
        shift=_text(obj, "shift", max_length=50),
        languages=list(languages),
        email=email,
    )


def _agent_id_field(obj: dict[str, Any]) -> str:
    value = _identifier(obj, "id", max_length=AGENT_ID_MAX_LENGTH)
    if not is_agent_id(value):
        raise LineError(f"id {value!r} is not a valid agent id ({AGENT_ID_RULE})")
    return value


def _position(value: Any) -> str:
    """An agent's `role`: the agent's position, free text of 1 to 64 characters, accepted
    whatever it says; left out or null means none (docs/history.md). Which access level it
    gives is decided when the line is written (`accounts.services.access_level_for`)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(
            f"role must be a string (the agent's position, 1 to {POSITION_MAX_LENGTH} characters)"
        )
    if not value.strip():
        raise LineError(
            f"role must not be empty (the agent's position, 1 to {POSITION_MAX_LENGTH} "
            "characters); leave it out for none"
        )
    if len(value) > POSITION_MAX_LENGTH:
        raise LineError(
            f"role is longer than {POSITION_MAX_LENGTH} characters ({len(value)}; the agent's "
            "position)"
        )
    return value


TICKET_OPTIONAL = (
    "platform",
    "store",
    "market",
    "language",
    "category",
    "priority",
    "calendar",
    "order_value",
    "currency",
    "subject",
)


def _ticket_line(obj: dict[str, Any]) -> TicketLine:
    _fields_check("ticket", obj, ("id", "created_at", "channel"), TICKET_OPTIONAL)
    priority = obj.get("priority") or Priority.NORMAL.value
    _choice("priority", priority, PRIORITIES)
    order_value: Decimal | None = None
    raw_value = obj.get("order_value")
    if raw_value is not None:
        if not _is_number(raw_value):
            raise LineError("order_value must be a number")
        try:
            order_value = Decimal(str(raw_value)).quantize(ORDER_VALUE_QUANTUM)
        except InvalidOperation as exc:
            raise LineError("order_value is too large") from exc
        if abs(order_value) >= ORDER_VALUE_LIMIT:
            raise LineError("order_value is too large")
    calendar = _text(obj, "calendar", max_length=100)
    if "calendar" in obj and obj["calendar"] is not None and not calendar.strip():
        raise LineError("calendar must be a non-empty calendar id")
    return TicketLine(
        id=_identifier(obj, "id", max_length=100),
        created_at=_instant(obj, "created_at"),
        channel=_identifier(obj, "channel", max_length=32),
        subject=_text(obj, "subject", max_length=300),
        platform=_text(obj, "platform", max_length=20),
        store=_text(obj, "store", max_length=100),
        market=_text(obj, "market", max_length=10),
        language=_text(obj, "language", max_length=10),
        category=_text(obj, "category", max_length=50),
        priority=priority,
        calendar=calendar,
        order_value=order_value,
        currency=_text(obj, "currency", max_length=3),
    )


_ENTITY_PARSERS: dict[str, Callable[[dict[str, Any]], Line]] = {
    "calendar": _calendar_line,
    "agent": _agent_line,
    "ticket": _ticket_line,
}


# ---------------------------------------------------------------------------- event lines


def _agent_id(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{key} must be an agent id (a non-empty string)")
    if not is_agent_id(value):
        raise LineError(f"{key}: {value!r} is not a valid agent id ({AGENT_ID_RULE})")


def _string(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise LineError(f"{key} must be a string")


def _team_name(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise LineError(f"{key} must be a team name (1 to 100 characters)")


def _rating(key: str, value: Any) -> None:
    if not (_is_number(value) and float(value).is_integer() and 1 <= value <= 5):
        raise LineError(f"{key} must be an integer from 1 to 5")


def _score(key: str, value: Any) -> None:
    if not (_is_number(value) and 0 <= value <= 100):
        raise LineError(f"{key} must be a number from 0 to 100")


def _number(key: str, value: Any) -> None:
    if not _is_number(value):
        raise LineError(f"{key} must be a number")


def _message_kind(key: str, value: Any) -> None:
    _choice(key, value, MESSAGE_KINDS)


def _status(key: str, value: Any) -> None:
    _choice(key, value, STATUSES)


def _outcome(key: str, value: Any) -> None:
    _choice(key, value, RETURN_OUTCOMES)


def _sla_target(key: str, value: Any) -> None:
    _choice(key, value, SLA_TARGETS)


def _deadline(key: str, value: Any) -> None:
    """An SLA event's `due`: an instant with an offset, stored as written (the export gives
    it back unchanged); deadlines are compared as instants (`tickets.events.sla_deadline`)."""
    try:
        parse_instant(value)
    except ValueError as exc:
        raise LineError(f"{key}: {exc}") from exc


def _language(key: str, value: Any) -> None:
    """A triage's language: an ISO 639-1 code such as "de", "" when unknown (Ticket.language)."""
    if not isinstance(value, str) or len(value) > TRIAGE_LANGUAGE_MAX_LENGTH:
        raise LineError(
            f"{key} must be a string of at most {TRIAGE_LANGUAGE_MAX_LENGTH} characters"
        )


def _issue_type(key: str, value: Any) -> None:
    _choice(key, value, TRIAGE_ISSUE_TYPES)


def _risk(key: str, value: Any) -> None:
    if not (_is_number(value) and float(value).is_integer() and 0 <= value <= 100):
        raise LineError(f"{key} must be an integer from 0 to 100")


def _risk_flags(key: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(flag, str) for flag in value):
        raise LineError(f"{key} must be a list of risk flags ({', '.join(TRIAGE_RISK_FLAGS)})")
    unknown = [flag for flag in value if flag not in TRIAGE_RISK_FLAGS]
    if unknown:
        raise LineError(
            f"{key}: unknown risk flag {unknown[0]!r}; use {', '.join(TRIAGE_RISK_FLAGS)}"
        )
    if len(set(value)) != len(value):
        raise LineError(f"{key}: a risk flag is named twice")


def _priority(key: str, value: Any) -> None:
    _choice(key, value, PRIORITIES)


def _tags(key: str, value: Any) -> None:
    """A routing decision's tags: a list of tag names (docs/routing.md)."""
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag for tag in value):
        raise LineError(f"{key} must be a list of tag names")


def _actions(key: str, value: Any) -> None:
    """An automation's actions: what each did, in words (docs/automations.md)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LineError(f"{key} must be a list of strings")


def _return_step(key: str, value: Any) -> None:
    _choice(key, value, RETURN_STEPS)


# One checker per field name: a name means the same thing in every event type.
_FIELD_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "agent": _agent_id,
    "reviewer": _agent_id,
    "kind": _message_kind,
    "status": _status,
    "outcome": _outcome,
    "rating": _rating,
    "score": _score,
    "amount": _number,
    "team": _team_name,
    "body": _string,
    "to": _string,
    "reason": _string,
    "comment": _string,
    "currency": _string,
    "rubric": _string,
    "target": _sla_target,
    "policy": _string,
    "due": _deadline,
    "language": _language,
    "issue_type": _issue_type,
    "risk": _risk,
    "risk_flags": _risk_flags,
    "priority": _priority,
    "rule": _string,
    "tags": _tags,
    "trigger": _string,
    "actions": _actions,
    "error": _string,
    "rma": _string,
    "step": _return_step,
    "note": _string,
    "refund_id": _string,
}


# Per event type: the keys a line may have, and the ones it must have.
_EVENT_ALLOWED = {
    kind: frozenset({"type", "ticket", "at", *spec.required, *spec.optional})
    for kind, spec in EVENT_SPECS.items()
}
_EVENT_REQUIRED = {kind: ("ticket", "at", *spec.required) for kind, spec in EVENT_SPECS.items()}
_LINE_KEYS = frozenset({"type", "ticket", "at"})


def _event_fields(kind: str, obj: dict[str, Any], nullable: tuple[str, ...]) -> dict[str, Any]:
    """`tickets.events.canonical_fields` of the line's fields, inlined for the scalar values
    valid lines have (this runs once per event of a file)."""
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        if key in _LINE_KEYS:
            continue
        if value is None:
            if key not in nullable:
                continue
        elif type(value) is float:
            if value.is_integer():
                value = int(value)
        elif type(value) is str:
            if value == "" and key == "body" and kind == "message":
                continue
        elif isinstance(value, dict | list):
            value = canonical_value(value)
        fields[key] = value
    return fields


def _event_line(kind: str, obj: dict[str, Any]) -> EventLine:
    spec = EVENT_SPECS[kind]
    if not obj.keys() <= _EVENT_ALLOWED[kind]:
        unknown = sorted(key for key in obj if key not in _EVENT_ALLOWED[kind])
        names = ", ".join(repr(key) for key in unknown)
        raise LineError(f"unknown field{'s' if len(unknown) > 1 else ''} {names} for type {kind}")
    for key in _EVENT_REQUIRED[kind]:
        if key not in obj or (obj[key] is None and key not in spec.nullable):
            raise LineError(f"missing required field {key!r}")
    ticket = _identifier(obj, "ticket", max_length=100)
    at = _instant(obj, "at")
    fields = _event_fields(kind, obj, spec.nullable)
    for key, value in fields.items():
        if value is None:  # only a nullable required field (an unassignment) gets here
            continue
        _FIELD_CHECKS[key](key, value)
    if kind == "message" and fields["kind"] in AGENT_MESSAGE_KINDS and "agent" not in fields:
        raise LineError(f"a {fields['kind']} message needs an agent")
    return EventLine(kind=kind, ticket=ticket, at=at, fields=fields)
