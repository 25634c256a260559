"""The returns pages (docs/returns.md, "Pages and API"): the queue, a case with its next steps, the
warehouse check-in, and starting a return from the ticket page. Thin: each calls the access
rule, one service (through `actions.case_act`), and renders; a refused step is shown with its
message and the page's status is the error's (4xx)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError, NotFound, ValidationError
from afterdesk.core.exports import CONTENT_TYPES, attachment
from afterdesk.returns import access, analytics, selectors
from afterdesk.returns.actions import Action, case_act
from afterdesk.returns.instructions import link_token
from afterdesk.returns.models import QcResult, Resolution, ReturnCase
from afterdesk.returns.phrases import RETURN_TEXT
from afterdesk.returns.services.cases import LineIn, case_create, case_value
from afterdesk.returns.services.refunds import REFUND_FROM, refundable_balance
from afterdesk.tickets.models import Attachment, MessageKind
from afterdesk.tickets.selectors import ticket_get_for_user

QUEUE_LABELS = (
    ("open", _("Open")),
    ("pending_approval", _("Pending approval")),
    ("warehouse", _("Warehouse")),
    ("refund_failed", _("Refunds to check")),
    ("resolved", _("Closed")),
    ("all", _("All")),
)
OTHER_RESOLUTIONS = (
    Resolution.EXCHANGE,
    Resolution.RESHIP,
    Resolution.KEPT_NO_REFUND,
    Resolution.WITHDRAWN,
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    return user


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "open")
    if queue not in selectors.QUEUES:
        queue = "open"
    cases = selectors.cases_list(user=_user(request), queue=queue)[:200]
    context = {"cases": cases, "queue": queue, "queues": QUEUE_LABELS}
    return render(request, "returns/list.html", context)


def _decimal(value: str, field: str = "amount") -> Decimal | None:
    try:
        number = Decimal(value) if value.strip() else None
    except InvalidOperation as exc:
        raise ValidationError(f"{value!r} is not a number", field=field) from exc
    if number is not None and not number.is_finite():
        raise ValidationError(f"{value!r} is not a number", field=field)
    return number


def _action(post: Any) -> Action:
    qc = {int(k[3:]): v for k, v in post.items() if k.startswith("qc_") and k[3:].isdigit()}
    notes = {int(k[7:]): v for k, v in post.items() if k.startswith("qcnote_") and k[7:].isdigit()}
    accepted = post.get("accepted")
    refund_id = post.get("refund_id", "")
    return Action(
        action=post.get("action", ""),
        note=post.get("note", ""),
        carrier=post.get("carrier", ""),
        tracking_number=post.get("tracking_number", ""),
        label_cost=_decimal(post.get("label_cost", ""), "label_cost"),
        qc=qc,
        qc_notes=notes,
        percent=_decimal(post.get("percent", ""), "percent"),
        accepted=None if accepted is None else accepted == "1",
        amount=_decimal(post.get("amount", "")),
        resolution=post.get("resolution", ""),
        refund_id=int(refund_id) if refund_id.isdigit() else None,
        platform_refund_id=post.get("platform_refund_id", ""),
    )


def _case_context(user: User, case: ReturnCase) -> dict[str, Any]:
    lines = list(case.lines.select_related("order_line"))
    refundable = [s for s, resolutions in _refund_states().items() if resolutions]
    return {
        "case": case,
        "lines": lines,
        "refunds": list(case.refunds.all()),
        "can_act": access.can_act(user),
        "refundable_states": refundable,
        "refund_resolutions": [
            (r.value, r.label) for r in REFUND_FROM if case.state in REFUND_FROM[r]
        ],
        "other_resolutions": [(r.value, r.label) for r in OTHER_RESOLUTIONS],
        "suggested": case_value(case),
        "balance": refundable_balance(case.order),
        "instructions_url": reverse("returns:instructions", kwargs={"token": link_token(case)}),
        # The evidence is the buyer's own attachments on the ticket (photos of the damage…).
        "evidence": list(
            Attachment.objects.filter(
                message__ticket_id=case.ticket_id, message__kind=MessageKind.INBOUND
            ).order_by("id")[:50]
        ),
    }


def _refund_states() -> dict[str, list[str]]:
    states: dict[str, list[str]] = {}
    for resolution, allowed in REFUND_FROM.items():
        for state in allowed:
            states.setdefault(str(state), []).append(str(resolution))
    return states


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = access.case_get(user=user, case_id=case_id)
    except NotFound as error:
        return HttpResponse(error.message, status=404)
    if request.method == "POST":
        try:
            case_act(by=user, case=case, act=_action(request.POST))
        except DomainError as error:
            case = access.case_get(user=user, case_id=case_id)
            context = {**_case_context(user, case), "error": RETURN_TEXT.shown(error.message)}
            return render(request, "returns/case.html", context, status=error.status)
        return redirect("returns:case", case_id=case.pk)
    return render(request, "returns/case.html", _case_context(user, case))


@login_required
def checkin(request: HttpRequest) -> HttpResponse:
    """The warehouse: find a return by RMA or tracking number, mark it received, then QC each
    line."""
    user = _user(request)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    case = selectors.case_find(user=user, code=code)
    status, error = 200, ""
    if request.method == "POST" and case is not None:
        try:
            case_act(by=user, case=case, act=_action(request.POST))
        except DomainError as failed:
            status, error = failed.status, RETURN_TEXT.shown(failed.message)
        else:
            return redirect(f"{request.path}?code={code}")
        case = selectors.case_find(user=user, code=code)
    elif request.method == "POST":
        status = 404
    context = {
        "code": code,
        "case": case,
        "error": error,
        "lines": list(case.lines.select_related("order_line")) if case else [],
        "qc_choices": [(v, label) for v, label in QcResult.choices if v],
    }
    return render(request, "returns/checkin.html", context, status=status)


@login_required
def case_start(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = _user(request)
    try:
        ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
    except NotFound as error:
        return HttpResponse(error.message, status=404)
    if request.method != "POST":
        return redirect("tickets:ticket", ticket.pk)
    order = ticket.orders.filter(pk=request.POST.get("order", "0") or 0).first()
    if order is None:
        return HttpResponse(str(_("No such order on this ticket.")), status=404)
    lines = []
    for line in order.lines.all():
        raw = request.POST.get(f"qty_{line.pk}", "0").strip() or "0"
        if raw.isdigit() and int(raw) > 0:
            lines.append(LineIn(line.pk, int(raw)))
    try:
        case = case_create(
            by=user,
            ticket=ticket,
            order=order,
            lines=lines,
            reason=request.POST.get("reason", ""),
            requested_resolution=request.POST.get("requested_resolution", ""),
            note=request.POST.get("note", ""),
            override_note=request.POST.get("override_note", ""),
        )
    except DomainError as error:
        return HttpResponse(RETURN_TEXT.shown(error.message), status=error.status)
    return redirect("returns:case", case_id=case.pk)


@login_required
def analytics_page(request: HttpRequest) -> HttpResponse:
    """Returns by SKU, product, market and supplier and tickets by issue type over a period
    (`from`, `to`; the last complete month by default), supervisors and admins; `?format=`
    `csv` or `xlsx` (by SKU), `product_csv`, `market_csv`, `supplier_csv`, `issues_csv` or
    the same with `_xlsx` downloads a table; an unknown format is a 400."""
    user = _user(request)
    try:
        analytics.analytics_require(user)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status)
    try:
        period = _period(request)
    except ValidationError as error:
        refused = {"error": RETURN_TEXT.shown(error.message), "posted": request.GET}
        return render(request, "returns/analytics.html", refused, status=error.status)
    tallies = analytics.sku_tallies(user, period)
    rows = [row for row in tallies if row.returned]
    wanted = request.GET.get("format", "")
    table_name, _sep, kind = wanted.rpartition("_") if "_" in wanted else ("sku", "", wanted)
    if kind in ("csv", "xlsx"):
        if table_name in analytics.GROUPINGS:
            table = analytics.groups_table(analytics.group_tallies(tallies, table_name), table_name)
        elif table_name == "issues":
            table = analytics.issues_table(analytics.issues_by_sku(user, period))
        elif table_name == "sku":
            table = analytics.sku_table(rows)
        else:
            return HttpResponse(f"unknown format {wanted!r}", status=400)
        return _download(table, kind)
    issues = analytics.issues_by_sku(user, period)
    context: dict[str, Any] = {
        "period": period,
        "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}",
        "rows": rows,
        "groups": [
            (grouping, label, analytics.group_tallies(tallies, grouping))
            for grouping, label in GROUP_LABELS
        ],
        "top": analytics.top_fit_skus(rows),
        "issues": issues[:100],
        "top_size": analytics.top_issue_skus(issues, "size_issue"),
        "top_quality": analytics.top_issue_skus(issues, "quality_issue"),
    }
    return render(request, "returns/analytics.html", context)


GROUP_LABELS = (
    ("product", _("Returns by product")),
    ("market", _("Returns by market")),
    ("supplier", _("Returns by supplier")),
)


def _period(request: HttpRequest) -> analytics.Period:
    """`from` and `to` (YYYY-MM-DD, both included); the last complete month without them."""
    return analytics.period_parse(
        request.GET.get("from", ""), request.GET.get("to", ""), today=timezone.localdate()
    )


def _download(table: analytics.Table, kind: str) -> HttpResponse:
    """A table as CSV or XLSX, named after it."""
    if kind == "xlsx":
        body: bytes | str = analytics.table_xlsx(table)
    else:
        body = analytics.table_csv(table)
    return attachment(body, content_type=CONTENT_TYPES[kind], filename=f"{table.name}.{kind}")
