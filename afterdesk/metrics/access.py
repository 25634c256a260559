"""Who may see which performance figures: the one rule of the performance pages and the API
(and of the bonus, alert and report screens, which build on it).

- managers (supervisors and admins): every page and endpoint, every agent's figures;
- admins: also the writes (scorecard templates, their assignments, the metrics settings);
- everyone signed in: their own figures (scorecard, drill-down to their own tickets); asking
  for another agent's is refused before the username is looked up, so nobody can probe
  which usernames exist;
- the leaderboard: managers always, others only while the desk's leaderboard is public, and
  then the others' rank and total only.

The helpers raise the domain errors of `core.errors`; each surface answers them with its
own status codes (the pages: 403/404, the API: 403 and, for an unknown agent, 422 on
`agent`). docs/api.md lists who may call each endpoint; tests/metrics/test_access.py proves
the rule as a role × object matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.metrics.models import MetricsSettings

Need = Literal["self", "manage", "configure", "leaderboard"]

REFUSALS: dict[Need, str] = {
    "self": "authentication required",
    "manage": "only supervisors and admins may see this",
    "configure": "only admins may change the configuration",
    "leaderboard": "the leaderboard is not public on this desk",
}
OWN_ONLY = "agents may only see their own figures"


@dataclass(frozen=True)
class Access:
    """What one signed-in user may see of the performance figures."""

    user: User

    @property
    def manager(self) -> bool:
        """Supervisors and admins: every agent's figures."""
        return self.user.sees_all_tickets

    @property
    def admin(self) -> bool:
        """Admins: also the configuration."""
        return self.user.can_configure

    @cached_property
    def leaderboard(self) -> bool:
        """Managers always; others while the leaderboard is public (one query, cached)."""
        return self.manager or MetricsSettings.load().public_leaderboard

    def allows(self, need: Need) -> bool:
        if need == "self":
            return True
        if need == "manage":
            return self.manager
        if need == "configure":
            return self.admin
        return self.leaderboard


def access_for(user: object) -> Access:
    """The access of a signed-in user; anyone else (anonymous) is refused."""
    if not isinstance(user, User):
        raise PermissionDenied(REFUSALS["self"])
    return Access(user)


def access_require(user: object, need: Need, *, refusal: str | None = None) -> Access:
    """The user's access when it covers `need`, else PermissionDenied (with `refusal` as the
    message when given)."""
    access = access_for(user)
    if not access.allows(need):
        raise PermissionDenied(refusal or REFUSALS[need])
    return access


def access_agent(access: Access, username: str | None) -> User:
    """The agent whose figures are asked for: none (None) or oneself is oneself; another
    agent is for managers only (refused before the lookup); an unknown username is NotFound
    on `agent`."""
    if username is None or username == access.user.username:
        return access.user
    if not access.manager:
        raise PermissionDenied(OWN_ONLY)
    agent = User.objects.filter(username=username).first()
    if agent is None:
        raise NotFound(f"unknown agent {username!r}", field="agent")
    return agent


def access_rows(access: Access, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scorecard rows (live or published) as the user may see them: all of every row for
    managers; for anyone else their own row, and while the leaderboard is public the other
    agents' agent, total and rank."""
    if access.manager:
        return rows
    own = access.user.username
    return [
        row
        if row["agent"] == own
        else {"agent": row["agent"], "total": row["total"], "rank": row["rank"]}
        for row in rows
        if row["agent"] == own or access.leaderboard
    ]
