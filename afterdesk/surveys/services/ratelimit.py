"""Rate limits of the public survey page (docs/surveys.md, "Rate limits"): fixed windows
counted in a table, so that every web process and machine counts the same requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from afterdesk.surveys.models import SurveyRateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    window: timedelta


# Every request to the page from one address (a guesser of links, a flood).
PER_ADDRESS = Limit("ip", 30, timedelta(minutes=10))
# Answers to one survey (a buyer changes their mind a few times, not a hundred).
PER_SURVEY = Limit("survey", 10, timedelta(hours=1))


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hit(limit: Limit, who: str, *, now: datetime) -> int | None:
    """Count one request of `who`; None when it is allowed, else the seconds until the window
    ends (a refused request is not counted: a flood cannot push the window on)."""
    start = _window_start(now, limit.window)
    key = f"{limit.name}:{who}"[:100]
    counted = SurveyRateCounter.objects.filter(
        key=key, window_start=start, count__lt=limit.requests
    ).update(count=F("count") + 1)
    if counted:
        return None
    if not SurveyRateCounter.objects.filter(key=key, window_start=start).exists():
        try:
            with transaction.atomic():
                SurveyRateCounter.objects.create(key=key, window_start=start, count=1)
            return None
        except IntegrityError:  # another request made the row first: count on it
            return hit(limit, who, now=now)
    return max(1, int((start + limit.window - now).total_seconds()))


def counters_prune(now: datetime) -> int:
    """Forget the windows that ended (run by the periodic task)."""
    longest = max(PER_ADDRESS.window, PER_SURVEY.window)
    deleted, _ = SurveyRateCounter.objects.filter(window_start__lt=now - longest).delete()
    return deleted
