"""The bonuses API: bonus rules (admins write, supervisors read), payout previews, frozen
statements and their exports. The permission rule lives in `bonuses.selectors`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import User
from afterdesk.bonuses import exports, selectors, services
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.bonuses.schemas import (
    BonusRuleIn,
    BonusRuleOut,
    PayoutOut,
    PeriodQuery,
    StatementExportQuery,
    StatementIn,
    StatementListQuery,
    StatementOut,
    StatementPage,
)
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Id
from afterdesk.core.errors import ValidationError
from afterdesk.core.exports import attachment
from afterdesk.core.timeutil import parse_instant
from afterdesk.metrics.kpis import period_validate

router = Router(tags=["bonuses"])
# Checked before the path, query and body are read (afterdesk.accounts.api_auth.requires).
WRITER = requires(lambda user: selectors.bonus_rule_require_writer(user=user))


def _instant(value: str, field: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ValidationError(f"{field}: {exc}", field=field) from exc


def _period(start: str, end: str) -> tuple[datetime, datetime]:
    period = _instant(start, "from"), _instant(end, "to")
    period_validate(*period)
    return period


def _statement(user: User, statement: PayoutStatement) -> dict[str, Any]:
    document = selectors.payout_document_for_user(user=user, document=statement.document)
    creator = statement.created_by
    return {
        **document,
        "id": statement.pk,
        "created_at": statement.created_at,
        "created_by": creator.username if creator else None,
    }


@router.get("/bonus-rules", response={200: list[BonusRuleOut], **READ_ERRORS})
def bonus_rules_list(request: HttpRequest) -> list[BonusRule]:
    """Every bonus rule (supervisors and admins)."""
    return list(selectors.bonus_rules_for_user(user=request_user(request)))


@router.post("/bonus-rules", response={201: BonusRuleOut, **WRITE_ERRORS}, auth=WRITER)
def bonus_rule_create(request: HttpRequest, payload: BonusRuleIn) -> Status[BonusRule]:
    """Create a rule (admins). A name in use: 409; an invalid definition: 422 naming the field."""
    selectors.bonus_rule_require_writer(user=request_user(request))
    return Status(201, services.bonus_rule_save(**payload.model_dump()))


@router.get("/bonus-rules/{rule_id}", response={200: BonusRuleOut, **READ_ERRORS})
def bonus_rule_get(request: HttpRequest, rule_id: Id) -> BonusRule:
    return selectors.bonus_rule_get_for_user(user=request_user(request), rule_id=rule_id)


@router.put("/bonus-rules/{rule_id}", response={200: BonusRuleOut, **WRITE_ERRORS}, auth=WRITER)
def bonus_rule_replace(request: HttpRequest, rule_id: Id, payload: BonusRuleIn) -> BonusRule:
    """Replace a rule (admins). Frozen statements keep the rule as it was."""
    user = request_user(request)
    selectors.bonus_rule_require_writer(user=user)
    rule = selectors.bonus_rule_get_for_user(user=user, rule_id=rule_id)
    return services.bonus_rule_save(rule=rule, **payload.model_dump())


@router.delete("/bonus-rules/{rule_id}", response={204: None, **WRITE_ERRORS}, auth=WRITER)
def bonus_rule_delete(request: HttpRequest, rule_id: Id) -> Status[None]:
    """Delete a rule without statements (admins); one with statements: 409, deactivate it."""
    user = request_user(request)
    selectors.bonus_rule_require_writer(user=user)
    services.bonus_rule_delete(rule=selectors.bonus_rule_get_for_user(user=user, rule_id=rule_id))
    return Status(204, None)


@router.get(
    "/bonus-rules/{rule_id}/payouts",
    response={200: PayoutOut, **READ_ERRORS},
    by_alias=True,
)
def payout_preview(request: HttpRequest, rule_id: Id, period: Query[PeriodQuery]) -> dict[str, Any]:
    """What the rule would pay for the period now (supervisors and admins); nothing is stored."""
    rule = selectors.bonus_rule_get_for_user(user=request_user(request), rule_id=rule_id)
    start, end = _period(period.start, period.end)
    return services.payout_compute(rule=rule, start=start, end=end).as_json()


@router.post(
    "/bonus-rules/{rule_id}/statements",
    response={201: StatementOut, **WRITE_ERRORS},
    by_alias=True,
    auth=WRITER,
)
def payout_statement_freeze(
    request: HttpRequest, rule_id: Id, payload: StatementIn
) -> Status[dict[str, Any]]:
    """Freeze the payout of a period (admins). Again for the same period: 409."""
    user = request_user(request)
    selectors.bonus_rule_require_writer(user=user)
    rule = selectors.bonus_rule_get_for_user(user=user, rule_id=rule_id)
    start, end = _period(payload.start, payload.end)
    statement = services.payout_statement_create(rule=rule, start=start, end=end, by=user)
    return Status(201, _statement(user, statement))


@router.get("/payout-statements", response={200: StatementPage, **READ_ERRORS}, by_alias=True)
def payout_statements_list(
    request: HttpRequest, filters: Query[StatementListQuery]
) -> dict[str, Any]:
    """Statements, latest period first; agents get those with a line for them (only it)."""
    user = request_user(request)
    queryset = selectors.payout_statements_for_user(user=user, rule_id=filters.rule_id)
    items = queryset[filters.offset : filters.offset + filters.limit]
    return {
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_statement(user, statement) for statement in items],
    }


@router.get(
    "/payout-statements/{statement_id}",
    response={200: StatementOut, **READ_ERRORS},
    by_alias=True,
)
def payout_statement_get(request: HttpRequest, statement_id: Id) -> dict[str, Any]:
    user = request_user(request)
    statement = selectors.payout_statement_get_for_user(user=user, statement_id=statement_id)
    return _statement(user, statement)


@router.get(
    "/payout-statements/{statement_id}/export",
    response={200: None, **READ_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The statement as a file",
                "content": {media: {} for media in exports.CONTENT_TYPES.values()},
            }
        }
    },
)
def payout_statement_export(
    request: HttpRequest, statement_id: Id, query: Query[StatementExportQuery]
) -> HttpResponse:
    """Download a statement as CSV, XLSX or JSON (supervisors and admins)."""
    user = request_user(request)
    selectors.bonus_rule_require_reader(user=user)
    statement = selectors.payout_statement_get_for_user(user=user, statement_id=statement_id)
    return attachment(
        exports.RENDERERS[query.format](statement.document),
        content_type=exports.CONTENT_TYPES[query.format],
        filename=f"payout-statement-{statement.pk}.{query.format}",
    )
