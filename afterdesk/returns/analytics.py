"""Return and issue analytics (docs/returns.md, "Analytics"): per SKU and market, how much was
returned of how much was ordered, why, and what the returns cost (refunds and return labels);
and for every ticket, its issue types per SKU of its orders. Supervisors and admins only."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from afterdesk.accounts.models import User
from afterdesk.commerce.models import OrderLine
from afterdesk.core.errors import PermissionDenied, ValidationError
from afterdesk.core.exports import cell_guard, xlsx_text
from afterdesk.returns.models import Reason, RefundState, ReturnLine, SkuSupplier, State
from afterdesk.tickets.events import TRIAGE_ISSUE_TYPES
from afterdesk.tickets.models import Category

FIT_REASONS = (Reason.SIZE_ISSUE, Reason.QUALITY_ISSUE)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included (the shop's time zone)."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        begin = datetime.combine(self.start, time.min, tzinfo=zone)
        return begin, datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)


def last_complete_month(today: date) -> Period:
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


PERIOD_MAX_DAYS = 3660


def period_parse(raw_from: str, raw_to: str, *, today: date) -> Period:
    """`from` and `to` (YYYY-MM-DD, both included); the last complete month without them.
    The page and the API read the period the same way (422 naming the field)."""
    default = last_complete_month(today)
    try:
        start = date.fromisoformat(raw_from) if raw_from else default.start
    except ValueError as exc:
        raise ValidationError("from and to are dates (YYYY-MM-DD)", field="from") from exc
    try:
        end = date.fromisoformat(raw_to) if raw_to else default.end
    except ValueError as exc:
        raise ValidationError("from and to are dates (YYYY-MM-DD)", field="to") from exc
    if end >= date.max:
        raise ValidationError("to must be before 9999-12-31", field="to")
    if end < start:
        raise ValidationError("the period ends before it starts", field="to")
    if (end - start).days > PERIOD_MAX_DAYS:
        raise ValidationError("a period is at most ten years", field="to")
    return Period(start, end)


@dataclass(kw_only=True)
class Tally:
    """Returned of sold units, why, and what it cost; for a SKU or any group of SKUs."""

    ordered: int = 0
    returned: int = 0
    refunded: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def cost(self) -> Decimal:
        """What the returns cost: the refunds and the return labels."""
        return self.refunded + self.shipping

    @property
    def rate(self) -> float | None:
        return self.returned / self.ordered if self.ordered else None

    @property
    def rate_percent(self) -> str:
        """The rate as a percentage with one decimal (`33.3%`); "" when nothing was sold."""
        return f"{self.rate * 100:.1f}%" if self.rate is not None else ""

    @property
    def reason_list(self) -> list[tuple[str, int]]:
        """For the template: a Counter's `items` is a key lookup there (0)."""
        return sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))

    @property
    def fit_returns(self) -> int:
        return sum(self.reasons[r] for r in FIT_REASONS)

    def add(self, other: Tally) -> None:
        self.ordered += other.ordered
        self.returned += other.returned
        self.refunded += other.refunded
        self.shipping += other.shipping
        self.reasons.update(other.reasons)


@dataclass
class SkuRow(Tally):
    sku: str
    market: str
    product: str = ""


@dataclass
class GroupRow(Tally):
    """A product (the order lines' title), a market or a supplier."""

    name: str


def analytics_require(user: User) -> None:
    if not (user.is_active and user.sees_all_tickets):
        raise PermissionDenied(_("return analytics are for supervisors and admins"))


def returns_by_sku(user: User, period: Period | None = None) -> list[SkuRow]:
    """Every SKU and market with a return (rejected returns and withdrawn ones excluded), the
    highest return count first. `refunded` shares each refund among its case's lines by
    value, and so is each return label's cost. With a period: the returns requested in it,
    of the units ordered in it."""
    return [row for row in sku_tallies(user, period) if row.returned]


def sku_tallies(user: User, period: Period | None = None) -> list[SkuRow]:
    """`returns_by_sku`, and also every SKU and market sold in the period without a return
    (the groups' rates divide by every unit sold)."""
    analytics_require(user)
    rows: dict[tuple[str, str], SkuRow] = {}
    returns = ReturnLine.objects.all()
    sold = OrderLine.objects.all()
    if period is not None:
        begin, end = period.bounds()
        returns = returns.filter(case__created_at__gte=begin, case__created_at__lt=end)
        sold = sold.filter(order__placed_at__gte=begin, order__placed_at__lt=end)
    lines = (
        returns.exclude(case__state=State.REJECTED)
        .exclude(case__resolution="withdrawn")
        .select_related("order_line", "case__order__store")
        .prefetch_related("case__refunds", "case__lines__order_line")
    )
    for line in lines:
        key = (line.order_line.sku, line.case.order.store.market)
        row = rows.setdefault(key, SkuRow(*key))
        row.product = row.product or line.order_line.title
        row.returned += line.quantity
        row.reasons[line.case.reason] += line.quantity
        refunded = sum(
            (r.amount for r in line.case.refunds.all() if r.state == RefundState.SUCCEEDED),
            Decimal(0),
        )
        share = _share(line)
        row.refunded += (refunded * share).quantize(Decimal("0.01"))
        if line.case.label_cost:
            row.shipping += (line.case.label_cost * share).quantize(Decimal("0.01"))
    if period is None:
        sold = sold.filter(sku__in={sku for sku, _m in rows})
    for item in (
        sold.values("sku", "order__store__market")
        .annotate(quantity=Sum("quantity"), title=Max("title"))
        .order_by()
    ):
        key = (item["sku"], item["order__store__market"])
        row = rows.setdefault(key, SkuRow(*key))
        row.product = row.product or item["title"]
        row.ordered += item["quantity"]
    return sorted(rows.values(), key=lambda r: (-r.returned, r.sku, r.market))


