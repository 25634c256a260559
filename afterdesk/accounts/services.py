"""Writes for users, teams, profiles and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.accounts.models import (
    POSITION_MAX_LENGTH,
    AgentProfile,
    ApiToken,
    Role,
    Team,
    User,
    access_level_for_position,
)
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError

TOKEN_USE_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "adk_"  # noqa: S105 - a public prefix, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def position_clean(position: object, *, field: str = "position") -> str:
    """A position as stored: free text of 1 to 64 characters, or "" for none.

    A value of only spaces is refused rather than stored: it would look like no position."""
    if not isinstance(position, str):
        raise ValidationError("the position must be a string", field=field)
    if "\x00" in position:
        raise ValidationError("the position must not contain NUL characters", field=field)
    if len(position) > POSITION_MAX_LENGTH:
        raise ValidationError(
            f"the position is longer than {POSITION_MAX_LENGTH} characters", field=field
        )
    if position and not position.strip():
        raise ValidationError(
            f"the position is blank: give 1 to {POSITION_MAX_LENGTH} characters, or none",
            field=field,
        )
    return position


def access_level_for(*, user: User | None, position: str) -> str:
    """The access level (`User.role`) that `user` gets with `position` (docs/metrics.md,
    "Position is not access"; the history import and the position change use this one rule).

    An admin keeps admin access: setting a position never makes an administrator (every
    position but `supervisor`/`qa_reviewer` gives agent access, `admin` included) and never
    locks the existing one out. `is_superuser` is never touched, so a superuser keeps admin
    access whatever their role. Everyone else, a new user included, gets what the position
    grants (`access_level_for_position`)."""
    if user is not None and user.role == Role.ADMIN:
        return Role.ADMIN.value
    return access_level_for_position(position)


@transaction.atomic
def agent_upsert(
    *,
    username: str,
    name: str,
    position: str = "",
    team: str | None = None,
    shift: str = "",
    languages: list[str] | None = None,
    email: str = "",
    password: str | None = None,
) -> User:
    """Create or replace an agent's fields (history `agent` line semantics,
    docs/history.md, "Idempotence"):
    `position` is the line's `role` ("" when it has none); the access level follows it
    (`access_level_for`)."""
    position = position_clean(position)
    user = User.objects.filter(username=username).first()
    role = access_level_for(user=user, position=position)
    created = user is None
    if user is None:
        user = User(username=username)
    user.display_name = name
    user.position = position
    user.role = role
    user.email = email
    if password is not None:
        user.set_password(password)
    elif created:
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


@transaction.atomic
def agent_position_set(*, user: User, position: str, by: User) -> User:
    """Give `user` a position (admins only; "" for none). The access level follows it as on
    import (`access_level_for`): `supervisor` and `qa_reviewer` grant that access, any other
    position gives agent access, and an admin stays an admin. So what the app stores is what
    an export writes and a later import reproduces (docs/api.md, "Positions")."""
    if not by.can_configure:
        raise PermissionDenied("only admins may change positions")
    position = position_clean(position)
    role = access_level_for(user=user, position=position)
    if (user.position, user.role) != (position, role):
        user.position, user.role = position, role
        user.save(update_fields=["position", "role"])
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
    # The last use to the minute: a busy client does not write on every request (each
    # write costs a statement and, on SQLite, the database's one write lock).
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
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
