"""The Automations pages: the rules, a rule's form, enable/disable, its dry run and its firing
log (supervisors read, admins edit: `automations.access`, the API's rule)."""

from __future__ import annotations

import secrets
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
from afterdesk.automations.forms import (
    INDEX_RE,
    RuleForm,
    error_place,
    form_bound,
    form_clean,
    form_initial,
)
from afterdesk.automations.models import Rule
from afterdesk.automations.rule_rows import (
    ACTION_TYPES,
    CONDITION_FIELDS,
    action_row,
    condition_row,
    conditions_shown,
)
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
            "conditions": conditions_shown(rule.conditions),
            "actions": [action_public(a) for a in rule.actions],
            # Each action's type by its label in the reader's language (stored as a code).
            "action_labels": [
                ACTION_TYPES[a["type"]].label if a.get("type") in ACTION_TYPES else a.get("type")
                for a in rule.actions
            ],
        }
        for rule in rules
    ]
    pools = [
        {"pool": pool, "free": coupons.pool_free(pool)}
        for pool in _call(selectors.pools_list, user=user)
    ]
    context = {"rows": rows, "pools": pools, "can_edit": access.can_configure(user)}
    return render(request, "automations/overview.html", context)


def _configure(request: HttpRequest) -> User:
    user = _user(request)
    if not access.can_configure(user):
        raise PermissionDenied("only admins change automations")
    return user


def _preview(form: RuleForm, rule: Rule | None) -> dict[str, Any]:
    """The dry run of the rule as the form has it (nothing saved); errors when it has some."""
    data = form_clean(form, rule)
    if data is None:
        return {"dry_errors": True}
    previous = data.pop("previous_actions")
    try:
        fields = services.rule_clean(data, rule, previous)
    except DomainError as error:
        error_place(form, error)
        return {"dry_errors": True}
    preview = Rule(pk=rule.pk if rule else None, **fields)
    total, lines = dry_run(preview)
    return {"dry_total": total, "dry_lines": lines}


@login_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    """The rule form. Its buttons: save; dry run (what the rule as typed would touch,
    nothing saved); without JavaScript, add and remove rows (htmx does those in place)."""
    user = _configure(request)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id) if rule_id else None
    status = 200
    context: dict[str, Any] = {"rule": rule}
    if request.method == "POST":
        form = form_bound(request.POST)
        do = request.POST.get("do", "save")
        if do == "add-condition":
            form.conditions.append(condition_row(_new_index(), "channel"))
        elif do == "add-action":
            form.actions.append(action_row(_new_index(), "tag", {}))
        elif do.startswith("remove-"):
            index = do.rpartition("-")[2]
            form.conditions = [r for r in form.conditions if r.index != index]
            form.actions = [r for r in form.actions if r.index != index]
        elif do == "dry-run":
            context.update(_preview(form, rule))
        else:
            data = form_clean(form, rule)
            if data is not None:
                try:
                    previous = data.pop("previous_actions")
                    services.rule_save(by=user, data=data, rule=rule, previous_actions=previous)
                except DomainError as error:
                    error_place(form, error)
                else:
                    return redirect("automations:overview")
            status = 422
    else:
        form = form_initial(rule)
    context.update(form=form, **form.choices())
    return render(request, "automations/edit.html", context, status=status)


def _new_index() -> str:
    return secrets.token_hex(4)


@login_required
def rule_preview(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    """htmx: the dry run of the form as typed, in place."""
    user = _configure(request)
    if request.method != "POST":
        raise Http404
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id) if rule_id else None
    form = form_bound(request.POST)
    context = {"form": form, **_preview(form, rule)}
    return render(request, "automations/partials/dry_run.html", context)


@login_required
def condition_row_view(request: HttpRequest) -> HttpResponse:
    """htmx: a condition row (a new one, or one whose field changed); `remove` removes it."""
    _configure(request)
    if request.GET.get("remove"):
        return HttpResponse("")
    index = request.GET.get("index", "")
    index = index if INDEX_RE.match(index) else _new_index()
    row = condition_row(index, request.GET.get(f"c-{index}-field", "channel"))
    context = {"row": row, "condition_fields": [(k, f.label) for k, f in CONDITION_FIELDS.items()]}
    return render(request, "automations/partials/condition_row.html", context)


@login_required
def action_row_view(request: HttpRequest) -> HttpResponse:
    """htmx: an action row (a new one, or one whose type changed); `remove` removes it."""
    _configure(request)
    if request.GET.get("remove"):
        return HttpResponse("")
    index = request.GET.get("index", "")
    index = index if INDEX_RE.match(index) else _new_index()
    kind = request.GET.get(f"a-{index}-type", "tag")
    row = action_row(index, kind, {})
    context = {"row": row, "action_types": [(k, t.label) for k, t in ACTION_TYPES.items()]}
    return render(request, "automations/partials/action_row.html", context)


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
