"""Which solves get a survey, and when (docs/surveys.md, "When a survey is sent").

`surveys_schedule(now)` (the periodic task, every few minutes) looks at the solves recorded in
the last days and gives each one a `Survey` row, at most once (the row is unique per solve
event): `scheduled` for `delay_hours` after the solve, or `skipped` with the reason when the
ticket takes no survey. Scheduled surveys of tickets that are no longer solved are
`cancelled`. Only live solves count (recorded as they happened): an imported history's solves
never send surveys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q

from afterdesk.channels.marketplace import MARKETPLACE_CHANNEL
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.sending import buyer_address
from afterdesk.core.errors import ValidationError
from afterdesk.surveys.languages import survey_language
from afterdesk.surveys.models import Survey, SurveySettings, SurveyState
from afterdesk.tickets.models import SOLVED_STATUSES, MessageKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)

# Solves recorded this long ago are still looked at (a worker that was down catches up).
LOOKBACK = timedelta(days=7)
# A solve is live when it was recorded within minutes of its instant (as the reply sender
# tells live replies from imported ones).
LIVE_MINUTES = 5
BATCH = 500
# Local parts of addresses nobody reads.
_NO_REPLY = ("noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster")


@dataclass(frozen=True)
class ScheduleResult:
    scheduled: int
    skipped: int
    cancelled: int


def last_solve_id(ticket_id: int) -> int | None:
    """The id of the ticket's last solve: a `status` event into solved or closed from a status
    that was neither (solved → closed is no solve; docs/metrics.md, "Per-ticket facts")."""
    return last_solve_ids({ticket_id}).get(ticket_id)


def last_solve_ids(ticket_ids: set[int]) -> dict[int, int]:
    """`last_solve_id` of many tickets, from one query."""
    previous: dict[int, str] = {}
    solves: dict[int, int] = {}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind="status")
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "id", "subtype")
    )
    for ticket_id, event_id, status in rows:
        if status in SOLVED_STATUSES and previous.get(ticket_id, "new") not in SOLVED_STATUSES:
            solves[ticket_id] = event_id
        previous[ticket_id] = status
    return solves


def _candidates(now: datetime) -> list[tuple[int, int, datetime]]:
    """(event id, ticket id, instant) of the recent live status events into solved or closed
    that may be a solve still without its survey, oldest first. Left out: a close after a
    solve that has its survey with no reopening in between (solved → closed is no solve), so
    the list holds only the new solves, whatever the number of closes."""
    reopened_since = TicketEvent.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        kind="status",
        at__gt=OuterRef("solved_at"),
        at__lte=OuterRef(OuterRef("at")),
    ).exclude(subtype__in=SOLVED_STATUSES)
    surveyed = Survey.objects.filter(
        ticket_id=OuterRef("ticket_id"), solved_at__lte=OuterRef("at")
    ).filter(~Exists(reopened_since))
    return list(
        TicketEvent.objects.filter(
            Q(at__gte=F("recorded_at") - timedelta(minutes=LIVE_MINUTES)),
            kind="status",
            subtype__in=SOLVED_STATUSES,
            # Implied by the two around it; lets the database read the (kind, at) index.
            at__gte=now - LOOKBACK - timedelta(minutes=LIVE_MINUTES),
            recorded_at__gte=now - LOOKBACK,
            ticket__status__in=SOLVED_STATUSES,
            survey__isnull=True,
        )
        .filter(~Exists(surveyed))
        .order_by("recorded_at", "id")
        .values_list("id", "ticket_id", "at")
    )


def still_solved_by(survey: Survey) -> bool:
    """The ticket is solved and its last solve is still the survey's (not reopened since)."""
    status = Ticket.objects.filter(pk=survey.ticket_id).values_list("status", flat=True).first()
    return status in SOLVED_STATUSES and last_solve_id(survey.ticket_id) == survey.solve_event_id


def skip_reason(ticket: Ticket) -> str:
    """Why this ticket takes no survey, or "" when it does."""
    if ticket.channel == MARKETPLACE_CHANNEL:
        # The marketplaces' rules forbid links to other sites in messages to their buyers.
        return "marketplace ticket: the platform's rules forbid survey links"
    buyer_wrote = TicketEvent.objects.filter(
        ticket_id=ticket.pk, kind="message", subtype=MessageKind.INBOUND
    ).exists()
    if not buyer_wrote:
        return "no message from the buyer: the ticket was opened by the desk or automatically"
    address = buyer_address(ticket)
    if not address:
        return "the buyer has no email address"
    if address.rsplit("@", 1)[0].split("+", 1)[0].lower() in _NO_REPLY:
        return f"the buyer's address {address} takes no mail"
    if Mailbox.objects.filter(address__iexact=address).exists():
        # Mail to the desk's own mailbox would come back in as a buyer's message.
        return f"the address {address} is one of the desk's mailboxes"
    return ""


