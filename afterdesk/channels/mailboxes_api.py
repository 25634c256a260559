"""The mailbox and reply delivery API (admins; docs/channels.md, "API"): mailboxes with their
IMAP and SMTP servers (passwords write-only), a connection test, a poll now; the replies'
deliveries and a retry of a failed one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.channels import mailbox_selectors as selectors
from afterdesk.channels.mailbox_models import MailboxConnection, ReplyDelivery
from afterdesk.channels.mailboxes_schemas import (
    ConnectionTestOut,
    DeliveryFilterQuery,
    DeliveryOut,
    DeliveryPage,
    MailboxIn,
    MailboxOut,
    MailboxPatch,
    PollOut,
)
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.mail_servers import connection_test
from afterdesk.channels.services.mailboxes import mailbox_delete, mailbox_save
from afterdesk.channels.services.polling import mailbox_poll
from afterdesk.channels.services.sending import delivery_retry_now
from afterdesk.channels.tasks import reply_send_task
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS, Id, paginate
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.core.tasks import enqueue_on_commit

router = Router(tags=["channels"])
# Checked before the path, query and body are read (afterdesk.accounts.api_auth.requires).
ADMINS = requires(lambda user: user_require_configure(user=user))


def mailbox_out(mailbox: Mailbox) -> dict[str, Any]:
    """The mailbox with its servers; a mailbox without any reads as unconfigured."""
    connection = getattr(mailbox, "connection", None) or MailboxConnection(mailbox=mailbox)
    fields = {
        name: getattr(connection, name)
        for name in MailboxOut.model_fields
        if hasattr(MailboxConnection, name) and name != "mailbox"
    }
    return {
        **fields,
        "id": mailbox.pk,
        "name": mailbox.name,
        "address": mailbox.address,
        "store": mailbox.store.code if mailbox.store else None,
        "imap_password_set": bool(connection.imap_password_encrypted),
        "smtp_password_set": bool(connection.smtp_password_encrypted),
        "created_at": mailbox.created_at,
    }


def _changes(payload: MailboxPatch) -> dict[str, Any]:
    """The fields sent; null only where it means something (no port, no store, no host)."""
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "address", "enabled", "imap_security", "smtp_security"):
        if name in changes and changes[name] is None:
            raise ValidationError(f"{name} cannot be null", field=name)
    return changes


def _fresh(request: HttpRequest, mailbox_id: int) -> dict[str, Any]:
    return mailbox_out(selectors.mailbox_get(user=request_user(request), mailbox_id=mailbox_id))


@router.get("/channels/mailboxes", response={200: list[MailboxOut], **AUTH_ERRORS}, auth=ADMINS)
def mailboxes(request: HttpRequest) -> list[dict[str, Any]]:
    """Every mailbox with its servers and the state of its last poll."""
    return [mailbox_out(m) for m in selectors.mailboxes_list(user=request_user(request))]


@router.post("/channels/mailboxes", response={201: MailboxOut, **WRITE_ERRORS}, auth=ADMINS)
def mailbox_create(request: HttpRequest, payload: MailboxIn) -> Status[dict[str, Any]]:
    """A new mailbox; an address in use is a 409."""
    mailbox = mailbox_save(mailbox=None, changes=_changes(payload))
    return Status(201, _fresh(request, mailbox.pk))


@router.get(
    "/channels/mailboxes/{mailbox_id}", response={200: MailboxOut, **READ_ERRORS}, auth=ADMINS
)
def mailbox_get(request: HttpRequest, mailbox_id: Id) -> dict[str, Any]:
    return _fresh(request, mailbox_id)


@router.patch(
    "/channels/mailboxes/{mailbox_id}", response={200: MailboxOut, **WRITE_ERRORS}, auth=ADMINS
)
def mailbox_update(request: HttpRequest, mailbox_id: Id, payload: MailboxPatch) -> dict[str, Any]:
    """Change the fields sent; a password left out stays, `""` removes it."""
    mailbox = selectors.mailbox_get(user=request_user(request), mailbox_id=mailbox_id)
    mailbox_save(mailbox=mailbox, changes=_changes(payload))
    return _fresh(request, mailbox_id)


@router.delete(
    "/channels/mailboxes/{mailbox_id}", response={204: None, **WRITE_ERRORS}, auth=ADMINS
)
def mailbox_remove(request: HttpRequest, mailbox_id: Id) -> Status[None]:
    """Delete the mailbox and its servers; the mail it brought stays."""
    mailbox_delete(mailbox=selectors.mailbox_get(user=request_user(request), mailbox_id=mailbox_id))
    return Status(204, None)


@router.post(
    "/channels/mailboxes/{mailbox_id}/test",
    response={200: ConnectionTestOut, **WRITE_ERRORS},
    auth=ADMINS,
)
def mailbox_test(request: HttpRequest, mailbox_id: Id) -> dict[str, Any]:
    """Log in to the mailbox's servers (IMAP: and open the folder); what each answered."""
    mailbox = selectors.mailbox_get(user=request_user(request), mailbox_id=mailbox_id)
    connection = getattr(mailbox, "connection", None)
    if connection is None or not (connection.imap_host or connection.smtp_host):
        raise Conflict("the mailbox has no IMAP or SMTP server to test")
    checks = connection_test(connection)
    return {"ok": all(check.ok for check in checks), "checks": checks}


@router.post(
    "/channels/mailboxes/{mailbox_id}/poll", response={200: PollOut, **WRITE_ERRORS}, auth=ADMINS
)
def mailbox_poll_now(request: HttpRequest, mailbox_id: Id) -> dict[str, Any]:
    """Poll the mailbox now (as the worker does every minute); a failure is in `error`."""
    mailbox = selectors.mailbox_get(user=request_user(request), mailbox_id=mailbox_id)
    connection = getattr(mailbox, "connection", None)
    if connection is None or not connection.imap_host:
        raise Conflict("the mailbox has no IMAP server to poll")
    result = mailbox_poll(mailbox)
    return {
        "outcome": result.line(),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "resynced": result.resynced,
        "error": result.error,
    }


@router.get("/channels/email/deliveries", response={200: DeliveryPage, **READ_ERRORS}, auth=ADMINS)
def deliveries(request: HttpRequest, filters: Query[DeliveryFilterQuery]) -> object:
    """The email of agents' replies, newest first; `state=failed` lists what needs an admin."""
    queryset = selectors.deliveries_list(user=request_user(request), state=filters.state)
    return paginate(queryset, filters)


@router.post(
    "/channels/email/deliveries/{delivery_id}/retry",
    response={200: DeliveryOut, **WRITE_ERRORS},
    auth=ADMINS,
)
def delivery_retry(request: HttpRequest, delivery_id: Id) -> ReplyDelivery:
    """Send a failed (or waiting) reply again now; 409 for one that is sent or on its way."""
    user = request_user(request)
    delivery = selectors.delivery_get(user=user, delivery_id=delivery_id)
    if not delivery_retry_now(delivery):
        raise Conflict(f"delivery {delivery.pk} is {delivery.state}; only failed ones retry")
    enqueue_on_commit(reply_send_task, delivery_id=delivery.pk)
    return selectors.delivery_get(user=user, delivery_id=delivery_id)
