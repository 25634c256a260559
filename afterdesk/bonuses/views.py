"""The bonus pages (htmx UI), beside the performance pages: bonus rules (supervisors read,
admins write), a payout preview for a rule and a period with its downloads and the freeze
button (admins), frozen statements, and "My bonus" (each user's own lines).

Who sees what is decided by `bonuses.selectors`, as for the API (docs/bonuses.md): agents and
QA reviewers see no rule and no preview, and of a statement only their own line.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.bonuses import exports, selectors, services
from afterdesk.bonuses.forms import BonusRuleForm, PayoutPeriodForm
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.core import errors
from afterdesk.core.exports import attachment
from afterdesk.core.htmx import render_page_or_partial
from afterdesk.metrics.views.access import Access, http_errors, page_access

LIST_SIZE = 200


def _access(request: HttpRequest, *, write: bool = False, read: bool = True) -> Access:
    access = page_access(request, "self")
    with http_errors():
        if write:
            selectors.bonus_rule_require_writer(user=access.user)
        elif read:
            selectors.bonus_rule_require_reader(user=access.user)
    return access


def _rule(access: Access, rule_id: int) -> BonusRule:
    with http_errors():
        return selectors.bonus_rule_get_for_user(user=access.user, rule_id=rule_id)


def _statement(access: Access, statement_id: int) -> PayoutStatement:
    with http_errors():
        return selectors.payout_statement_get_for_user(user=access.user, statement_id=statement_id)


def _download(document: dict[str, Any], fmt: str, name: str) -> HttpResponse:
    if fmt not in exports.RENDERERS:
        raise Http404("unknown format")
    return attachment(
        exports.RENDERERS[fmt](document),
        content_type=exports.CONTENT_TYPES[fmt],
        filename=f"{name}.{fmt}",
    )


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    rules = selectors.bonus_rules_for_user(user=access.user)
    context = {"access": access, "rules": rules, "section": "bonuses", "tab": "rules"}
    return render(request, "bonuses/pages/rule_list.html", context)


def _rule_form(
    request: HttpRequest, access: Access, rule: BonusRule | None, form: BonusRuleForm, status: int
) -> HttpResponse:
    context = {"access": access, "rule": rule, "form": form, "section": "bonuses", "tab": "rules"}
    return render(request, "bonuses/pages/rule_edit.html", context, status=status)


def _rule_save(request: HttpRequest, access: Access, rule: BonusRule | None) -> HttpResponse:
    """Validate and save; a refused field re-renders the form naming it (422, or 409 for a
    name in use). Nothing is saved then."""
    form = BonusRuleForm(request.POST, rule=rule)
    status = 422
    if form.is_valid():
        try:
            saved = services.bonus_rule_save(rule=rule, **form.rule_fields())
        except (errors.ValidationError, errors.Conflict) as error:
            form.add_domain_error(error)
            status = error.status
        else:
            messages.success(request, _("Bonus rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("bonuses:rules")
    return _rule_form(request, access, rule, form, status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    access = _access(request, write=True)
    if request.method == "POST":
        return _rule_save(request, access, None)
    return _rule_form(request, access, None, BonusRuleForm.for_rule(None), 200)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    access = _access(request, write=True)
    rule = _rule(access, rule_id)
    if request.method == "POST":
        return _rule_save(request, access, rule)
    return _rule_form(request, access, rule, BonusRuleForm.for_rule(rule), 200)


def _preview(
    request: HttpRequest, access: Access, rule: BonusRule, form: PayoutPeriodForm, status: int
) -> HttpResponse:
    """The payout of the form's period as `payout_compute` gives it (nothing stored)."""
    context: dict[str, Any] = {
        "access": access,
        "rule": rule,
        "form": form,
        "section": "bonuses",
        "tab": "rules",
    }
    if form.is_valid() and form.start is not None and form.end is not None:
        with http_errors():  # a rule whose template is gone: 404
            result = services.payout_compute(rule=rule, start=form.start, end=form.end)
        frozen = selectors.payout_statements_for_user(user=access.user, rule_id=rule.pk)
        context.update(
            document=result.as_json(),
            query=form.period_query(),
            frozen=frozen.filter(period_start=form.start, period_end=form.end).first(),
        )
    else:
        status = 422
    return render_page_or_partial(
        request,
        page="bonuses/pages/preview.html",
        partial="bonuses/partials/preview.html",
        context=context,
        status=status,
    )