GROUPINGS = ("product", "market", "supplier")
GROUP_FORMATS = {f"{grouping}_csv": grouping for grouping in GROUPINGS}


def returns_by(user: User, grouping: str, period: Period | None = None) -> list[GroupRow]:
    """The SKUs' tallies summed per product, market or supplier (`SkuSupplier`; "" for a SKU
    without one): the rate is every returned unit of the group over every unit it sold."""
    return group_tallies(sku_tallies(user, period), grouping)


def group_tallies(rows: list[SkuRow], grouping: str) -> list[GroupRow]:
    if grouping not in GROUPINGS:
        raise ValueError(grouping)
    suppliers: dict[str, str] = {}
    if grouping == "supplier":
        suppliers = dict(
            SkuSupplier.objects.filter(sku__in={row.sku for row in rows}).values_list(
                "sku", "supplier"
            )
        )
    groups: dict[str, GroupRow] = {}
    for row in rows:
        name = (
            row.product
            if grouping == "product"
            else row.market
            if grouping == "market"
            else suppliers.get(row.sku, "")
        )
        groups.setdefault(name, GroupRow(name=name)).add(row)
    chosen = [group for group in groups.values() if group.returned]
    return sorted(chosen, key=lambda g: (-g.returned, g.name))


Cell = str | int | Decimal | float | None


@dataclass(frozen=True)
class Table:
    """One analytics table as the downloads and the API give it: a header of field names and
    rows of plain values (text, whole numbers, money as Decimal, the rate as a fraction)."""

    name: str
    header: list[str]
    rows: list[list[Cell]]


def _cells(*parts: Sequence[Cell]) -> list[Cell]:
    return [cell for part in parts for cell in part]


def _rate(tally: Tally) -> float | None:
    return round(tally.rate, 4) if tally.rate is not None else None


def groups_table(rows: list[GroupRow], grouping: str) -> Table:
    reasons = list(Reason.values)
    header = [grouping, "ordered", "returned", "return_rate", "refunded", "return_shipping"]
    return Table(
        f"returns-by-{grouping}",
        [*header, "cost", *reasons],
        [
            _cells(
                [row.name, row.ordered, row.returned, _rate(row), row.refunded, row.shipping],
                [row.cost],
                [row.reasons[r] for r in reasons],
            )
            for row in rows
        ],
    )


def table_csv(table: Table) -> str:
    """The table as CSV: text guarded against formulas, the rate with 4 decimals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(
            [
                cell_guard(v)
                if isinstance(v, str)
                else ""
                if v is None
                else f"{v:.4f}"
                if isinstance(v, float)
                else v
                for v in row
            ]
        )
    return out.getvalue()


def table_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet: a bold header, numbers as numbers (money
    with 2 decimals, the rate as a percentage), text guarded against formulas."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has its sheet
    sheet.title = table.name[:31]
    sheet.append([xlsx_text(name) for name in table.header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([xlsx_text(v) if isinstance(v, str) else v for v in row])
    for column, name in enumerate(table.header, start=1):
        style = {"return_rate": "0.00%"}.get(name)
        if name in ("refunded", "return_shipping", "cost"):
            style = "#,##0.00"
        if style:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = style
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def groups_csv(rows: list[GroupRow], grouping: str) -> str:
    return table_csv(groups_table(rows, grouping))


def _share(line: ReturnLine) -> Decimal:
    """The line's part of its case by value (the case's lines are prefetched)."""
    values = [x.order_line.unit_price * x.quantity for x in line.case.lines.all()]
    total = sum(values, Decimal(0))
    return line.order_line.unit_price * line.quantity / total if total else Decimal(0)


def top_fit_skus(rows: list[SkuRow], limit: int = 10) -> list[SkuRow]:
    """The SKUs returned most for size or quality issues."""
    chosen = [row for row in rows if row.fit_returns]
    return sorted(chosen, key=lambda r: (-r.fit_returns, r.sku))[:limit]


def sku_table(rows: list[SkuRow]) -> Table:
    reasons = list(Reason.values)
    header = ["sku", "market", "product", "ordered", "returned", "return_rate", "refunded"]
    return Table(
        "returns-by-sku",
        [*header, "return_shipping", "cost", *reasons],
        [
            _cells(
                [row.sku, row.market, row.product, row.ordered, row.returned, _rate(row)],
                [row.refunded, row.shipping, row.cost],
                [row.reasons[r] for r in reasons],
            )
            for row in rows
        ],
    )


def returns_csv(rows: list[SkuRow]) -> str:
    return table_csv(sku_table(rows))


@dataclass
class IssueRow:
    """Every ticket about an order with this SKU (in this market), by the ticket's issue
    type (its triage category): returns or not."""

    sku: str
    market: str
    product: str = ""
    tickets: int = 0
    issues: Counter[str] = field(default_factory=Counter)

    @property
    def issue_list(self) -> list[tuple[str, int]]:
        return sorted(self.issues.items(), key=lambda item: (-item[1], item[0]))

    @property
    def issue_labels(self) -> list[tuple[str, int]]:
        """`issue_list` with each issue type by its label in the reader's language (the
        page's words; the exports keep the codes)."""
        labels = dict(Category.choices)
        return [(str(labels.get(issue, issue)), count) for issue, count in self.issue_list]


