"""The server-rendered desk: ticket page, ticket actions, attachment downloads (the inbox:
`queue_views`).

Views parse input with a form, call one selector or service, and render; a DomainError from a
service becomes a message in the form with the error's HTTP status (409/413/415/422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.htmx import wants_partial
from afterdesk.tickets import selectors, services
from afterdesk.tickets.forms import (
    AssignForm,
    EscalateForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.triage_forms import TriageForm


def _user(request: HttpRequest) -> User:
    """The signed-in agent (every view is behind @login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _ticket_or_404(request: HttpRequest, ticket_id: int, *, detail: bool = False) -> Ticket:
    """The permission check of every ticket view: another team's ticket is a 404."""
    get = selectors.ticket_detail if detail else selectors.ticket_get_for_user
    try:
        return get(user=_user(request), ticket_id=ticket_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _forms(ticket: Ticket, **bound: forms.Form) -> dict[str, forms.Form]:
    """Fresh forms for the ticket page; `bound` replaces one with the submitted form."""
    fresh: dict[str, forms.Form] = {
        "reply": ReplyForm(),
        "note": NoteForm(),
        "assign": AssignForm(initial={"agent": ticket.assignee_id, "team": ticket.team_id}),
        "status": StatusForm(initial={"status": ticket.status}),
        "escalate": EscalateForm(),
        "triage": TriageForm.for_ticket(ticket),
    }
    return {**fresh, **bound}


@login_required
@require_GET
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket_or_404(request, ticket_id, detail=True)
    context = {
        "ticket": ticket,
        "forms": _forms(ticket),
        "other_orders": selectors.buyer_other_orders(ticket),
    }
    return render(request, "tickets/pages/ticket.html", context)


def _run_action(
    request: HttpRequest,
    ticket_id: int,
    name: str,
    form: forms.Form,
    perform: Callable[[Ticket, dict[str, Any]], object],
) -> HttpResponse:
    """Validate, call the service, answer: the form (+ out-of-band partials) for htmx, the page
    or a redirect otherwise. A refused action writes nothing and keeps what was typed."""
    ticket = _ticket_or_404(request, ticket_id)
    status = 422
    if form.is_valid():
        try:
            perform(ticket, form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = error.status
        else:
            if not wants_partial(request):
                return redirect("tickets:ticket", ticket_id=ticket_id)
            ticket = _ticket_or_404(request, ticket_id, detail=True)
            fresh = _forms(ticket)
            context = {"ticket": ticket, "forms": fresh, "form": fresh[name], "name": name}
            return render(request, "tickets/partials/action_done.html", context)
    if wants_partial(request):
        context = {"ticket": ticket, "form": form}
        return render(request, f"tickets/partials/form_{name}.html", context, status=status)
    ticket = _ticket_or_404(request, ticket_id, detail=True)
    context = {
        "ticket": ticket,
        "forms": _forms(ticket, **{name: form}),
        "other_orders": selectors.buyer_other_orders(ticket),
    }
    return render(request, "tickets/pages/ticket.html", context, status=status)


@login_required
@require_POST
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        return services.message_reply(
            ticket=ticket,
            by=_user(request),
            body=data["body"],
            status=data["status"] or None,
            attachments=data["attachments"],
        )

    form = ReplyForm(request.POST, request.FILES)
    return _run_action(request, ticket_id, "reply", form, perform)


@login_required
@require_POST
def ticket_note(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        return services.note_add(
            ticket=ticket, by=_user(request), body=data["body"], attachments=data["attachments"]
        )

    form = NoteForm(request.POST, request.FILES)
    return _run_action(request, ticket_id, "note", form, perform)


@login_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        return services.ticket_assign(
            ticket=ticket, by=_user(request), agent=data["agent"], team=data["team"]
        )

    return _run_action(request, ticket_id, "assign", AssignForm(request.POST), perform)


@login_required
@require_POST
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        return services.ticket_set_status(ticket=ticket, by=_user(request), status=data["status"])

    return _run_action(request, ticket_id, "status", StatusForm(request.POST), perform)


@login_required
@require_POST
def ticket_escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        target = data["to"]
        return services.ticket_escalate(
            ticket=ticket,
            by=_user(request),
            reason=data["reason"],
            to_user=target if isinstance(target, User) else None,
            to_team=target if isinstance(target, Team) else None,
        )

    return _run_action(request, ticket_id, "escalate", EscalateForm(request.POST), perform)


@login_required
@require_POST
def ticket_triage(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """An agent's correction of the ticket's triage (docs/triage.md, "Corrections")."""

    def perform(ticket: Ticket, data: dict[str, Any]) -> object:
        return services.ticket_triage_correct(
            ticket=ticket,
            by=_user(request),
            language=data["language"],
            issue_type=data["issue_type"],
            risk_flags=data["risk_flags"],
            priority=data["priority"],
            note=data["note"],
        )

    return _run_action(request, ticket_id, "triage", TriageForm(request.POST), perform)


@login_required
@require_GET
def attachment_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """Behind the ticket's permission; inline only for raster images whose bytes are that
    image (sniffed again here: rows stored before uploads were sniffed), never SVG/HTML."""
    try:
        attachment = selectors.attachment_get_for_user(user=_user(request), token=token)
    except NotFound as error:
        raise Http404(error.message) from error
    inline_type = services.attachment_inline_type(attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=inline_type is None,
        filename=attachment.filename,
        content_type=inline_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ["Cookie"])
    return response
