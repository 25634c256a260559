"""The return settings a supervisor edits on `/returns/settings/` (docs/returns.md,
"Settings"): policies (`policy.policy_save`), the email of each step, and the return address
of each market. Each function checks who, then the values; bad values raise ValidationError
naming the field and change nothing."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Store
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.replies.models import ReplyTemplate
from afterdesk.returns.access import manage_require
from afterdesk.returns.models import EmailStep, MarketReturnAddress, ReturnPolicy, StepEmail
from afterdesk.returns.services.policy import policy_save

MARKET_MAX = 10


def _market(value: str) -> str:
    market = value.strip().upper()
    if len(market) > MARKET_MAX or not all(c.isalnum() for c in market):
        raise ValidationError(
            f"a market is a code of at most {MARKET_MAX} letters or digits (US, DE, EU)",
            field="market",
        )
    return market


def _words(value: str) -> list[str]:
    return [w.strip() for w in value.replace("\n", ",").split(",") if w.strip()]


@transaction.atomic
def policy_edit(
    *,
    by: User,
    store_id: int | None,
    market: str,
    window_days: int,
    shipping_paid_by: str,
    restocking_fee_percent: Decimal,
    non_returnable_skus: str,
    non_returnable_categories: str,
) -> ReturnPolicy:
    """Create or replace the policy of a store (None: every store) and market ("": every
    market); SKUs and categories are comma-separated."""
    manage_require(by)
    if store_id is not None and not Store.objects.filter(pk=store_id).exists():
        raise ValidationError(f"no store {store_id}", field="store")
    return policy_save(
        store_id=store_id,
        market=_market(market),
        window_days=window_days,
        shipping_paid_by=shipping_paid_by,
        restocking_fee_percent=restocking_fee_percent,
        non_returnable_skus=_words(non_returnable_skus),
        non_returnable_categories=_words(non_returnable_categories),
    )


@transaction.atomic
def policy_delete(*, by: User, policy_id: int) -> None:
    manage_require(by)
    deleted, _rows = ReturnPolicy.objects.filter(pk=policy_id).delete()
    if not deleted:
        raise NotFound(_("no such return policy"))


@transaction.atomic
def step_emails_save(*, by: User, choices: dict[str, tuple[int | None, bool]]) -> None:
    """Each step's template (None: no email) and whether it is on; steps not named keep
    theirs."""
    manage_require(by)
    unknown = sorted(set(choices) - set(EmailStep.values))
    if unknown:
        raise ValidationError(f"no email step {unknown[0]!r}", field="step")
    wanted = {pk for pk, _on in choices.values() if pk is not None}
    templates = ReplyTemplate.objects.in_bulk(list(wanted))
    missing = wanted - set(templates)
    if missing:
        raise ValidationError(f"no reply template {min(missing)}", field="template")
    for step, (template_id, enabled) in choices.items():
        StepEmail.objects.update_or_create(
            step=step,
            defaults={
                "template": templates.get(template_id) if template_id is not None else None,
                "enabled": enabled,
            },
        )


@transaction.atomic
def market_address_save(
    *, by: User, market: str, warehouse: str, address: str
) -> MarketReturnAddress | None:
    """The return address of a market (`EU`: every market of the Union without its own; "":
    every other market, e.g. back to China); an empty address removes it."""
    manage_require(by)
    market = _market(market)
    if not address.strip():
        MarketReturnAddress.objects.filter(market=market).delete()
        return None
    if len(address) > 1000:
        raise ValidationError(_("an address is at most 1000 characters"), field="address")
    if not warehouse.strip():
        raise ValidationError(_("name the warehouse"), field="warehouse")
    row, _created = MarketReturnAddress.objects.update_or_create(
        market=market,
        defaults={"warehouse": warehouse.strip()[:100], "address": address.strip()},
    )
    return row
