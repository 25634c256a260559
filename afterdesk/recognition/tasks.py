"""The monthly job: on the 1st, the finished month's awards, then each agent's performance
email (docs/recognition.md, "When it runs"). Both steps are idempotent, so a retry or a second
run stores each award once and mails each agent once."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from afterdesk.recognition.months import last_complete_month
from afterdesk.recognition.services import awards_store, performance_emails_send

# A failed email (the mail server down) fails the run, which is retried an hour later up to
# six times; the emails already sent are stamped and not sent again.
MONTHLY_RETRIES = 6
MONTHLY_RETRY_DELAY = 3600


class EmailsNotSent(Exception):
    """Some performance emails failed: raised so huey retries the run."""


def recognition_monthly(now: datetime | None = None) -> dict[str, int]:
    moment = now or timezone.now()
    month = last_complete_month(moment)
    stored = awards_store(month=month, now=moment)
    outcome = performance_emails_send(month=month, now=moment)
    if outcome.failed:
        raise EmailsNotSent(
            f"{len(outcome.failed)} performance emails not sent: {', '.join(outcome.failed)}"
        )
    return {"awards": sum(s.created for s in stored), "emails": len(outcome.sent)}


@db_periodic_task(
    crontab(day="1", hour="6", minute="0"), retries=MONTHLY_RETRIES, retry_delay=MONTHLY_RETRY_DELAY
)
def recognition_monthly_periodic() -> dict[str, int]:
    return recognition_monthly()
