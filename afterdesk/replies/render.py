"""Rendering a template body: Jinja2's sandbox, strict about every variable (docs/replies.md,
"Variables").

Pure functions, no database: `variables.ticket_variables` gathers the values. A body is
checked before it renders: a name that is not a variable, or a variable with no value for
this ticket (no order linked, a buyer without a name), is an error listed by name, so the
agent reads every problem at once before anything is sent. Whatever the sandbox refuses
(`''.__class__`, calling methods that change data, huge repetitions) is an error too.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

# The variables a template may use and what they hold (shown beside the template editor).
VARIABLES: dict[str, str] = {
    "buyer_name": "The buyer's name",
    "order_number": "The number of the ticket's order (the latest linked)",
    "order_date": "When that order was placed, in the buyer's language",
    "order_total": "The order's total with its currency, in the buyer's language",
    "items": "The order's lines: each has title, quantity and sku",
    "items_list": "The order's lines as text, one '2 × Linen shirt' per line",
    "carrier": "The parcel's carrier",
    "tracking_number": "The parcel's tracking number",
    "tracking_link": "The carrier's tracking page for the parcel",
    "tracking_status": "The parcel's latest tracking status, in the buyer's language",
    "shipped_date": "When the parcel was shipped, in the buyer's language",
    "delivered_date": "When the parcel was delivered, in the buyer's language",
    "return_address": "The store's return address (else the default one)",
    "store_name": "The store's name",
    "agent_name": "The name of the agent who sends the reply",
    "ticket_number": "The ticket's number",
    "today": "Today's date, in the buyer's language",
}

# Nested loops multiply: three levels over a buyer's name could run for minutes.
MAX_LOOP_DEPTH = 2
# Repeating a string or list (`'a' * n`) may not build more than this many items.
MAX_REPEAT = 10_000


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox (no `items.append`), also refusing the operators that could
    exhaust memory or time."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            raise SecurityError("the ** operator is not allowed in templates")
        sized = (str, list, tuple)
        if isinstance(left, sized) or isinstance(right, sized):
            length = len(left) if isinstance(left, sized) else len(right)
            times = right if isinstance(left, sized) else left
            if isinstance(times, int) and length * max(times, 0) > MAX_REPEAT:
                raise SecurityError(f"a repetition may produce at most {MAX_REPEAT} items")
        return operator.mul(left, right)


def _environment() -> SandboxedEnvironment:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    # Replies are plain text (the desk escapes them when it shows them); only the data given
    # is iterable: no range(), lipsum(), dict(), cycler…
    env.globals.clear()
    return env


_ENV = _environment()


@dataclass(frozen=True)
class Rendered:
    """A body rendered for a ticket, or the reasons it cannot be."""

    text: str = ""
    language: str = ""
    errors: list[str] = field(default_factory=list)
    warning: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def babel_locale(language: str) -> Locale:
    """The buyer's locale from a language code (`es`, `pt-BR`, `zh-hans`); English when
    babel does not know it."""
    code = (language or "en").replace("-", "_")
    for candidate in (code, code.split("_")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def local_date(value: date | datetime | None, language: str, zone: tzinfo | None = None) -> str:
    """A date as the buyer reads it: `4 de diciembre de 2026`, `2026年12月4日`; an instant is
    first put in `zone` (the ticket's business-hours zone: the day there, not in UTC)."""
    if value is None:
        return ""
    locale = babel_locale(language)
    if isinstance(value, datetime) and zone is not None and value.tzinfo is not None:
        value = value.astimezone(zone)
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, "long", locale=locale)


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    deepest = depth
    for child in node.iter_child_nodes():
        inner = depth + 1 if isinstance(child, nodes.For) else depth
        deepest = max(deepest, _loop_depth(child, inner))
    return deepest


def check(body: str) -> list[str]:
    """The errors found without any data: syntax, names that are not variables, loops nested
    too deep. Empty when the body may be saved."""
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    errors = [
        f"unknown variable {name!r}"
        for name in sorted(meta.find_undeclared_variables(tree))
        if name not in VARIABLES
    ]
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        errors.append(f"loops may be nested at most {MAX_LOOP_DEPTH} deep")
    return errors


def render(body: str, values: Mapping[str, Any], *, language: str, max_chars: int) -> Rendered:
    """Render `body` with `values` (a variable without a value is absent or empty). Every
    problem is an error, nothing is half-filled."""
    errors = check(body)
    if errors:
        return Rendered(language=language, errors=errors)
    used = meta.find_undeclared_variables(_ENV.parse(body))
    empty = [name for name in sorted(used) if values.get(name) in (None, "", [], ())]
    if empty:
        return Rendered(
            language=language,
            errors=[f"{name} has no value for this ticket ({VARIABLES[name]})" for name in empty],
        )
    try:
        text = _ENV.from_string(body).render({name: values[name] for name in used})
    except SecurityError as error:
        return Rendered(language=language, errors=[f"not allowed: {error}"])
    except UndefinedError as error:
        return Rendered(language=language, errors=[f"undefined: {error.message}"])
    except TemplateError as error:
        return Rendered(language=language, errors=[str(error.message or error)])
    except (TypeError, ValueError, ArithmeticError) as error:
        return Rendered(language=language, errors=[f"cannot render: {error}"])
    text = text.strip()
    if not text:
        return Rendered(language=language, errors=["the template renders an empty reply"])
    if len(text) > max_chars:
        return Rendered(
            language=language,
            errors=[f"the reply is {len(text)} characters; the limit is {max_chars}"],
        )
    return Rendered(text=text, language=language)