@login_required
@require_GET
def payout_preview(request: HttpRequest, rule_id: int) -> HttpResponse:
    access = _access(request)
    return _preview(request, access, _rule(access, rule_id), PayoutPeriodForm(request.GET), 200)


@login_required
@require_GET
def payout_download(request: HttpRequest, rule_id: int, fmt: str) -> HttpResponse:
    """The preview as CSV, XLSX or JSON (the bonuses.exports renderers)."""
    access = _access(request)
    rule = _rule(access, rule_id)
    form = PayoutPeriodForm(request.GET)
    if not form.is_valid() or form.start is None or form.end is None:
        return HttpResponse(form.errors.as_text(), status=422, content_type="text/plain")
    with http_errors():
        document = services.payout_compute(rule=rule, start=form.start, end=form.end).as_json()
    name = f"payout-{rule.pk}-{form.start:%Y%m%d}-{form.end:%Y%m%d}"
    return _download(document, fmt, name)


@login_required
@require_POST
def statement_freeze(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Freeze the payout of a period (admins). A statement for the period already, or an
    inactive rule: the preview again with the reason as a message, 409."""
    access = _access(request, write=True)
    rule = _rule(access, rule_id)
    form = PayoutPeriodForm(request.POST)
    if not form.is_valid() or form.start is None or form.end is None:
        return _preview(request, access, rule, form, 422)
    try:
        statement = services.payout_statement_create(
            rule=rule, start=form.start, end=form.end, by=access.user
        )
    except errors.Conflict as error:
        messages.error(request, error.message)
        return _preview(request, access, rule, form, 409)
    messages.success(request, _("Payout statement frozen."))
    return redirect("bonuses:statement", statement_id=statement.pk)


@login_required
@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    rule_id = request.GET.get("rule", "")
    statements = selectors.payout_statements_for_user(
        user=access.user, rule_id=int(rule_id) if rule_id.isdigit() else None
    )
    context = {
        "access": access,
        "statements": statements[:LIST_SIZE],
        "section": "bonuses",
        "tab": "statements",
    }
    return render(request, "bonuses/pages/statement_list.html", context)


@login_required
@require_GET
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    """A frozen statement: whole for managers; for anyone else only their own line (a
    statement without one is a 404)."""
    access = _access(request, read=False)
    statement = _statement(access, statement_id)
    document = selectors.payout_document_for_user(user=access.user, document=statement.document)
    context = {
        "access": access,
        "statement": statement,
        "document": document,
        "section": "bonuses",
        "tab": "statements" if access.manager else "mine",
    }
    return render(request, "bonuses/pages/statement.html", context)


@login_required
@require_GET
def statement_download(request: HttpRequest, statement_id: int, fmt: str) -> HttpResponse:
    access = _access(request)
    statement = _statement(access, statement_id)
    return _download(statement.document, fmt, f"payout-statement-{statement.pk}")


@login_required
@require_GET
def my_bonus(request: HttpRequest) -> HttpResponse:
    """The frozen statements that pay the signed-in user, each with only their own line."""
    access = _access(request, read=False)
    user = access.user
    statements = selectors.payout_statements_for_user(user=user).filter(agents=user)
    items = [
        (statement, line)
        for statement in statements[:LIST_SIZE]
        for line in statement.document["lines"]
        if line["agent_id"] == user.pk
    ]
    context = {"access": access, "items": items, "section": "bonuses", "tab": "mine"}
    return render(request, "bonuses/pages/mine.html", context)
