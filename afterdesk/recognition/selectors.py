"""Reads of the recognition app. Awards are public to everyone signed in: they are the desk's
announcement (docs/recognition.md, "Who sees what")."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.recognition.models import Award, AwardKind

MONTHS_LISTED = 12


def awards_of_month(month: date) -> list[Award]:
    """The month's awards in a fixed order (the order of AwardKind), with their agents."""
    keys = list(AwardKind.values)
    awards = Award.objects.filter(month=month).select_related("agent")
    return sorted(awards, key=lambda a: keys.index(a.kind) if a.kind in keys else len(keys))


def award_months() -> list[date]:
    """The latest months that have awards, newest first."""
    return list(
        Award.objects.order_by("-month").values_list("month", flat=True).distinct()[:MONTHS_LISTED]
    )


def latest_award_month() -> date | None:
    return Award.objects.order_by("-month").values_list("month", flat=True).first()


def awards_of_agent(agent: User) -> QuerySet[Award]:
    return Award.objects.filter(agent=agent).order_by("-month", "kind")
