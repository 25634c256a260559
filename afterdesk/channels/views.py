"""The inbound email pages for admins and supervisors: what arrived and what became of it,
failed messages first to hand, each with its raw download and a retry button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts.models import User
from afterdesk.channels import selectors
from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.services.ingest import email_retry
from afterdesk.core import errors

PAGE_SIZE = 100


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not selectors.inbound_can_view(user):
        raise PermissionDenied
    return user


def _inbound_or_404(user: User, inbound_id: int) -> InboundEmail:
    try:
        return selectors.inbound_get(user=user, inbound_id=inbound_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def inbound_page(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    state = request.GET.get("state") or None
    if state not in InboundState.values:
        state = None  # an unknown filter value is ignored, as in the inbox
    ticket = request.GET.get("ticket", "")
    ticket_id = int(ticket) if ticket.isascii() and ticket.isdigit() and len(ticket) < 19 else None
    queryset = selectors.inbound_list(user=user, state=state, ticket_id=ticket_id)
    context = {
        "ticket_id": ticket_id,
        "inbound": list(queryset[:PAGE_SIZE]),
        "count": queryset.count(),
        "state": state,
        "states": InboundState.choices,
        "page_size": PAGE_SIZE,
    }
    return render(request, "channels/pages/inbound.html", context)


@login_required
@require_GET
def inbound_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = _inbound_or_404(_viewer(request), inbound_id)
    return render(request, "channels/pages/inbound_detail.html", {"item": inbound})


@login_required
@require_GET
def inbound_raw(request: HttpRequest, inbound_id: int) -> FileResponse:
    inbound = _inbound_or_404(_viewer(request), inbound_id)
    return FileResponse(
        inbound.raw.open("rb"),
        as_attachment=True,
        filename=f"inbound-{inbound.pk}.eml",
        content_type="message/rfc822",
    )


@login_required
@require_POST
def inbound_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = _inbound_or_404(_viewer(request), inbound_id)
    if inbound.state in (InboundState.FAILED, InboundState.RECEIVED):
        email_retry(inbound)
        if inbound.state == InboundState.FAILED:
            messages.error(request, _("Still failing: %(reason)s") % {"reason": inbound.reason})
        else:
            messages.success(
                request, _("Processed: %(state)s") % {"state": inbound.get_state_display()}
            )
    return redirect("channels:inbound_detail", inbound_id=inbound.pk)
