"""A rule's actions: checked when the rule is saved (`actions_clean`), then prepared and run on
a ticket by `engine.rule_fire` (docs/automations.md, "Actions").

Everything that can fail is prepared first (the template rendered in the buyer's language, the
agent the reply is sent as, a free coupon code, the webhook's address), so a firing either does
all of its actions or none of them and says why on the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from afterdesk.accounts.models import Team, User
from afterdesk.core.credentials import secret_encrypt
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Priority, Status

ACTION_TYPES = (
    "set",
    "assign",
    "tag",
    "reply",
    "note",
    "notify",
    "webhook",
    "survey",
    "coupon",
)
NOTIFY_TARGETS = ("supervisors", "assignee")
MAX_ACTIONS = 20


class ActionFailed(Exception):
    """An action cannot run on this ticket (its reason is shown on the ticket and in the log)."""


@dataclass
class Plan:
    """What a firing will do, gathered before anything is written."""

    words: list[str] = field(default_factory=list)
    priority: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    agent: User | None = None
    team: Team | None = None
    unassign: bool = False
    replies: list[tuple[User, str, str]] = field(default_factory=list)  # (as, text, status)
    notes: list[str] = field(default_factory=list)
    # (people, addresses, subject, body)
    notices: list[tuple[list[User], list[str], str, str]] = field(default_factory=list)
    webhooks: list[tuple[str, str]] = field(default_factory=list)  # (url, secret token)
    surveys: list[int] = field(default_factory=list)  # delay hours
    coupon_pools: list[tuple[str, str]] = field(default_factory=list)  # (pool, template key)
    at: datetime | None = None


def _text(action: dict[str, Any], key: str, *, limit: int, required: bool = True) -> str:
    value = action.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ValidationError(
            f"a {action['type']} action needs {key} (text of at most {limit} characters)",
            field=f"actions.{key}",
        )
    return value.strip()


def webhook_url_check(url: str) -> str:
    """http(s), a host, no user or password; the host's address is checked before each call
    (`webhooks.webhook_send`), where DNS may have changed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("the webhook URL must be an http:// or https:// URL"), field="url")
    if parts.username or parts.password:
        raise ValidationError(_("the webhook URL must not hold a user or password"), field="url")
    return url


def action_clean(action: Any, *, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """One action as stored; 422 naming the field. A webhook's `secret` is stored encrypted
    (`secret_token`); left out when editing, the previous one is kept."""
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        raise ValidationError(
            f"each action is an object with a type: {', '.join(ACTION_TYPES)}", field="actions"
        )
    kind = action["type"]
    clean: dict[str, Any] = {"type": kind}
    if kind == "set":
        priority, status = action.get("priority") or "", action.get("status") or ""
        if priority and priority not in Priority.values:
            raise ValidationError(f"unknown priority {priority!r}", field="actions.priority")
        if status and status not in Status.values:
            raise ValidationError(f"unknown status {status!r}", field="actions.status")
        if not priority and not status:
            raise ValidationError(_("a set action sets a priority or a status"), field="actions")
        clean.update({k: v for k, v in (("priority", priority), ("status", status)) if v})
    elif kind == "assign":
        agent, team = action.get("agent") or "", action.get("team") or ""
        if agent and not User.objects.filter(username=agent, is_active=True).exists():
            raise ValidationError(f"no active agent {agent!r}", field="actions.agent")
        if team and not Team.objects.filter(name=team).exists():
            raise ValidationError(f"no team {team!r}", field="actions.team")
        if not agent and not team and not action.get("unassign"):
            raise ValidationError(_("an assign action names an agent or a team"), field="actions")
        clean.update({"agent": agent, "team": team, "unassign": bool(action.get("unassign"))})
    elif kind == "tag":
        tags = action.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            raise ValidationError(_("a tag action needs a list of tags"), field="actions.tags")
        clean["tags"] = sorted({t.strip().lower()[:50] for t in tags if t.strip()})
    elif kind == "reply":
        from afterdesk.replies.models import ReplyTemplate

        key = _text(action, "template", limit=100)
        if not ReplyTemplate.objects.filter(key=key).exists():
            raise ValidationError(f"no reply template {key!r}", field="actions.template")
        status = action.get("status") or ""
        if status and status not in Status.values:
            raise ValidationError(f"unknown status {status!r}", field="actions.status")
        clean.update({"template": key, "status": status})
    elif kind == "note":
        clean["body"] = _text(action, "body", limit=4000)
    elif kind == "notify":
        to = action.get("to")
        targets = [to] if isinstance(to, str) else to
        if not isinstance(targets, list) or not targets:
            raise ValidationError(
                "a notify action names whom: supervisors, assignee or email addresses",
                field="actions.to",
            )
        for target in targets:
            if not isinstance(target, str) or (target not in NOTIFY_TARGETS and "@" not in target):
                raise ValidationError(f"cannot notify {target!r}", field="actions.to")
        clean.update({"to": targets, "subject": _text(action, "subject", limit=200)})
        clean["body"] = _text(action, "body", limit=4000, required=False)
    elif kind == "webhook":
        clean["url"] = webhook_url_check(_text(action, "url", limit=2000))
        secret = action.get("secret")
        if isinstance(secret, str) and secret:
            clean["secret_token"] = secret_encrypt(secret)
        elif previous and previous.get("type") == "webhook" and previous.get("secret_token"):
            clean["secret_token"] = previous["secret_token"]
        else:
            raise ValidationError(_("a webhook action needs a secret to sign with"), field="secret")
    elif kind == "survey":
        delay = action.get("delay_hours", 0)
        if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 720:
            raise ValidationError(_("delay_hours must be 0 to 720"), field="actions.delay_hours")
        clean["delay_hours"] = delay
    elif kind == "coupon":
        from afterdesk.automations.models import CouponPool

        pool = _text(action, "pool", limit=100)
        if not CouponPool.objects.filter(name=pool).exists():
            raise ValidationError(f"no coupon pool {pool!r}", field="actions.pool")
        clean["pool"] = pool
        template = action.get("template") or ""
        if template:
            from afterdesk.replies.models import ReplyTemplate

            if not ReplyTemplate.objects.filter(key=template).exists():
                raise ValidationError(f"no reply template {template!r}", field="actions.template")
        clean["template"] = template
    return clean


def actions_clean(
    actions: Any, previous: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    if not isinstance(actions, list) or not actions or len(actions) > MAX_ACTIONS:
        raise ValidationError(f"a rule has 1 to {MAX_ACTIONS} actions", field="actions")
    old = previous or []
    return [
        action_clean(action, previous=old[index] if index < len(old) else None)
        for index, action in enumerate(actions)
    ]


def action_public(action: dict[str, Any]) -> dict[str, Any]:
    """An action as the API and pages show it: never the webhook's secret."""
    shown = {k: v for k, v in action.items() if k != "secret_token"}
    if action.get("type") == "webhook":
        shown["has_secret"] = bool(action.get("secret_token"))
    return shown
