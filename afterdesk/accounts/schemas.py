"""Schemas of the accounts API: the caller, API tokens, teams and agents."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.accounts.models import POSITION_MAX_LENGTH, ApiToken, Role, User
from afterdesk.core.api_schemas import InputSchema, SafeStr


class TeamOut(Schema):
    id: int
    name: str


class TeamIn(InputSchema):
    name: SafeStr = Field(min_length=1, max_length=100)


class UserOut(Schema):
    username: str
    display_name: str
    role: Role = Field(description="The access level: admin, supervisor, agent or qa_reviewer")
    position: str = Field(
        description='The position in the team (free text, "" for none): the history\'s `role`'
    )
    teams: list[str]
    is_active: bool

    @staticmethod
    def resolve_teams(obj: User) -> list[str]:
        return [team.name for team in obj.teams.all()]


class PositionIn(InputSchema):
    position: SafeStr = Field(
        max_length=POSITION_MAX_LENGTH,
        description='The new position, 1 to 64 characters, or "" for none',
    )


class MeOut(UserOut):
    email: str
    sees_all_tickets: bool
    can_configure: bool


class TokenOut(Schema):
    id: int
    name: str
    user: str = Field(description="The owner's username")
    prefix: str = Field(description="The first characters of the key, to tell tokens apart")
    created_at: datetime
    last_used_at: datetime | None = Field(description="The last use, to the minute")
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When the token stops working; null: never")

    @staticmethod
    def resolve_user(obj: ApiToken | dict[str, object]) -> str:
        # A dict when a TokenCreatedOut is built from a dumped TokenOut.
        return str(obj["user"]) if isinstance(obj, dict) else obj.user.username


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The token itself; shown this once and never again")


class TokenIn(InputSchema):
    name: SafeStr = Field(min_length=1, max_length=100)
    expires_at: datetime | None = Field(
        default=None, description="When the token stops working (at most 10 years away)"
    )
    expires_in_days: int | None = Field(
        default=None, description="Or: the token stops working this many days from now"
    )
