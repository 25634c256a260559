"""Who may see which performance page: the one permission helper of the metrics views.

- managers (supervisors and admins): every page, every agent's figures;
- admins: also writes to scorecard templates and the metrics settings;
- everyone signed in: their own scorecard and drill-down to their own tickets;
- the leaderboard: managers always, others only while the public leaderboard is on (and then
  ranks and totals only).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from afterdesk.accounts.models import User
from afterdesk.metrics.models import MetricsSettings

Need = Literal["self", "manage", "configure", "leaderboard"]


@dataclass(frozen=True)
class Access:
    user: User

    @property
    def manager(self) -> bool:
        return self.user.sees_all_tickets

    @property
    def admin(self) -> bool:
        return self.user.can_configure

    @cached_property
    def leaderboard(self) -> bool:
        """Managers always; others while the public leaderboard is on (one query, cached)."""
        return self.manager or MetricsSettings.load().public_leaderboard

    def agent(self, username: str) -> User:
        """The agent whose figures are asked for: managers any (unknown → 404), others only
        themselves (another agent → 403)."""
        if not username or username == self.user.username:
            return self.user
        if not self.manager:
            raise PermissionDenied
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as error:
            raise Http404("no such agent") from error


def access_require(request: HttpRequest, need: Need) -> Access:
    """The signed-in user's access, or 403 when it does not cover `need`."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    access = Access(request.user)
    allowed = {
        "self": True,
        "manage": access.manager,
        "configure": access.admin,
        "leaderboard": need == "leaderboard" and access.leaderboard,
    }[need]
    if not allowed:
        raise PermissionDenied
    return access
