"""Schemas and input types shared by every router: errors, ids, text and pagination."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from django.db.models import Model
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from afterdesk.core.agent_ids import AGENT_ID_MAX_LENGTH, agent_id_check
from afterdesk.core.errors import ValidationError

# Primary keys are 64-bit (BigAutoField); a larger number would overflow the database driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the driver.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# Every string input: give it `Field(max_length=…)` matching its column.
SafeStr = Annotated[str, AfterValidator(_no_nul)]
# An agent id given as input (docs/api.md, "Agent ids"): a 422 naming the field otherwise.
AgentId = Annotated[
    str,
    AfterValidator(agent_id_check),
    Field(min_length=1, max_length=AGENT_ID_MAX_LENGTH),
]


class ErrorOut(Schema):
    """Every error: a message for people and, for invalid input, the field it is about."""

    message: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        None, description="The validation errors, for 422 responses on invalid input"
    )


class InputSchema(Schema):
    """The base of every request body: a field the schema does not declare is a 422 naming
    it (`{"message": "colour: Extra inputs are not permitted", "field": "colour"}`), not
    silently dropped, so a misspelt or outdated field never looks like success. Response
    schemas stay on `Schema`: they read model attributes and must not refuse any."""

    model_config = ConfigDict(extra="forbid")


def multipart_fields_check(
    request: HttpRequest, schema: type[InputSchema], *, files: Collection[str]
) -> None:
    """The same rule for a multipart body: ninja keeps only the fields it declares, so check
    the names sent (form fields and files) here; a 422 naming the first unknown one."""
    known = {f.alias or name for name, f in schema.model_fields.items()} | set(files)
    known.add("csrfmiddlewaretoken")  # a browser form's CSRF field, checked by the auth
    unknown = sorted((set(request.POST) | set(request.FILES)) - known)
    if unknown:
        raise ValidationError(f"{unknown[0]}: Extra inputs are not permitted", field=unknown[0])


AUTH_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut}
READ_ERRORS: dict[int, type[Schema]] = {**AUTH_ERRORS, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


class PageQuery(Schema):
    """`limit`/`offset`, or `page` (1-based, `limit` per page) when given."""

    limit: int = Field(50, ge=1, le=200, description="Items per page (at most 200)")
    offset: int = Field(0, ge=0, le=10_000_000, description="Items to skip")
    page: int | None = Field(
        None, ge=1, le=1_000_000, description="1-based page number; overrides offset"
    )


M = TypeVar("M", bound=Model)
M_co = TypeVar("M_co", bound=Model, covariant=True)


@dataclass(frozen=True)
class PageSlice(Generic[M]):
    count: int
    limit: int
    offset: int
    items: Sequence[M]


class Sliceable(Protocol[M_co]):
    """An ordered queryset, or a sequence that pages like one (count and slices)."""

    def count(self) -> int: ...

    def __getitem__(self, index: slice, /) -> Iterable[M_co]: ...


def paginate(queryset: Sliceable[M], params: PageQuery) -> PageSlice[M]:
    """One page of an ordered queryset with the total count (two queries plus prefetches)."""
    offset = (params.page - 1) * params.limit if params.page else params.offset
    count = queryset.count()
    items = list(queryset[offset : offset + params.limit]) if offset < count else []
    return PageSlice(count=count, limit=params.limit, offset=offset, items=items)
