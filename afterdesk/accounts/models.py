"""Users (agents are users), roles, teams, agent profiles and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

POSITION_MAX_LENGTH = 64


class Role(models.TextChoices):
    """The access level. It is not the position (`User.position`, docs/metrics.md)."""

    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    QA_REVIEWER = "qa_reviewer", _("QA reviewer")


# Positions that also grant an access level (docs/metrics.md, "Position is not access");
# every other position, `admin` included, gives agent access, so an import never makes an
# administrator.
POSITION_ACCESS = {"supervisor": "supervisor", "qa_reviewer": "qa_reviewer"}


def access_level_for_position(position: str) -> str:
    return POSITION_ACCESS.get(position, Role.AGENT.value)


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. `username` is the agent id of the history format
    (docs/history.md, "Entity lines")."""

    display_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    # Free text naming the agent's position in the team (the history format's `role`):
    # it chooses the scorecard template (docs/metrics.md, "Positions and templates").
    position = models.CharField(max_length=POSITION_MAX_LENGTH, blank=True, db_index=True)
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    # The language this person last chose with the top bar's switch (or signed in with): the
    # desk's emails and notifications to them are written in it. Blank: the desk's default.
    language = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def sees_all_tickets(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR) or self.is_superuser

    @property
    def can_configure(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def mail_language(self) -> str:
        """The language to write to this person in: their choice, else the desk's default."""
        return user_language(self)


def language_or_default(code: str | None) -> str:
    """`code` when it is one of `settings.LANGUAGES`, else the desk's `LANGUAGE_CODE`."""
    code = (code or "").lower()
    if code and code in {language for language, _name in settings.LANGUAGES}:
        return code
    return str(settings.LANGUAGE_CODE)


def user_language(user: User | None) -> str:
    """The language to write to `user` in (`User.language`), else the desk's default."""
    return language_or_default(getattr(user, "language", ""))


class AgentProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    languages = models.JSONField(default=list, blank=True)
    shift = models.CharField(max_length=50, blank=True)
    skills = models.JSONField(default=list, blank=True)
    markets = models.JSONField(default=list, blank=True, help_text="Market codes, e.g. DE, JP")

    def __str__(self) -> str:
        return f"profile of {self.user}"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; `prefix` lets people tell tokens apart.
    A token with `expires_at` stops authenticating at that moment (401); none never expires."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
