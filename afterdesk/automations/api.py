"""The automations API (docs/automations.md, "Pages and API"): rules (supervisors read,
admins write), enable, dry run, firing log, coupon pools."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.automations import access, coupons, selectors, services
from afterdesk.automations.models import CouponPool, Firing, Rule
from afterdesk.automations.schemas import (
    CodesIn,
    DryRunOut,
    EnableIn,
    FiringOut,
    PoolIn,
    PoolOut,
    RuleIn,
    RuleOut,
)
from afterdesk.automations.timerules import dry_run
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS

router = Router(tags=["automations"])
CONFIGURE = requires(access.configure_require)
READ = requires(access.read_require)


@router.get("/automations/rules", response={200: list[RuleOut], **READ_ERRORS}, auth=READ)
def rules_list(request: HttpRequest) -> list[Rule]:
    return selectors.rules_list(user=request_user(request))


@router.get("/automations/rules/{rule_id}", response={200: RuleOut, **READ_ERRORS}, auth=READ)
def rule_get(request: HttpRequest, rule_id: int) -> Rule:
    return selectors.rule_get(user=request_user(request), rule_id=rule_id)


@router.post("/automations/rules", response={201: RuleOut, **WRITE_ERRORS}, auth=CONFIGURE)
def rule_create(request: HttpRequest, payload: RuleIn) -> Status[Rule]:
    return Status(201, services.rule_save(by=request_user(request), data=payload.model_dump()))


@router.put("/automations/rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS}, auth=CONFIGURE)
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> Rule:
    user = request_user(request)
    rule = selectors.rule_get(user=user, rule_id=rule_id)
    return services.rule_save(by=user, data=payload.model_dump(), rule=rule)


@router.post(
    "/automations/rules/{rule_id}/enable", response={200: RuleOut, **WRITE_ERRORS}, auth=CONFIGURE
)
def rule_enable(request: HttpRequest, rule_id: int, payload: EnableIn) -> Rule:
    user = request_user(request)
    rule = selectors.rule_get(user=user, rule_id=rule_id)
    return services.rule_enable(by=user, rule=rule, enabled=payload.enabled)


@router.delete("/automations/rules/{rule_id}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE)
def rule_delete(request: HttpRequest, rule_id: int) -> Status[None]:
    user = request_user(request)
    services.rule_delete(by=user, rule=selectors.rule_get(user=user, rule_id=rule_id))
    return Status(204, None)


@router.get(
    "/automations/rules/{rule_id}/dry-run", response={200: DryRunOut, **READ_ERRORS}, auth=READ
)
def rule_dry_run(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    """The tickets the rule would touch now (at most 200 listed); nothing is written."""
    rule = selectors.rule_get(user=request_user(request), rule_id=rule_id)
    total, lines = dry_run(rule)
    return {"total": total, "tickets": lines}


@router.get("/automations/firings", response={200: list[FiringOut], **READ_ERRORS}, auth=READ)
def firings_list(
    request: HttpRequest,
    rule: int | None = None,
    ticket: int | None = None,
) -> list[Firing]:
    """The newest firings (at most 200), of one rule or one ticket."""
    user = request_user(request)
    chosen = selectors.rule_get(user=user, rule_id=rule) if rule is not None else None
    return selectors.firings_list(user=user, rule=chosen, ticket_id=ticket)


def _pool_out(pool: CouponPool) -> dict[str, Any]:
    free = coupons.pool_free(pool)
    return {
        "id": pool.pk,
        "name": pool.name,
        "description": pool.description,
        "free": free,
        "issued": pool.coupons.count() - free,
    }


@router.get("/automations/coupon-pools", response={200: list[PoolOut], **READ_ERRORS}, auth=READ)
def pools_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pool_out(pool) for pool in selectors.pools_list(user=request_user(request))]


@router.post("/automations/coupon-pools", response={201: PoolOut, **WRITE_ERRORS}, auth=CONFIGURE)
def pool_create(request: HttpRequest, payload: PoolIn) -> Status[dict[str, Any]]:
    pool = coupons.pool_save(
        by=request_user(request), name=payload.name, description=payload.description
    )
    return Status(201, _pool_out(pool))


@router.post(
    "/automations/coupon-pools/{pool_id}/codes",
    response={200: PoolOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def pool_codes_add(request: HttpRequest, pool_id: int, payload: CodesIn) -> dict[str, Any]:
    user = request_user(request)
    pool = selectors.pool_get(user=user, pool_id=pool_id)
    coupons.codes_add(by=user, pool=pool, codes=payload.codes)
    return _pool_out(pool)
