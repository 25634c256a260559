"""The replies panel of the ticket page (docs/replies.md, "On the ticket page"): the macro
picker with its search and rendered preview, the macro-filled reply box, and the knowledge
base's search and suggestions. Loaded by htmx after the page, so the ticket page itself reads
nothing of this app. Every view reads the ticket through the ticket permission (404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from afterdesk.core import errors
from afterdesk.core.htmx import wants_partial
from afterdesk.replies import apply, selectors
from afterdesk.replies.forms import MacroReplyForm, SearchForm
from afterdesk.replies.models import Macro
from afterdesk.replies.views import user_of
from afterdesk.tickets import selectors as tickets
from afterdesk.tickets.forms import AssignForm, ReplyForm, StatusForm
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.triage_labels import ISSUE_TYPE_LABELS


def _ticket(request: HttpRequest, ticket_id: int, *, detail: bool = False) -> Ticket:
    get = tickets.ticket_detail if detail else tickets.ticket_get_for_user
    try:
        return get(user=user_of(request), ticket_id=ticket_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


def _macro(request: HttpRequest, macro_id: int) -> Macro:
    try:
        return selectors.macro_get(user=user_of(request), macro_id=macro_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


def _query(request: HttpRequest) -> str:
    form = SearchForm(request.GET)
    return form.cleaned_data["q"] if form.is_valid() else ""


@login_required
@require_GET
def panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The panel: the most used macros and the articles for the ticket's issue type."""
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    context = {
        "ticket": ticket,
        "macros": selectors.macros_list(user=user, limit=selectors.PICKER_LIMIT),
        "articles": selectors.articles_suggested(user=user, ticket=ticket),
        "suggested": True,
        "issue_label": ISSUE_TYPE_LABELS.get(ticket.category, ticket.category),
    }
    return render(request, "replies/partials/panel.html", context)


@login_required
@require_GET
def macro_search(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    macros = selectors.macros_list(user=user, query=_query(request), limit=selectors.PICKER_LIMIT)
    context = {"ticket": ticket, "macros": macros}
    return render(request, "replies/partials/macro_results.html", context)


@login_required
@require_GET
def macro_preview(request: HttpRequest, ticket_id: int, macro_id: int) -> HttpResponse:
    """The macro's reply rendered for this ticket, its warning and errors, and its actions:
    what applying it would do, before anything is written."""
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    macro = _macro(request, macro_id)
    result = apply.macro_preview(macro=macro, ticket=ticket, agent=user)
    context = {"ticket": ticket, "macro": macro, "result": result}
    return render(request, "replies/partials/macro_preview.html", context)


@login_required
@require_POST
def macro_fill(request: HttpRequest, ticket_id: int, macro_id: int) -> HttpResponse:
    """The reply box filled with the macro's reply, to edit; sending it applies the macro."""
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    macro = _macro(request, macro_id)
    result = apply.macro_preview(macro=macro, ticket=ticket, agent=user)
    if result is not None and not result.ok:
        context = {"ticket": ticket, "macro": macro, "result": result}
        return render(request, "replies/partials/macro_preview.html", context, status=422)
    form = MacroReplyForm(initial={"body": result.text if result else ""})
    context = {"ticket": ticket, "macro": macro, "form": form, "result": result}
    return render(request, "replies/partials/macro_reply_form.html", context)


@login_required
@require_POST
def macro_apply(request: HttpRequest, ticket_id: int, macro_id: int) -> HttpResponse:
    """Apply the macro: its reply (as edited in the filled box, else rendered now) and its
    actions in one change. On success the reply box is fresh again and the conversation,
    header, history and action forms are swapped out of band, as after a reply."""
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    macro = _macro(request, macro_id)
    form = MacroReplyForm(request.POST)
    status = 422
    if form.is_valid():
        body = form.cleaned_data["body"] if "body" in request.POST else None
        try:
            apply.macro_apply(macro=macro, ticket=ticket, by=user, body=body)
        except errors.NotFound as error:
            raise Http404(error.message) from error
        except errors.DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            if not wants_partial(request):
                return redirect("tickets:ticket", ticket_id=ticket_id)
            ticket = _ticket(request, ticket_id, detail=True)
            context = {
                "ticket": ticket,
                "macro": macro,
                "reply_form": ReplyForm(),
                "assign_form": AssignForm(
                    initial={"agent": ticket.assignee_id, "team": ticket.team_id}
                ),
                "status_form": StatusForm(initial={"status": ticket.status}),
                # the picker again, with the use just counted
                "macros": selectors.macros_list(user=user, limit=selectors.PICKER_LIMIT),
            }
            return render(request, "replies/partials/macro_done.html", context)
    context = {"ticket": ticket, "macro": macro, "form": form, "result": None}
    return render(request, "replies/partials/macro_reply_form.html", context, status=status)


@login_required
@require_GET
def reply_form(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket's own reply box again (leaving a macro-filled one)."""
    ticket = _ticket(request, ticket_id)
    return render(
        request, "tickets/partials/form_reply.html", {"ticket": ticket, "form": ReplyForm()}
    )


@login_required
@require_GET
def article_search(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = user_of(request)
    ticket = _ticket(request, ticket_id)
    query = _query(request)
    if query:
        articles = selectors.articles_search(user=user, query=query, limit=20)
    else:
        articles = selectors.articles_suggested(user=user, ticket=ticket)
    context = {
        "ticket": ticket,
        "articles": articles,
        "suggested": not query,
        "q": query,
        "issue_label": ISSUE_TYPE_LABELS.get(ticket.category, ticket.category),
    }
    return render(request, "replies/partials/article_results.html", context)
