"""The Automations pages: the rules, a rule's form, enable/disable, its dry run and its firing
log (supervisors read, admins edit: `automations.access`, the API's rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from afterdesk.accounts.models import User
from afterdesk.automations import access, coupons, selectors, services
from afterdesk.automations.actions import action_public
from afterdesk.automations.conditions import conditions_words
from afterdesk.automations.forms import RuleForm, rule_initial
from afterdesk.automations.timerules import dry_run
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _call(function: Callable[..., Any], **kwargs: Any) -> Any:
    """A selector or service, with the domain's 403 and 404 as Django's."""
    try:
        return function(**kwargs)
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rules = _call(selectors.rules_list, user=user)
    rows = [
        {
            "rule": rule,
            "conditions": conditions_words(rule.conditions),
            "actions": [action_public(a) for a in rule.actions],
        }
        for rule in rules
    ]
    pools = [
        {"pool": pool, "free": coupons.pool_free(pool)}
        for pool in _call(selectors.pools_list, user=user)
    ]
    context = {"rows": rows, "pools": pools, "can_edit": access.can_configure(user)}
    return render(request, "automations/overview.html", context)


@login_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = _user(request)
    if not access.can_configure(user):
        raise PermissionDenied("only admins change automations")
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id) if rule_id else None
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                services.rule_save(by=user, data=form.data_for_service(), rule=rule)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                return redirect("automations:overview")
        else:
            status = 422
    else:
        form = RuleForm(initial=rule_initial(rule)) if rule else RuleForm()
    context = {"form": form, "rule": rule}
    return render(request, "automations/edit.html", context, status=status)


@login_required
@require_POST
def rule_enable(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id)
    _call(services.rule_enable, by=user, rule=rule, enabled=request.POST.get("enabled") == "1")
    return redirect("automations:overview")


@login_required
def rule_dry_run(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id)
    total, lines = dry_run(rule)
    context = {"rule": rule, "total": total, "lines": lines}
    return render(request, "automations/dry_run.html", context)


@login_required
def rule_firings(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id)
    firings = _call(selectors.firings_list, user=user, rule=rule)
    return render(request, "automations/firings.html", {"rule": rule, "firings": firings})
