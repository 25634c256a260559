"""The admins' mailbox pages (docs/channels.md, "Mailboxes"): the list with each mailbox's
last poll (and its error), a form per mailbox (passwords never shown, only "set"), "test
connection" and "poll now"; and the replies whose email failed, with "retry now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.accounts.models import User
from afterdesk.channels import mailbox_selectors as selectors
from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection
from afterdesk.channels.mailboxes_forms import MailboxForm
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.mail_servers import connection_test
from afterdesk.channels.services.mailboxes import mailbox_delete, mailbox_save
from afterdesk.channels.services.polling import mailbox_poll
from afterdesk.channels.services.sending import delivery_retry_now
from afterdesk.channels.tasks import reply_send_task
from afterdesk.core import errors
from afterdesk.core.tasks import enqueue_on_commit

PAGE_SIZE = 100
# Shown by default: what needs an admin.
ATTENTION = (DeliveryState.FAILED, DeliveryState.RETRYING)


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.can_configure:
        raise PermissionDenied
    return user


def _mailbox_or_404(user: User, mailbox_id: int) -> Mailbox:
    try:
        return selectors.mailbox_get(user=user, mailbox_id=mailbox_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def mailboxes_page(request: HttpRequest) -> HttpResponse:
    mailboxes = list(selectors.mailboxes_list(user=_admin(request)))
    return render(request, "channels/pages/mailboxes.html", {"mailboxes": mailboxes})


def _initial(mailbox: Mailbox) -> dict[str, Any]:
    connection = getattr(mailbox, "connection", None) or MailboxConnection()
    fields = [name for name in MailboxForm.base_fields if hasattr(connection, name)]
    return {
        **{name: getattr(connection, name) for name in fields if "password" not in name},
        "name": mailbox.name,
        "address": mailbox.address,
        "store": mailbox.store_id,
    }


def _password_set(mailbox: Mailbox | None) -> dict[str, bool]:
    connection = getattr(mailbox, "connection", None) if mailbox else None
    return {
        "imap": bool(connection and connection.imap_password_encrypted),
        "smtp": bool(connection and connection.smtp_password_encrypted),
    }


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    user = _admin(request)
    mailbox = _mailbox_or_404(user, mailbox_id) if mailbox_id else None
    password_set = _password_set(mailbox)
    status = 200
    if request.method == "POST":
        form = MailboxForm(request.POST, password_set=password_set)
        if form.is_valid():
            try:
                saved = mailbox_save(mailbox=mailbox, changes=form.changes())
            except errors.DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                messages.success(request, _("Mailbox saved."))
                return redirect("channels:mailbox_edit", mailbox_id=saved.pk)
        else:
            status = 422
    else:
        initial = _initial(mailbox) if mailbox else None
        form = MailboxForm(initial=initial, password_set=password_set)
    context = {"form": form, "mailbox": mailbox}
    return render(request, "channels/pages/mailbox_edit.html", context, status=status)


@login_required
@require_POST
def mailbox_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(_admin(request), mailbox_id)
    connection = getattr(mailbox, "connection", None)
    checks = connection_test(connection) if connection is not None else []
    if not checks:
        messages.error(request, _("No IMAP or SMTP server to test."))
    for check in checks:
        text = f"{check.which.upper()}: {check.detail}"
        (messages.success if check.ok else messages.error)(request, text)
    return redirect("channels:mailbox_edit", mailbox_id=mailbox.pk)


@login_required
@require_POST
def mailbox_poll_now(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(_admin(request), mailbox_id)
    connection = getattr(mailbox, "connection", None)
    if connection is None or not connection.imap_host:
        messages.error(request, _("No IMAP server to poll."))
    else:
        result = mailbox_poll(mailbox)
        (messages.error if result.error else messages.success)(request, result.line())
    return redirect("channels:mailbox_edit", mailbox_id=mailbox.pk)


@login_required
@require_POST
def mailbox_remove(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(_admin(request), mailbox_id)
    mailbox_delete(mailbox=mailbox)
    messages.success(request, _("Mailbox %(address)s deleted.") % {"address": mailbox.address})
    return redirect("channels:mailboxes")


@login_required
@require_GET
def deliveries_page(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    state = request.GET.get("state") or ""
    if state not in DeliveryState.values:
        state = ""  # an unknown filter value is ignored, as in the inbox
    queryset = selectors.deliveries_list(user=user, state=state or None)
    if not state:
        queryset = queryset.filter(state__in=ATTENTION)
    context = {
        "deliveries": list(queryset[:PAGE_SIZE]),
        "count": queryset.count(),
        "state": state,
        "states": DeliveryState.choices,
        "page_size": PAGE_SIZE,
    }
    return render(request, "channels/pages/deliveries.html", context)


@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = _admin(request)
    try:
        delivery = selectors.delivery_get(user=user, delivery_id=delivery_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    if delivery_retry_now(delivery):
        enqueue_on_commit(reply_send_task, delivery_id=delivery.pk)
        messages.success(request, _("The reply is queued to be sent again."))
    else:
        messages.error(request, _("This reply is not waiting to be retried."))
    return redirect("channels:deliveries")
