"""Sign-in pages (Django's views, see urls.py), the lockout page and the positions page:
admins see every position in use with its agents and change an agent's position (htmx)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts import selectors, services
from afterdesk.accounts.forms import PositionForm
from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.core.htmx import render_page_or_partial, wants_partial


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Too many failed logins (django-axes): say so plainly, with 429."""
    return render(request, "accounts/locked_out.html", status=429)


def _admin(request: HttpRequest) -> User:
    """Positions are configuration: admins only (others get 403, as on the calendar pages)."""
    user = request.user
    if not isinstance(user, User) or not user.can_configure:
        raise PermissionDenied
    return user


def _positions_context(*, error_for: str = "", form: PositionForm | None = None) -> dict[str, Any]:
    positions = selectors.positions_list()
    suggestions = sorted({*selectors.SUGGESTED_POSITIONS, *positions} - {""})
    return {
        "positions": positions,
        "suggestions": suggestions,
        "error_for": error_for,
        "form": form,
    }


def _render_positions(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render_page_or_partial(
        request,
        page="accounts/pages/positions.html",
        partial="accounts/partials/positions.html",
        context=context,
        status=status,
    )


@login_required
@require_GET
def positions_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return _render_positions(request, _positions_context())


@login_required
@require_POST
def position_set(request: HttpRequest, username: str) -> HttpResponse:
    """Change one agent's position; htmx gets the positions list back, others a redirect."""
    by = _admin(request)
    try:
        agent = selectors.agent_get_for_admin(user=by, username=username)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    form = PositionForm(request.POST)
    if form.is_valid():
        try:
            services.agent_position_set(user=agent, position=form.cleaned_data["position"], by=by)
        except errors.ValidationError as error:
            form.add_error("position", error.message)
    if form.errors:
        context = _positions_context(error_for=agent.username, form=form)
        return _render_positions(request, context, status=422)
    if wants_partial(request):
        return _render_positions(request, _positions_context())
    messages.success(request, _("Position of %(agent)s saved.") % {"agent": agent})
    return redirect("accounts:positions")
