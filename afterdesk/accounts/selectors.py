"""Reads of users, teams and API tokens, with the role checks that guard them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from afterdesk.accounts.models import ApiToken, Team, User
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError


def user_require_configure(*, user: User) -> None:
    """Configuration (teams, stores, …) is for admins only."""
    if not user.can_configure:
        raise PermissionDenied("only admins may change the configuration")


def user_with_teams(*, user: User) -> User:
    return User.objects.prefetch_related("teams").get(pk=user.pk)


def teams_list() -> QuerySet[Team]:
    """Every team; team names are not secret to anyone signed in."""
    return Team.objects.order_by("name")


def team_get_by_name(*, name: str, field: str = "team") -> Team:
    """An existing team, or a 422 naming the input field (teams are made by admins only)."""
    team = Team.objects.filter(name=name).first()
    if team is None:
        raise ValidationError(f"unknown team {name!r}", field=field)
    return team


def agent_get_by_username(*, username: str, field: str = "agent") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"unknown agent {username!r}", field=field)
    return user


def agents_for_user(*, user: User) -> QuerySet[User]:
    """The people of the desk, for supervisors and admins (they manage them)."""
    if not user.sees_all_tickets:
        raise PermissionDenied("only supervisors and admins may list agents")
    return User.objects.prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    ).order_by("username")


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; another person's token is not revealed to exist."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(f"token {token_id} not found")
    return token
