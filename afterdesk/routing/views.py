"""The routing pages: rules, agents' skills and shifts, teams' settings (supervisors read,
admins edit: `routing.access`, the API's rule), one's own presence (the header's toggle) and
the approval requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from afterdesk.accounts.models import AgentProfile, User
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied
from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.routing import access, approvals, rules, selectors, services
from afterdesk.routing.assign import team_settings
from afterdesk.routing.forms import AgentRoutingForm, RuleForm, TeamRoutingForm
from afterdesk.routing.models import Presence


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _call(function: Callable[..., Any], **kwargs: Any) -> Any:
    """A selector, with the domain's 403 and 404 as Django's."""
    try:
        return function(**kwargs)
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "rules": _call(selectors.rules_list, user=user),
        "agents": _call(selectors.agents_routing, user=user),
        "teams": _call(selectors.teams_routing, user=user),
        "can_edit": access.can_configure(user),
    }
    return render(request, "routing/overview.html", context)


def _save(form: Any, save: Callable[[dict[str, Any]], Any]) -> int | None:
    """Run the service; its refusal is shown on the form (returns its status)."""
    try:
        save(dict(form.cleaned_data))
    except DomainError as error:
        form.add_error(
            error.field if error.field in form.fields else None,
            RULE_TEXT.shown(error.message),
        )
        return error.status
    return None


@login_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = _user(request)
    _call(access.configure_require, user=user)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id) if rule_id else None
    form = RuleForm.for_rule(request.POST or None, rule)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        if rule is None:
            failed = _save(form, lambda data: rules.rule_create(by=user, data=data))
        else:
            failed = _save(form, lambda data: rules.rule_update(by=user, rule=rule, data=data))
        if failed is None:
            return redirect("routing:overview")
        status = failed
    title = rule.name if rule else None
    return render(request, "routing/edit.html", {"form": form, "title": title}, status=status)


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _user(request)
    rule = _call(selectors.rule_get, user=user, rule_id=rule_id)
    _call(rules.rule_delete, by=user, rule=rule)
    return redirect("routing:overview")


@login_required
def agent_edit(request: HttpRequest, username: str) -> HttpResponse:
    user = _user(request)
    _call(access.configure_require, user=user)
    _call(selectors.agent_routing, user=user, username=username)
    agent = User.objects.get(username=username)
    languages = AgentProfile.objects.filter(user=agent).values_list("languages", flat=True).first()
    form = AgentRoutingForm.for_agent(
        request.POST or None, services.profile_get(agent), languages or []
    )
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        failed = _save(
            form, lambda data: services.agent_routing_update(by=user, user=agent, data=data)
        )
        if failed is None:
            return redirect("routing:overview")
        status = failed
    context = {"form": form, "title": str(agent)}
    return render(request, "routing/edit.html", context, status=status)


@login_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    user = _user(request)
    _call(access.configure_require, user=user)
    team = _call(selectors.team_get, user=user, team_id=team_id)
    form = TeamRoutingForm.for_team(request.POST or None, team_settings(team))
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        failed = _save(
            form, lambda data: services.team_routing_update(by=user, team=team, data=data)
        )
        if failed is None:
            return redirect("routing:overview")
        status = failed
    context = {"form": form, "title": team.name}
    return render(request, "routing/edit.html", context, status=status)


@login_required
def presence(request: HttpRequest) -> HttpResponse:
    """The header's toggle (loaded by htmx, so pages pay no query for it); a POST sets one's
    own presence and answers the toggle again, or goes back without htmx."""
    user = _user(request)
    if request.method == "POST":
        try:
            services.presence_set(user=user, presence=request.POST.get("presence", ""))
        except DomainError as error:
            return HttpResponse(error.message, status=error.status)
        if not request.headers.get("HX-Request"):
            return redirect(request.POST.get("next") or "tickets:inbox")
    profile = services.profile_get(user)
    context = {"presence": profile.presence, "choices": Presence.choices}
    return render(request, "routing/presence.html", context)


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        try:
            approvals.approval_decide(
                by=user,
                request_id=int(request.POST.get("request", "0") or 0),
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
        except DomainError as error:
            return HttpResponse(error.message, status=error.status)
        return redirect("routing:approvals")
    rows = approvals.approvals_visible(user)[:200]
    context = {"requests": rows, "can_decide": access.can_decide(user)}
    return render(request, "routing/approvals.html", context)
