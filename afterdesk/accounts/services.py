"""Writes for users, teams, profiles and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from afterdesk.accounts.models import (
    POSITION_MAX_LENGTH,
    AgentProfile,
    ApiToken,
    Role,
    Team,
    User,
    access_level_for_position,
)
from afterdesk.core.errors import Conflict, DomainError, PermissionDenied, ValidationError

logger = logging.getLogger(__name__)

TOKEN_USE_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "adk_"  # noqa: S105 - a public prefix, not a secret
TOKEN_MAX_LIFETIME_DAYS = 3650
# How long recording a token's last use may wait for SQLite's write lock: the request must
# not wait the full busy timeout (10 s) for a bookkeeping write (docs/reliability.md).
TOKEN_USE_LOCK_WAIT_MS = 200


class TokenExpired(DomainError):
    """A token past its `expires_at`: the API answers 401 saying so."""

    status = 401


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def position_clean(position: object, *, field: str = "position") -> str:
    """A position as stored: free text of 1 to 64 characters, or "" for none.

    A value of only spaces is refused rather than stored: it would look like no position."""
    if not isinstance(position, str):
        raise ValidationError(_("the position must be a string"), field=field)
    if "\x00" in position:
        raise ValidationError(_("the position must not contain NUL characters"), field=field)
    if len(position) > POSITION_MAX_LENGTH:
        raise ValidationError(
            _("the position is longer than %(limit)s characters") % {"limit": POSITION_MAX_LENGTH},
            field=field,
        )
    if position and not position.strip():
        raise ValidationError(
            _("the position is blank: give 1 to %(limit)s characters, or none")
            % {"limit": POSITION_MAX_LENGTH},
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
        raise PermissionDenied(_("only admins may change positions"))
    position = position_clean(position)
    role = access_level_for(user=user, position=position)
    if (user.position, user.role) != (position, role):
        user.position, user.role = position, role
        user.save(update_fields=["position", "role"])
    return user


def team_get_or_create(*, name: str) -> Team:
    team, _created = Team.objects.get_or_create(name=name)
    return team


def api_token_expiry(
    *,
    expires_at: datetime | None = None,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """When a new token expires: at `expires_at`, or `expires_in_days` from now, or never
    (neither given). A moment in the past, both at once, or a lifetime outside 1 day to
    10 years is a 422 naming the field. A moment without a time zone is in TIME_ZONE."""
    now = now or timezone.now()
    if expires_at is not None and expires_in_days is not None:
        raise ValidationError(
            _("give expires_at or expires_in_days, not both"), field="expires_in_days"
        )
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= TOKEN_MAX_LIFETIME_DAYS:
            raise ValidationError(
                _("expires_in_days must be from 1 to %(limit)s")
                % {"limit": TOKEN_MAX_LIFETIME_DAYS},
                field="expires_in_days",
            )
        return now + timedelta(days=expires_in_days)
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at <= now:
        raise ValidationError(_("expires_at is not in the future"), field="expires_at")
    if expires_at > now + timedelta(days=TOKEN_MAX_LIFETIME_DAYS):
        raise ValidationError(
            _("expires_at is more than %(limit)s days away") % {"limit": TOKEN_MAX_LIFETIME_DAYS},
            field="expires_at",
        )
    return expires_at


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token (expiring at `expires_at`, or never); the raw key is returned once and
    never stored. `expires_at` comes from `api_token_expiry`."""
    name = name.strip()
    if not name:
        raise ValidationError(_("the token name is empty"), field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(raw),
        expires_at=expires_at,
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
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenExpired(
            f"this API token expired at {token.expires_at.isoformat()}: create a new one"
        )
    # The last use to the minute: a busy client does not write on every request (each
    # write costs a statement and, on SQLite, the database's one write lock).
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        api_token_use_record(token_id=token.pk, at=now)
    return token.user


def api_token_use_record(*, token_id: int, at: datetime) -> bool:
    """Write a token's last use, as bookkeeping that never fails nor holds up the request:
    on SQLite it waits at most TOKEN_USE_LOCK_WAIT_MS for the write lock (not the busy
    timeout), and a database error (e.g. "database is locked" while another process writes)
    is logged and dropped; the next request a minute on tries again. True when written.

    Requests run outside a transaction (no ATOMIC_REQUESTS), so a failure here leaves nothing
    to roll back; inside one, SQLite undoes only the failed statement."""
    connection = connections[ApiToken.objects.db]
    try:
        with _lock_wait_at_most(connection, TOKEN_USE_LOCK_WAIT_MS):
            ApiToken.objects.filter(pk=token_id).update(last_used_at=at)
    except DatabaseError as error:
        logger.warning("API token %s: its last use was not recorded: %s", token_id, error)
        return False
    return True


@contextmanager
def _lock_wait_at_most(connection: BaseDatabaseWrapper, milliseconds: int) -> Iterator[None]:
    """On SQLite, the connection's busy timeout lowered for the block, then restored.

    The PRAGMAs go to the driver's connection directly: they set a number in this process
    (no I/O, no lock), so they are not counted among the request's statements."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    previous = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
    driver.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA busy_timeout = {previous}")


def user_language_set(*, user: User, language: str) -> str:
    """Keep `language` (a code of `settings.LANGUAGES`) as the person's own; returns the
    code kept. An unknown code changes nothing."""
    code = language.strip().lower()
    if code not in {known for known, _name in settings.LANGUAGES}:
        return user.language
    if user.language != code:
        user.language = code
        User.objects.filter(pk=user.pk).update(language=code)
    return code


def team_create(*, name: str) -> Team:
    """A new team; a name already taken is a conflict (the caller checked the admin role)."""
    name = name.strip()
    if not name:
        raise ValidationError(_("the team name is empty"), field="name")
    try:
        with transaction.atomic():
            return Team.objects.create(name=name)
    except IntegrityError as error:
        raise Conflict(
            _("a team named %(name)s already exists") % {"name": repr(name)}, field="name"
        ) from error


def _admins_left_after(user: User, *, role: str, active: bool) -> int:
    """How many active admins the desk keeps if `user` becomes `role`/`active`."""
    others = User.objects.filter(is_active=True, role=Role.ADMIN).exclude(pk=user.pk).count()
    return others + (1 if active and role == Role.ADMIN else 0)


@transaction.atomic
def person_save(
    *,
    by: User,
    user: User | None,
    username: str,
    display_name: str,
    email: str,
    position: str,
    admin: bool,
    teams: list[Team],
    languages: list[str],
    active: bool = True,
    password: str | None = None,
) -> User:
    """Create (`user` None) or change a person from the people page (admins only).

    The access level follows the position as everywhere (`access_level_for`), and `admin`
    makes an administrator. The desk always keeps one active administrator: the last one can
    be neither demoted nor deactivated, and nobody deactivates themselves (they would lock
    themselves out mid-change). A password, when given, passes Django's validators."""
    if not by.can_configure:
        raise PermissionDenied(_("only admins may manage people"))
    position = position_clean(position)
    created = user is None
    if user is None:
        username = username.strip()
        if not username:
            raise ValidationError(_("the username is empty"), field="username")
        if User.objects.filter(username=username).exists():
            raise Conflict(
                _("the username %(name)s is taken") % {"name": repr(username)}, field="username"
            )
        user = User(username=username)
    role = Role.ADMIN.value if admin else access_level_for_position(position)
    if not created:
        if user.pk == by.pk and not active:
            raise ValidationError("you cannot deactivate yourself", field="active")
        if user.role == Role.ADMIN and _admins_left_after(user, role=role, active=active) == 0:
            raise ValidationError("the desk needs at least one active admin", field="admin")
    if password:
        try:
            validate_password(password, user)
        except DjangoValidationError as error:
            raise ValidationError(" ".join(error.messages), field="password") from error
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.position, user.role, user.is_active = position, role, active
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a concurrent create of the same username
        raise Conflict(
            _("the username %(name)s is taken") % {"name": repr(username)}, field="username"
        ) from error
    user.teams.set(teams)
    AgentProfile.objects.update_or_create(
        user=user, defaults={"languages": [code.strip() for code in languages if code.strip()]}
    )
    return user


def team_rename(*, by: User, team: Team, name: str) -> Team:
    """Rename a team (admins only); a taken name is a conflict. Tickets and history keep
    pointing at the same team: they hold its id, and exports write its current name."""
    if not by.can_configure:
        raise PermissionDenied("only admins may rename teams")
    name = name.strip()
    if not name:
        raise ValidationError(_("the team name is empty"), field="name")
    if name == team.name:
        return team
    try:
        with transaction.atomic():
            team.name = name
            team.save(update_fields=["name"])
    except IntegrityError as error:
        raise Conflict(
            _("a team named %(name)s already exists") % {"name": repr(name)}, field="name"
        ) from error
    return team
