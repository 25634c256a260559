"""The notifications pages: the header's bell (loaded and polled by htmx, one query), the
list with mark read / mark all read, opening one (marks it read, then goes to its link), and
one's email choices. A person sees and marks their own notifications only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound
from afterdesk.core.htmx import wants_partial

from . import selectors, services
from .forms import PreferencesForm
from .models import Notification, NotificationKind

PAGE_SIZE = 50
# Tells the bell (listening on the body) to count again after a mark.
CHANGED = "notifications-changed"


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _own_or_404(request: HttpRequest, notification_id: int) -> Notification:
    try:
        return selectors.notification_get_for_user(
            user=_user(request), notification_id=notification_id
        )
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    count = selectors.unread_count(user=_user(request), cap=selectors.BELL_CAP)
    context = {"count": count, "capped": count > selectors.BELL_CAP, "cap": selectors.BELL_CAP}
    response = render(request, "notifications/partials/bell.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_for_user(user=user, unread=True if unread_only else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": selectors.unread_count(user=user),
    }
    return render(request, "notifications/pages/list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    row = services.notification_mark_read(notification=_own_or_404(request, notification_id))
    if not wants_partial(request):
        return redirect("notifications:list")
    response = render(request, "notifications/partials/row.html", {"row": row})
    response["HX-Trigger"] = CHANGED
    return response


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=_user(request))
    messages.success(request, _("%(count)d marked read.") % {"count": marked})
    return redirect("notifications:list")


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks it read and follows its link (always a path inside the desk, checked when it
    was stored); one without a link goes back to the list."""
    row = services.notification_mark_read(notification=_own_or_404(request, notification_id))
    return redirect(row.url or "notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_set(user=user, email_kinds=form.cleaned_data["email_kinds"])
            messages.success(request, _("Settings saved."))
            return redirect("notifications:settings")
        status = 422
    else:
        chosen = selectors.preferences_of(user=user)
        form = PreferencesForm(
            initial={"email_kinds": [k for k in NotificationKind.values if chosen[k]]}
        )
        status = 200
    return render(request, "notifications/pages/settings.html", {"form": form}, status=status)