def issues_by_sku(user: User, period: Period | None = None, *, limit: int = 500) -> list[IssueRow]:
    """Tickets per SKU and market and issue type, the SKUs with the most tickets first. A
    ticket about an order of several SKUs counts for each of them. With a period: the
    tickets created in it."""
    analytics_require(user)
    rows: dict[tuple[str, str], IssueRow] = {}
    where: dict[str, object] = {"order__tickets__isnull": False}
    if period is not None:
        begin, end = period.bounds()
        where |= {"order__tickets__created_at__gte": begin, "order__tickets__created_at__lt": end}
    counted = (
        OrderLine.objects.filter(**where)
        .values("sku", "order__store__market", "order__tickets__category")
        .annotate(tickets=Count("order__tickets", distinct=True))
        .order_by()
    )
    for item in counted:
        key = (item["sku"], item["order__store__market"])
        row = rows.setdefault(key, IssueRow(*key))
        issue = item["order__tickets__category"] or "other"
        row.issues[issue if issue in TRIAGE_ISSUE_TYPES else "other"] += item["tickets"]
        row.tickets += item["tickets"]
    titles = dict(
        OrderLine.objects.filter(sku__in={sku for sku, _m in rows})
        .values("sku")
        .annotate(title=Max("title"))
        .order_by()
        .values_list("sku", "title")
    )
    for row in rows.values():
        row.product = titles.get(row.sku, "")
    return sorted(rows.values(), key=lambda r: (-r.tickets, r.sku, r.market))[:limit]


def issues_table(rows: list[IssueRow]) -> Table:
    return Table(
        "issues-by-sku",
        ["sku", "market", "product", "tickets", *TRIAGE_ISSUE_TYPES],
        [
            _cells(
                [row.sku, row.market, row.product, row.tickets],
                [row.issues[issue] for issue in TRIAGE_ISSUE_TYPES],
            )
            for row in rows
        ],
    )


def issues_csv(rows: list[IssueRow]) -> str:
    return table_csv(issues_table(rows))


def top_issue_skus(rows: list[IssueRow], issue: str, limit: int = 10) -> list[IssueRow]:
    """The SKUs with the most tickets of one issue type (`size_issue`, `quality_issue`)."""
    chosen = [row for row in rows if row.issues[issue]]
    return sorted(chosen, key=lambda r: (-r.issues[issue], r.sku))[:limit]


def _tally_out(row: Tally) -> dict[str, object]:
    return {
        "ordered": row.ordered,
        "returned": row.returned,
        "return_rate": _rate(row),
        "refunded": row.refunded,
        "return_shipping": row.shipping,
        "cost": row.cost,
        "reasons": {reason: row.reasons[reason] for reason in Reason.values},
    }


def analytics_figures(user: User, period: Period) -> dict[str, object]:
    """Every table of the page for `period`, as the API gives it (the same figures as the
    page and its downloads: the same functions compute them)."""
    tallies = sku_tallies(user, period)
    issues = issues_by_sku(user, period)
    return {
        "start": period.start,
        "end": period.end,
        "by_sku": [
            {"sku": r.sku, "market": r.market, "product": r.product, **_tally_out(r)}
            for r in tallies
            if r.returned
        ],
        **{
            f"by_{grouping}": [
                {"name": g.name, **_tally_out(g)} for g in group_tallies(tallies, grouping)
            ]
            for grouping in GROUPINGS
        },
        "issues_by_sku": [
            {
                "sku": r.sku,
                "market": r.market,
                "product": r.product,
                "tickets": r.tickets,
                "issues": {issue: r.issues[issue] for issue in TRIAGE_ISSUE_TYPES},
            }
            for r in issues
        ],
    }
