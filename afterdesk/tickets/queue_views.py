"""The inbox as a work queue (docs/ui.md, "The inbox as a work queue"): the list with its
views and sorts, "next ticket", the bulk actions and the saved views.

The filters live in the URL's query string: the list's links carry it to the ticket page
(`?inbox=…`), whose "← Inbox" comes back to the same list; `queue_forms.clean_query` keeps
only the inbox's own keys wherever a query string is carried.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.core.htmx import render_page_or_partial, wants_partial
from afterdesk.tickets import selectors, services
from afterdesk.tickets.models import SavedView, Ticket
from afterdesk.tickets.queue import NEEDS_US, VIEWS, queue_rows_annotate
from afterdesk.tickets.queue_forms import BulkForm, QueueFilterForm, SavedViewForm, clean_query
from afterdesk.tickets.services.merge import tickets_merge


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _inbox_url(query: str) -> str:
    return reverse("tickets:inbox") + (f"?{query}" if query else "")


def _list_context(request: HttpRequest, query: str) -> dict[str, Any]:
    """What the list shows for the inbox query string `query`."""
    user = _user(request)
    params = QueryDict(query)
    form = QueueFilterForm(params, user=user)
    now = timezone.now()
    filters = form.queue_filters(now=now)
    page = selectors.inbox_page(user=user, filters=filters, page_number=params.get("page"))
    page.object_list = list(page.object_list)
    queue_rows_annotate(page.object_list, now=now)
    return {
        "form": form,
        "page": page,
        "query": clean_query(query),
        "view": form.current_view(),
        "now": now,
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    context = _list_context(request, request.GET.urlencode())
    if not wants_partial(request):
        user = _user(request)
        context |= {
            "views": [(key, view.label) for key, view in VIEWS.items()],
            "saved_views": list(SavedView.objects.filter(user=user)),
            "bulk_form": BulkForm(initial={"inbox": context["query"]}),
            "saved_view_form": SavedViewForm(user=user, initial={"query": context["query"]}),
        }
    return render_page_or_partial(
        request,
        page="tickets/pages/inbox.html",
        partial="tickets/partials/ticket_list.html",
        context=context,
    )


@login_required
@require_GET
def next_ticket(request: HttpRequest) -> HttpResponse:
    """Open the most urgent ticket of the list as filtered: among those waiting for the desk
    (new, open), the earliest SLA deadline, then the longest wait."""
    user = _user(request)
    query = clean_query(request.GET.urlencode())
    form = QueueFilterForm(request.GET, user=user)
    filters = form.queue_filters(now=timezone.now())
    asked = [status for status in (filters.status or "").split(",") if status]
    statuses = [status for status in NEEDS_US if not asked or status in asked]
    ticket = None
    if statuses:
        urgent = replace(filters, status=",".join(statuses), sort="due")
        ticket = selectors.inbox_queryset(user=user, filters=urgent).first()
    if ticket is None:
        messages.info(request, _("Nothing in this view waits for an answer."))
        return redirect(_inbox_url(query))
    address = reverse("tickets:ticket", args=[ticket.pk])
    return redirect(address + (f"?inbox={quote(query, safe='')}" if query else ""))


def _bulk_apply(user: User, data: dict[str, Any]) -> tuple[int, list[str]]:
    """Apply the action to each ticked ticket the user may see; (done, refusals)."""
    visible = {
        ticket.pk: ticket
        for ticket in selectors.tickets_for_user(user=user)
        .filter(pk__in=data["ticket"])
        .select_related("assignee", "team")
        .prefetch_related("tags")
    }
    tickets: list[Ticket] = [visible[pk] for pk in data["ticket"] if pk in visible]
    missing = len(data["ticket"]) - len(tickets)
    refused = [_("%(count)s ticket(s) not found") % {"count": missing}] if missing else []
    action = data["action"]
    if action == "merge":
        try:
            done = tickets_merge(into=tickets[0], duplicates=tickets[1:], by=user) if tickets else 0
        except DomainError as error:
            return 0, [*refused, error.message]
        return done, refused
    done = 0
    for ticket in tickets:
        try:
            if action == "assign":
                services.ticket_assign(ticket=ticket, by=user, agent=data["agent"])
            elif action == "status":
                services.ticket_set_status(ticket=ticket, by=user, status=data["status"])
            elif action == "tag":
                names = [tag.name for tag in ticket.tags.all()]
                services.ticket_set_tags(ticket=ticket, tags=[*names, data["tag"]])
        except DomainError as error:
            refused.append(f"#{ticket.number}: {error.message}")
        else:
            done += 1
    return done, refused


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the ticked tickets; answers with the refreshed list (htmx) or goes back
    to the list. A ticket that refuses the action (a closed one's status…) is named and left
    as it was; the others are done."""
    user = _user(request)
    form = BulkForm(request.POST)
    current = getattr(request, "htmx", None) and request.htmx.current_url  # type: ignore[attr-defined]
    query = clean_query(urlsplit(current).query if current else str(request.POST.get("inbox", "")))
    status = 200
    if form.is_valid():
        done, refused = _bulk_apply(user, form.cleaned_data)
        result = ngettext("%(count)s ticket changed.", "%(count)s tickets changed.", done) % {
            "count": done
        }
        problems = refused
    else:
        result, status = "", 422
        problems = [str(message) for errors in form.errors.values() for message in errors]
    if not wants_partial(request):
        for message in [result, *problems]:
            if message:
                messages.info(request, message)
        return redirect(_inbox_url(query))
    context = _list_context(request, query) | {"bulk_result": result, "bulk_problems": problems}
    return render_page_or_partial(
        request,
        page="tickets/pages/inbox.html",
        partial="tickets/partials/ticket_list.html",
        context=context,
        status=status,
    )


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST, user=_user(request))
    if form.is_valid():
        view = form.save()
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(_inbox_url(view.query))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect(_inbox_url(clean_query(str(request.POST.get("query", "")))))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    """Only one's own views: another user's id is a 404 like an unknown one."""
    deleted, _rows = SavedView.objects.filter(user=_user(request), pk=view_id).delete()
    if not deleted:
        raise Http404("no such view")
    return redirect(reverse("tickets:inbox"))