def surveys_schedule(now: datetime) -> ScheduleResult:
    """Give each recent live solve its survey row, and cancel the scheduled surveys of tickets
    that were reopened. Safe to run twice, or twice at once: a solve's row is made once."""
    config = SurveySettings.load()
    cancelled = _cancel_reopened()
    scheduled = skipped = 0
    candidates = _candidates(now)
    for chunk_start in range(0, len(candidates), BATCH):
        chunk = candidates[chunk_start : chunk_start + BATCH]
        last_solves = last_solve_ids({ticket_id for _event, ticket_id, _at in chunk})
        for event_id, ticket_id, solved_at in chunk:
            if last_solves.get(ticket_id) != event_id:
                continue  # an earlier solve of a ticket solved again since
            made = _survey_make(config, event_id=event_id, ticket_id=ticket_id, solved_at=solved_at)
            if made is None:
                continue
            if made.state == SurveyState.SKIPPED:
                skipped += 1
            else:
                scheduled += 1
    return ScheduleResult(scheduled, skipped, cancelled)


def _survey_make(
    config: SurveySettings, *, event_id: int, ticket_id: int, solved_at: datetime
) -> Survey | None:
    ticket = Ticket.objects.select_related("customer").get(pk=ticket_id)
    # A solve while surveys are off gets none (turning them on again sends no old ones).
    reason = skip_reason(ticket) if config.enabled else "surveys were turned off"
    customer_language = ticket.customer.language if ticket.customer else ""
    survey = Survey(
        ticket=ticket,
        solve_event_id=event_id,
        solved_at=solved_at,
        language=survey_language(ticket.language, customer_language),
        state=SurveyState.SKIPPED if reason else SurveyState.SCHEDULED,
        reason=reason,
        next_attempt_at=None if reason else solved_at + timedelta(hours=config.delay_hours),
    )
    try:
        with transaction.atomic():
            survey.save()
            # An earlier solve's survey still waiting is not sent: this solve's one is.
            Survey.objects.filter(ticket_id=ticket_id, state=SurveyState.SCHEDULED).exclude(
                pk=survey.pk
            ).update(state=SurveyState.CANCELLED, reason="solved again", next_attempt_at=None)
    except IntegrityError:
        return None  # another run made this solve's survey first
    logger.info("survey %s of ticket %s: %s %s", survey.pk, ticket_id, survey.state, reason)
    return survey


def _cancel_reopened() -> int:
    """Scheduled surveys whose ticket is no longer solved: reopened before the survey left."""
    return Survey.objects.filter(
        Q(state=SurveyState.SCHEDULED) & ~Q(ticket__status__in=SOLVED_STATUSES)
    ).update(state=SurveyState.CANCELLED, reason="the ticket was reopened", next_attempt_at=None)


DELAY_HOURS_MAX = 24 * 30
EXPIRY_DAYS_MAX = 365


@transaction.atomic
def settings_save(
    *, enabled: bool, delay_hours: int, expiry_days: int
) -> tuple[SurveySettings, int]:
    """Save the settings; the surveys still scheduled move to the new delay (from their
    solve). Returns the settings and how many scheduled surveys moved."""
    if not 0 <= delay_hours <= DELAY_HOURS_MAX:
        raise ValidationError(
            f"the delay must be 0 to {DELAY_HOURS_MAX} hours", field="delay_hours"
        )
    if not 1 <= expiry_days <= EXPIRY_DAYS_MAX:
        raise ValidationError(
            f"the expiry must be 1 to {EXPIRY_DAYS_MAX} days", field="expiry_days"
        )
    config = SurveySettings.load()
    config.enabled = enabled
    config.delay_hours = delay_hours
    config.expiry_days = expiry_days
    config.save()
    moved = Survey.objects.filter(state=SurveyState.SCHEDULED).update(
        next_attempt_at=F("solved_at") + timedelta(hours=delay_hours)
    )
    return config, moved
