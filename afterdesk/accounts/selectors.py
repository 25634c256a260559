"""Reads of users, teams and API tokens, with the role checks that guard them."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from afterdesk.accounts.models import POSITION_ACCESS, ApiToken, Team, User, language_or_default
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError


def emails_by_language(emails: list[str]) -> dict[str, list[str]]:
    """The addresses grouped by the language their person reads the desk in (one query); an
    address of nobody here, in the desk's default language. Groups keep the given order."""
    known: dict[str, str] = {}
    for email, language in User.objects.filter(email__in=emails).values_list("email", "language"):
        known.setdefault(email.strip().lower(), language)
    groups: dict[str, list[str]] = {}
    for email in emails:
        groups.setdefault(language_or_default(known.get(email.strip().lower())), []).append(email)
    return groups


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


def agent_get_for_admin(*, user: User, username: str) -> User:
    """A user whose position an admin may change: any user, by username (404 otherwise)."""
    user_require_configure(user=user)
    agent = User.objects.prefetch_related("teams").filter(username=username).first()
    if agent is None:
        raise NotFound(f"agent {username!r} not found")
    return agent


# Positions the contract names (docs/metrics.md, "Position is not access"): offered beside
# the ones in use.
SUGGESTED_POSITIONS = (
    "first_line",
    "second_line",
    "returns_specialist",
    "minor_language",
    "new_agent",
    "team_lead",
    *POSITION_ACCESS,
)


def positions_list() -> dict[str, list[User]]:
    """Every position in use → its users (by username, teams prefetched): positions in
    code-point order (the same on every database), "" (no position) last. Two queries,
    whatever the number of users."""
    users = User.objects.prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    ).order_by("username")
    grouped: dict[str, list[User]] = {}
    for user in users:
        grouped.setdefault(user.position, []).append(user)
    return {position: grouped[position] for position in sorted(grouped, key=_no_position_last)}


def _no_position_last(position: str) -> tuple[bool, str]:
    return (position == "", position)


def position_for_history(*, user: User) -> str:
    """The `role` an export writes for `user` ("" for none): the position, unchanged; for a
    supervisor or QA reviewer with no position (made in the app), that access level, so that
    importing the export gives them the same access (docs/history.md, "Export")."""
    if user.position:
        return user.position
    return user.role if user.role in POSITION_ACCESS.values() else ""


def api_tokens_visible_to(*, user: User) -> QuerySet[ApiToken]:
    """The tokens `user` may see and revoke: an admin every token, anyone else their own;
    newest first, with their owners (one query)."""
    tokens = ApiToken.objects.select_related("user")
    if not user.can_configure:
        tokens = tokens.filter(user=user)
    return tokens.order_by("-created_at", "-id")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """A token `user` may revoke (`api_tokens_visible_to`); a token they may not see is not
    revealed to exist (404)."""
    token = api_tokens_visible_to(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"token {token_id} not found")
    return token


def people_list(*, user: User) -> QuerySet[User]:
    """Everyone who can sign in or was imported, with teams and profile, for the people page
    (admins): active first, then by name."""
    user_require_configure(user=user)
    return (
        User.objects.select_related("profile")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("-is_active", "username")
    )


def teams_with_sizes(*, user: User) -> QuerySet[Team]:
    """The teams with their number of active members, for the people page (admins)."""
    user_require_configure(user=user)
    return Team.objects.annotate(
        active_members=Count("members", filter=Q(members__is_active=True))
    ).order_by("name")
