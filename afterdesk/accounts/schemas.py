"""Schemas of the accounts API: the caller, API tokens, teams and agents."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.accounts.models import POSITION_MAX_LENGTH, Role, User
from afterdesk.core.api_schemas import SafeStr


class TeamOut(Schema):
    id: int
    name: str


class TeamIn(Schema):
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


class PositionIn(Schema):
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
    prefix: str = Field(description="The first characters of the key, to tell tokens apart")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The token itself; shown this once and never again")


class TokenIn(Schema):
    name: SafeStr = Field(min_length=1, max_length=100)
