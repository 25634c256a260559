"""The return settings page (policies, step emails, market return addresses; supervisors and
admins) and the buyer's printable RMA instructions (docs/returns.md, "Settings" and
"Printable instructions"). Thin: each form calls one service; a refused save shows its
message with the error's status and keeps what was typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Store
from afterdesk.core.errors import DomainError, ValidationError
from afterdesk.replies.models import ReplyTemplate
from afterdesk.returns import access, instructions
from afterdesk.returns.models import (
    EmailStep,
    MarketReturnAddress,
    ReturnCase,
    ReturnPolicy,
    ShippingPaidBy,
    SkuSupplier,
    StepEmail,
)
from afterdesk.returns.phrases import RETURN_TEXT
from afterdesk.returns.services import settings as settings_services
from afterdesk.returns.services import suppliers as supplier_services

IMPORT_MAX_BYTES = 2 * 1024 * 1024
SUPPLIERS_SHOWN = 1000


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    return user


def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise ValidationError(f"{field} must be a whole number", field=field) from exc


def _fee(value: str) -> Decimal:
    try:
        return Decimal(value.strip() or "0")
    except InvalidOperation as exc:
        raise ValidationError(
            _("restocking_fee_percent must be a number"), field="restocking_fee_percent"
        ) from exc


def _import_text(files: MultiValueDict[str, UploadedFile]) -> str:
    upload = files.get("file")
    if upload is None:
        raise ValidationError(_("choose a CSV file of sku,supplier rows"), field="file")
    if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
        raise ValidationError(_("the file is larger than 2 MB"), field="file")
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("the file is not UTF-8 text"), field="file") from exc


def _save(user: User, post: QueryDict, files: MultiValueDict[str, UploadedFile]) -> str:
    """Save one form; returns the page's anchor to go back to."""
    form = post.get("form", "")
    if form == "supplier":
        supplier_services.supplier_save(
            by=user, sku=post.get("sku", ""), supplier=post.get("supplier", "")
        )
        return "#suppliers"
    if form == "supplier_delete":
        supplier_services.supplier_delete(
            by=user, supplier_id=_int(post.get("supplier_id", ""), "supplier_id")
        )
        return "#suppliers"
    if form == "suppliers_import":
        supplier_services.suppliers_import(by=user, text=_import_text(files))
        return "#suppliers"
    if form == "policy":
        store = post.get("store", "").strip()
        settings_services.policy_edit(
            by=user,
            store_id=_int(store, "store") if store else None,
            market=post.get("market", ""),
            window_days=_int(post.get("window_days", ""), "window_days"),
            shipping_paid_by=post.get("shipping_paid_by", ""),
            restocking_fee_percent=_fee(post.get("restocking_fee_percent", "")),
            non_returnable_skus=post.get("non_returnable_skus", ""),
            non_returnable_categories=post.get("non_returnable_categories", ""),
        )
    elif form == "policy_delete":
        settings_services.policy_delete(by=user, policy_id=_int(post.get("policy", ""), "policy"))
    elif form == "emails":
        choices: dict[str, tuple[int | None, bool]] = {}
        for step in EmailStep.values:
            raw = post.get(f"template_{step}", "").strip()
            choices[step] = (
                _int(raw, "template") if raw else None,
                post.get(f"enabled_{step}") == "1",
            )
        settings_services.step_emails_save(by=user, choices=choices)
    elif form == "address":
        settings_services.market_address_save(
            by=user,
            market=post.get("market", ""),
            warehouse=post.get("warehouse", ""),
            address=post.get("address", ""),
        )
    else:
        raise ValidationError(
            "form must be policy, policy_delete, emails, address, supplier, supplier_delete"
            " or suppliers_import",
            field="form",
        )
    return ""


def _context(request: HttpRequest) -> dict[str, Any]:
    emails = {row.step: row for row in StepEmail.objects.all()}
    editing = None
    if request.GET.get("policy", "").isdigit():
        editing = ReturnPolicy.objects.filter(pk=int(request.GET["policy"])).first()
    return {
        "policies": list(ReturnPolicy.objects.select_related("store")),
        "stores": list(Store.objects.order_by("name")),
        "paid_by": ShippingPaidBy.choices,
        "editing": editing,
        "steps": [(value, label, emails.get(value)) for value, label in EmailStep.choices],
        "templates": list(ReplyTemplate.objects.order_by("name").only("id", "name", "key")),
        "addresses": list(MarketReturnAddress.objects.all()),
        "suppliers": list(SkuSupplier.objects.all()[:SUPPLIERS_SHOWN]),
        "posted": request.POST if request.method == "POST" else {},
    }


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        access.manage_require(user)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status)
    if request.method == "POST":
        try:
            anchor = _save(user, request.POST, request.FILES)
        except DomainError as error:
            context = {
                **_context(request),
                "error": RETURN_TEXT.shown(error.message),
                "error_form": request.POST.get("form", ""),
            }
            return render(request, "returns/settings.html", context, status=error.status)
        return redirect(reverse("returns:settings") + anchor)
    return render(request, "returns/settings.html", _context(request))


@require_GET
def instructions_page(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's printable instructions: no sign-in, the signed link is the key."""
    try:
        case_id, rma = instructions.link_read(token)
    except instructions.LinkInvalid:
        return HttpResponse("This return link is not valid.", status=404)
    case = (
        ReturnCase.objects.select_related("ticket", "order", "order__store")
        .filter(pk=case_id, rma=rma)
        .first()
    )
    if case is None:
        return HttpResponse("This return link is not valid.", status=404)
    language = instructions.language_of(case)
    words = instructions.WORDS[language]
    steps = [str(step).format(rma=case.rma) for step in words["steps"]]
    context = {
        "case": case,
        "lines": list(case.lines.select_related("order_line")),
        "words": words,
        "steps": steps,
        "language": "zh-Hans" if language == "zh" else language,
        "destination": instructions.destination(case),
        "shipping": instructions.shipping_words(case, language),
    }
    return render(request, "returns/instructions.html", context)
