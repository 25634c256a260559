"""Writes for users, teams, profiles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.accounts.models import AgentProfile, ApiToken, Role, Team, User
from afterdesk.core.errors import Conflict, ValidationError

TOKEN_PREFIX = "adk_"  # noqa: S105 - a public prefix, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def agent_upsert(
    *,
    username: str,
    name: str,
    role: str = Role.AGENT,
    team: str | None = None,
    shift: str = "",
    languages: list[str] | None = None,
    email: str = "",
    password: str | None = None,
) -> User:
    """Create or replace an agent's fields (history `agent` line semantics, METRICS.md §1)."""
    if role not in Role.values:
        raise ValidationError(f"unknown role {role!r}", field="role")
    user, _created = User.objects.get_or_create(username=username)
    user.display_name = name
    user.role = role
    user.email = email
    if password is not None:
        user.set_password(password)
    elif _created:
        user.set_unusable_password()
    user.save()
    AgentProfile.objects.update_or_create(
        user=user, defaults={"shift": shift, "languages": list(languages or [])}
    )
    if team:
        user.teams.set([team_get_or_create(name=team)])
    else:
        user.teams.clear()
    return user


def team_get_or_create(*, name: str) -> Team:
    team, _ = Team.objects.get_or_create(name=name)
    return team


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(raw)
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(*, raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def team_create(*, name: str) -> Team:
    """A new team; a name already taken is a conflict (the caller checked the admin role)."""
    name = name.strip()
    if not name:
        raise ValidationError("the team name is empty", field="name")
    try:
        with transaction.atomic():
            return Team.objects.create(name=name)
    except IntegrityError as error:
        raise Conflict(f"a team named {name!r} already exists", field="name") from error
