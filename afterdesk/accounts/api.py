"""The caller, their API tokens, teams (admins configure them) and agents (admins set their
positions)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from afterdesk.accounts import selectors, services
from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import ApiToken, Team, User
from afterdesk.accounts.schemas import (
    MeOut,
    PositionIn,
    TeamIn,
    TeamOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserOut,
)
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS, Id

router = Router(tags=["accounts"])
# Checked before the path, query and body are read (afterdesk.accounts.api_auth.requires).
CONFIGURE = requires(lambda user: selectors.user_require_configure(user=user))


@router.get("/me", response={200: MeOut, **AUTH_ERRORS})
def me(request: HttpRequest) -> User:
    return selectors.user_with_teams(user=request_user(request))


@router.get("/tokens", response={200: list[TokenOut], **AUTH_ERRORS})
def tokens_list(request: HttpRequest) -> list[ApiToken]:
    """The caller's own tokens (an admin's: everyone's), revoked and expired ones included;
    never their keys."""
    return list(selectors.api_tokens_visible_to(user=request_user(request)))


@router.post("/tokens", response={201: TokenCreatedOut, **WRITE_ERRORS})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    """A new token for the caller, expiring at `expires_at`, or `expires_in_days` from now,
    or never; the response holds the key, which is not stored."""
    expires_at = services.api_token_expiry(
        expires_at=payload.expires_at, expires_in_days=payload.expires_in_days
    )
    token, raw = services.api_token_create(
        user=request_user(request), name=payload.name, expires_at=expires_at
    )
    return Status(201, TokenCreatedOut(**TokenOut.model_validate(token).model_dump(), key=raw))


@router.delete("/tokens/{token_id}", response={204: None, **READ_ERRORS})
def token_revoke(request: HttpRequest, token_id: Id) -> Status[None]:
    """Revoke a token: one's own, or any as an admin; another person's token is a 404
    (revoking twice is fine)."""
    token = selectors.api_token_get_for_user(user=request_user(request), token_id=token_id)
    services.api_token_revoke(token=token)
    return Status(204, None)


@router.get("/teams", response={200: list[TeamOut], **AUTH_ERRORS})
def teams_list(request: HttpRequest) -> list[Team]:
    return list(selectors.teams_list())


@router.post("/teams", response={201: TeamOut, **WRITE_ERRORS}, auth=CONFIGURE)
def team_create(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    """Create a team (configuration: admins only)."""
    selectors.user_require_configure(user=request_user(request))
    return Status(201, services.team_create(name=payload.name))


@router.get("/agents", response={200: list[UserOut], **AUTH_ERRORS})
def agents_list(request: HttpRequest) -> list[User]:
    """Everyone who signs in, with role and teams (supervisors and admins)."""
    return list(selectors.agents_for_user(user=request_user(request)))


@router.patch("/agents/{path:username}", response={200: UserOut, **WRITE_ERRORS}, auth=CONFIGURE)
def agent_update(request: HttpRequest, username: str, payload: PositionIn) -> User:
    """Change an agent's position (admins). The access level follows it as on import:
    `supervisor`/`qa_reviewer` grant that access, any other position agent access; an admin
    stays an admin (docs/api.md, "Positions")."""
    by = request_user(request)
    agent = selectors.agent_get_for_admin(user=by, username=username)
    return services.agent_position_set(user=agent, position=payload.position, by=by)
