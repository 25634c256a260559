"""The SLA pages: the policies (supervisors read, admins edit: `sla.selectors`' one rule) and
"no response needed" from a ticket's SLA card."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied
from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.sla import selectors, services
from afterdesk.sla.forms import TARGET_LABELS, PolicyForm
from afterdesk.tickets.models import Priority
from afterdesk.tickets.selectors import ticket_get_for_user
from afterdesk.tickets.services import ticket_no_reply


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        policies = list(selectors.policies_list(user=user))
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from error
    # The targets are stored by codes (priority, target); the page names them in the
    # reader's language.
    priorities = dict(Priority.choices)
    for policy in policies:
        shown = [
            (
                priorities.get(priority, priority),
                [(TARGET_LABELS.get(t, t), minutes) for t, minutes in by_target.items()],
            )
            for priority, by_target in policy.targets.items()
        ]
        setattr(policy, "targets_shown", shown)  # noqa: B010 (a page-only attribute)
    context = {"policies": policies, "can_edit": user.can_configure}
    return render(request, "sla/pages/policies.html", context)


@login_required
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    user = _user(request)
    if not user.can_configure:
        raise PermissionDenied
    try:
        policy = selectors.policy_get(user=user, policy_id=policy_id) if policy_id else None
    except NotFound as error:
        raise Http404(error.message) from error
    form = PolicyForm(request.POST or None, policy=policy)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                services.policy_create(by=user, data=form.data_for_service())
            else:
                services.policy_update(by=user, policy=policy, data=form.data_for_service())
        except DomainError as error:
            form.add_error(
                error.field if error.field in form.fields else None,
                RULE_TEXT.shown(error.message),
            )
            status = error.status
        else:
            return redirect("sla:policies")
    context = {"form": form, "policy": policy}
    return render(request, "sla/pages/policy_edit.html", context, status=status)


@login_required
@require_POST
def no_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """ "No response needed" on a ticket the user may see (404 otherwise)."""
    user = _user(request)
    try:
        ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
        ticket_no_reply(ticket=ticket, by=user)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        return HttpResponse(error.message, status=error.status)
    return redirect("tickets:ticket", ticket_id=ticket_id)
