"""Return analytics (docs/returns.md, "Analytics"): per SKU and market, how much was returned
of how much was ordered, why, and what the refunds cost; supervisors and admins only."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from afterdesk.accounts.models import User
from afterdesk.commerce.models import OrderLine
from afterdesk.core.errors import PermissionDenied
from afterdesk.returns.models import Reason, RefundState, ReturnLine, State

FIT_REASONS = (Reason.SIZE_ISSUE, Reason.QUALITY_ISSUE)


@dataclass
class SkuRow:
    sku: str
    market: str
    ordered: int = 0
    returned: int = 0
    refunded: Decimal = Decimal("0.00")
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float | None:
        return self.returned / self.ordered if self.ordered else None

    @property
    def reason_list(self) -> list[tuple[str, int]]:
        """For the template: a Counter's `items` is a key lookup there (0)."""
        return sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))

    @property
    def fit_returns(self) -> int:
        return sum(self.reasons[r] for r in FIT_REASONS)


def analytics_require(user: User) -> None:
    if not (user.is_active and user.sees_all_tickets):
        raise PermissionDenied("return analytics are for supervisors and admins")


def returns_by_sku(user: User) -> list[SkuRow]:
    """Every SKU and market with a return (rejected returns and withdrawn ones excluded), the
    highest return count first. `refunded` shares each refund among its case's lines by
    value."""
    analytics_require(user)
    rows: dict[tuple[str, str], SkuRow] = {}
    lines = (
        ReturnLine.objects.exclude(case__state=State.REJECTED)
        .exclude(case__resolution="withdrawn")
        .select_related("order_line", "case__order__store")
        .prefetch_related("case__refunds", "case__lines__order_line")
    )
    for line in lines:
        key = (line.order_line.sku, line.case.order.store.market)
        row = rows.setdefault(key, SkuRow(*key))
        row.returned += line.quantity
        row.reasons[line.case.reason] += line.quantity
        refunded = sum(
            (r.amount for r in line.case.refunds.all() if r.state == RefundState.SUCCEEDED),
            Decimal(0),
        )
        if refunded:
            values = [x.order_line.unit_price * x.quantity for x in line.case.lines.all()]
            total = sum(values, Decimal(0))
            share = line.order_line.unit_price * line.quantity / total if total else 0
            row.refunded += (refunded * Decimal(share)).quantize(Decimal("0.01"))
    ordered: defaultdict[tuple[str, str], int] = defaultdict(int)
    for item in (
        OrderLine.objects.filter(sku__in={sku for sku, _m in rows})
        .values("sku", "order__store__market")
        .annotate(quantity=Sum("quantity"))
    ):
        ordered[(item["sku"], item["order__store__market"])] += item["quantity"]
    for key, row in rows.items():
        row.ordered = ordered[key]
    return sorted(rows.values(), key=lambda r: (-r.returned, r.sku, r.market))


def top_fit_skus(rows: list[SkuRow], limit: int = 10) -> list[SkuRow]:
    """The SKUs returned most for size or quality issues."""
    chosen = [row for row in rows if row.fit_returns]
    return sorted(chosen, key=lambda r: (-r.fit_returns, r.sku))[:limit]


def returns_csv(rows: list[SkuRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    reasons = list(Reason.values)
    writer.writerow(["sku", "market", "ordered", "returned", "return_rate", "refunded", *reasons])
    for row in rows:
        rate = f"{row.rate:.4f}" if row.rate is not None else ""
        writer.writerow(
            [row.sku, row.market, row.ordered, row.returned, rate, row.refunded]
            + [row.reasons[r] for r in reasons]
        )
    return out.getvalue()
