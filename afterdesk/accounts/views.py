"""Sign-in pages (Django's views, see urls.py), the lockout page, the positions page (admins
see every position in use with its agents and change an agent's position, htmx) and the API
tokens page (everyone: create, list and revoke their tokens; admins everyone's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER, set_language

from afterdesk.accounts import selectors, services
from afterdesk.accounts.forms import PersonForm, PositionForm, TeamForm, TokenForm
from afterdesk.accounts.models import ApiToken, User
from afterdesk.core import errors
from afterdesk.core.htmx import render_page_or_partial, wants_partial


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Too many failed logins (django-axes): say so plainly, with 429."""
    return render(request, "accounts/locked_out.html", status=429)


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (the cookie and the redirect), and for a signed-in person the
    choice kept on their account: the desk's emails and notifications to them use it."""
    response = set_language(request)
    code = request.POST.get(LANGUAGE_QUERY_PARAMETER, "") if request.method == "POST" else ""
    user = request.user
    if isinstance(user, User) and code and response.cookies.get(settings.LANGUAGE_COOKIE_NAME):
        services.user_language_set(user=user, language=code)
    return response


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


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - login_required ran first
        raise PermissionDenied
    return user


def _render_tokens(
    request: HttpRequest,
    *,
    user: User,
    form: TokenForm | None = None,
    created: ApiToken | None = None,
    key: str = "",
    status: int = 200,
) -> HttpResponse:
    """The tokens page or, for htmx, its area; `key` is a token's secret, shown on the
    answer that created it and never again (only its SHA-256 is stored)."""
    context = {
        "tokens": list(selectors.api_tokens_visible_to(user=user)),
        "form": form or TokenForm(),
        "created": created,
        "key": key,
        "now": timezone.now(),
        "sees_all": user.can_configure,
    }
    return render_page_or_partial(
        request,
        page="accounts/pages/tokens.html",
        partial="accounts/partials/tokens.html",
        context=context,
        status=status,
    )


@never_cache  # the answer to a creation holds the secret: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    """GET: the tokens; POST: create one and show its secret this once."""
    user = _signed_in(request)
    if request.method == "GET":
        return _render_tokens(request, user=user)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            expires_at = services.api_token_expiry(
                expires_in_days=form.cleaned_data["expires_in_days"]
            )
            token, key = services.api_token_create(
                user=user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except errors.ValidationError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
    if form.errors:
        return _render_tokens(request, user=user, form=form, status=422)
    return _render_tokens(request, user=user, created=token, key=key, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token (one's own; an admin any); htmx gets the tokens area back."""
    user = _signed_in(request)
    try:
        token = selectors.api_token_get_for_user(user=user, token_id=token_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    services.api_token_revoke(token=token)
    if wants_partial(request):
        return _render_tokens(request, user=user)
    messages.success(request, _("Token %(token)s revoked.") % {"token": token})
    return redirect("accounts:tokens")


# The people page: users, their positions, teams and access, and the teams (admins only).


def _people_context(
    by: User, *, form: PersonForm | None = None, team_form: TeamForm | None = None
) -> dict[str, Any]:
    return {
        "people": selectors.people_list(user=by),
        "teams": selectors.teams_with_sizes(user=by),
        "form": form or PersonForm(),
        "team_form": team_form or TeamForm(),
        "suggestions": sorted({*selectors.SUGGESTED_POSITIONS} - {""}),
    }


def _person_save(by: User, form: PersonForm, person: User | None) -> User | None:
    """The form's person saved, or None with the service's refusal on its field."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.person_save(
            by=by,
            user=person,
            username=data["username"] if person is None else person.username,
            display_name=data["display_name"],
            email=data["email"],
            position=data["position"],
            admin=data["admin"],
            teams=list(data["teams"]),
            languages=form.languages_list(),
            active=data["active"] if person is not None else True,
            password=data["password"] or None,
        )
    except errors.DomainError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def people_page(request: HttpRequest) -> HttpResponse:
    """Everyone with their access, position and teams; POST adds a person."""
    by = _admin(request)
    if request.method == "GET":
        return render(request, "accounts/pages/people.html", _people_context(by))
    form = PersonForm(request.POST)
    if not form.data.get("username", "").strip():
        form.add_error("username", _("A new person needs a username."))
    person = None if form.errors else _person_save(by, form, None)
    if person is None:
        return render(
            request, "accounts/pages/people.html", _people_context(by, form=form), status=422
        )
    messages.success(request, _("%(person)s added.") % {"person": person})
    return redirect("accounts:person", username=person.username)


@login_required
@require_http_methods(["GET", "POST"])
def person_page(request: HttpRequest, username: str) -> HttpResponse:
    """One person's fields, access, teams and password."""
    by = _admin(request)
    try:
        person = selectors.agent_get_for_admin(user=by, username=username)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        form = PersonForm(request.POST)
        if _person_save(by, form, person) is not None:
            messages.success(request, _("%(person)s saved.") % {"person": person})
            return redirect("accounts:person", username=person.username)
        status = 422
    else:
        profile = getattr(person, "profile", None)
        form = PersonForm(
            initial={
                "display_name": person.display_name,
                "email": person.email,
                "position": person.position,
                "admin": person.role == "admin",
                "teams": list(person.teams.all()),
                "languages": ", ".join(profile.languages if profile else []),
                "active": person.is_active,
            }
        )
        status = 200
    del form.fields["username"]
    context = {"person": person, "form": form, "suggestions": sorted(selectors.SUGGESTED_POSITIONS)}
    return render(request, "accounts/pages/person.html", context, status=status)


@login_required
@require_POST
def team_add(request: HttpRequest) -> HttpResponse:
    by = _admin(request)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_create(name=form.cleaned_data["name"])
        except errors.DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Team %(team)s added.") % {"team": team.name})
            return redirect("accounts:people")
    context = _people_context(by, team_form=form)
    return render(request, "accounts/pages/people.html", context, status=422)


@login_required
@require_POST
def team_rename(request: HttpRequest, team_id: int) -> HttpResponse:
    by = _admin(request)
    team = selectors.teams_list().filter(pk=team_id).first()
    if team is None:
        raise Http404("no such team")
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            services.team_rename(by=by, team=team, name=form.cleaned_data["name"])
        except errors.DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Team renamed to %(team)s.") % {"team": team.name})
            return redirect("accounts:people")
    messages.error(request, " ".join(str(e) for e in form.errors.get("name", [])))
    return redirect("accounts:people")
