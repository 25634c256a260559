"""The survey email (docs/surveys.md, "The email"), sent like an agent's reply
(docs/channels.md, "Sending replies"): through the SMTP server of the mailbox the buyer wrote
to, claimed with one conditional UPDATE (a survey is sent once, also when two workers try at
once), retried with the replies' backoff, failed after as many tries.

`surveys_send_due(now)` sends every survey whose time has come; `survey_send(id, now)` one.
Before the email is built the ticket is checked again: reopened since the solve, the survey is
cancelled instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.conf import settings
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from afterdesk.channels.mailbox_models import MailboxConnection
from afterdesk.channels.models import Direction, EmailThread, Mailbox
from afterdesk.channels.services.mail_servers import (
    MAIL_ERRORS,
    error_text,
    smtp_close,
    smtp_connect,
)
from afterdesk.channels.services.outgoing import message_id_domain, thread_headers
from afterdesk.channels.services.sending import BACKOFF_MINUTES, buyer_address
from afterdesk.channels.services.threading import thread_id_record
from afterdesk.surveys.links import link_token
from afterdesk.surveys.models import Survey, SurveySettings, SurveyState
from afterdesk.surveys.services.scheduling import skip_reason, still_solved_by

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
CLAIM_MINUTES = 10
DUE_BATCH = 100
RATINGS = (5, 4, 3, 2, 1)


class SendProblem(Exception):
    """Why the survey cannot be sent as things are (no mailbox that sends)."""


def _due_q(now: datetime) -> Q:
    return Q(state__in=(SurveyState.SCHEDULED, SurveyState.RETRYING), next_attempt_at__lte=now) | Q(
        state=SurveyState.SENDING, locked_until__lt=now
    )


def surveys_send_due(now: datetime) -> list[str]:
    """Send every survey that is due (and any whose sender's claim ran out); nothing while
    surveys are turned off."""
    if not SurveySettings.load().enabled:
        return []
    ids = list(
        Survey.objects.filter(_due_q(now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:DUE_BATCH]
    )
    return [survey_send(survey_id, now=now) for survey_id in ids]


def survey_send(survey_id: int, *, now: datetime) -> str:
    """Try to send one survey now, if it is due and nobody else is at it; what happened."""
    claimed = Survey.objects.filter(_due_q(now), pk=survey_id).update(
        state=SurveyState.SENDING,
        locked_until=now + timedelta(minutes=CLAIM_MINUTES),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return f"survey {survey_id}: nothing to do"
    survey = Survey.objects.select_related("ticket", "mailbox").get(pk=survey_id)
    if not still_solved_by(survey):
        _finish(survey, SurveyState.CANCELLED, reason="the ticket was reopened")
        return f"survey {survey_id}: cancelled, the ticket was reopened"
    reason = skip_reason(survey.ticket)  # the address may have gone since it was scheduled
    if reason:
        _finish(survey, SurveyState.SKIPPED, reason=reason)
        return f"survey {survey_id}: not sent, {reason}"
    try:
        message = _message_build(survey, now=now)
        if survey.mailbox_id is None:
            raise SendProblem("the survey's mailbox was deleted")
        connection = MailboxConnection.objects.get(mailbox_id=survey.mailbox_id)
        if not connection.sends:
            raise SendProblem(f"mailbox {survey.sender} does not send")
        smtp = smtp_connect(connection)
        try:
            smtp.send_message(message, from_addr=survey.sender, to_addrs=[survey.recipient])
        finally:
            smtp_close(smtp)
    except (*MAIL_ERRORS, SendProblem, MailboxConnection.DoesNotExist) as error:
        return _failure_record(survey, error, now=now)
    except Exception as error:  # a bug must not leave the survey claimed and retried forever
        logger.exception("survey %s: the email could not be built", survey.pk)
        return _failure_record(survey, error, now=now)
    Survey.objects.filter(pk=survey.pk, state=SurveyState.SENDING).update(
        state=SurveyState.SENT,
        sent_at=now,
        locked_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return f"survey {survey_id}: sent to {survey.recipient}"


def _finish(survey: Survey, state: str, *, reason: str) -> None:
    Survey.objects.filter(pk=survey.pk, state=SurveyState.SENDING).update(
        state=state, reason=reason, locked_until=None, next_attempt_at=None
    )


def _failure_record(survey: Survey, error: BaseException, *, now: datetime) -> str:
    if isinstance(error, SendProblem):
        text = str(error)
    elif isinstance(error, MailboxConnection.DoesNotExist):
        text = "the mailbox has no SMTP settings"
    else:
        text = error_text(error)
    final = survey.attempts >= MAX_ATTEMPTS
    Survey.objects.filter(pk=survey.pk, state=SurveyState.SENDING).update(
        state=SurveyState.FAILED if final else SurveyState.RETRYING,
        next_attempt_at=None
        if final
        else now + timedelta(minutes=BACKOFF_MINUTES[survey.attempts - 1]),
        locked_until=None,
        last_error=text[:2000],
        last_error_at=now,
    )
    logger.warning("survey %s failed (try %s): %s", survey.pk, survey.attempts, text)
    return f"survey {survey.pk}: {'failed' if final else 'will retry'}: {text}"


def sending_mailbox(survey: Survey) -> Mailbox | None:
    """The mailbox of the ticket's mail thread when it sends, else the first one that sends
    (of the ticket's store first)."""
    senders = Mailbox.objects.filter(connection__enabled=True).exclude(connection__smtp_host="")
    thread = EmailThread.objects.filter(ticket_id=survey.ticket_id).first()
    if thread is not None and thread.mailbox_id is not None:
        own = senders.filter(pk=thread.mailbox_id).first()
        if own is not None:
            return own
    if survey.ticket.store_id is not None:
        same_store = senders.filter(store_id=survey.ticket.store_id).order_by("id").first()
        if same_store is not None:
            return same_store
    return senders.order_by("id").first()


def survey_url(survey: Survey, rating: int | None = None) -> str:
    """The absolute link of the survey (with a rating: the page opens with it chosen)."""
    token = link_token(survey_id=survey.pk, key=survey.key)
    path = reverse("surveys:page", args=[token])
    query = f"?r={rating}" if rating is not None else ""
    return f"{site_url()}{path}{query}"


def site_url() -> str:
    """Where buyers reach the desk: AFTERDESK_PUBLIC_URL (no trailing slash)."""
    configured = str(getattr(settings, "AFTERDESK_PUBLIC_URL", "") or "")
    return (configured or "http://127.0.0.1:8000").rstrip("/")


def _message_build(survey: Survey, *, now: datetime) -> EmailMessage:
    """The email in the survey's language; the first try fixes sender, recipient and
    Message-ID (recorded in the ticket's thread, so an answer by mail lands on the ticket)."""
    if not survey.message_id:
        mailbox = survey.mailbox or sending_mailbox(survey)
        if mailbox is None:
            raise SendProblem("no mailbox with an SMTP server can send the survey")
        survey.mailbox = mailbox
        survey.sender = mailbox.address
        survey.recipient = buyer_address(survey.ticket)
        survey.message_id = make_msgid(f"survey-{survey.pk}", domain=message_id_domain())
        survey.save(update_fields=["mailbox", "sender", "recipient", "message_id"])
        thread_id_record(
            ticket=survey.ticket, message_id=survey.message_id, direction=Direction.OUT
        )
    if survey.mailbox is None:
        raise SendProblem("the survey's mailbox was deleted")
    expiry_days = SurveySettings.load().expiry_days
    with translation.override(survey.language):
        context = {
            "subject": survey.ticket.subject,
            "page_url": survey_url(survey),
            "rating_urls": [(rating, survey_url(survey, rating)) for rating in RATINGS],
            "valid_until": now + timedelta(days=expiry_days),
            "shop": survey.mailbox.name,
        }
        text = render_to_string("surveys/email/survey.txt", context)
        html = render_to_string("surveys/email/survey.html", context)
        # One line: a subject typed with line breaks must not break the header.
        one_line = " ".join(survey.ticket.subject.split())
        subject = gettext("How did we do? %(subject)s") % {"subject": one_line}
    message = EmailMessage()
    message["From"] = formataddr((survey.mailbox.name, survey.sender))
    message["To"] = survey.recipient
    message["Subject"] = subject.strip()
    message["Date"] = format_datetime(now)
    message["Message-ID"] = survey.message_id
    # RFC 3834: sent by the desk itself, so vacation responders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    # In the buyer's conversation (their client threads it); the survey's own id is no
    # reference of itself.
    headers = thread_headers(ticket=survey.ticket)
    references = " ".join(
        mid for mid in headers.get("References", "").split() if mid != survey.message_id
    )
    if headers.get("In-Reply-To") and headers["In-Reply-To"] != survey.message_id:
        message["In-Reply-To"] = headers["In-Reply-To"]
    if references:
        message["References"] = references
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = survey.language  # after the body: set_content drops it
    return message
