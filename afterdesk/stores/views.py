"""The admins' store pages (docs/stores.md): connections (list, form, health with the
latest webhook deliveries, sync now) and the CSV order import (upload, preview, confirm)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.core.tasks import enqueue_on_commit
from afterdesk.stores import selectors
from afterdesk.stores.forms import ConnectionForm, ImportForm
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.phrases import STORE_TEXT
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.services.csv_import import MAX_BYTES, import_confirm, import_preview
from afterdesk.stores.services.webhooks import delivery_retry
from afterdesk.stores.tasks import connection_sync_task


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.can_configure:
        raise PermissionDenied
    return user


def _connection_or_404(user: User, connection_id: int) -> StoreConnection:
    try:
        return selectors.connection_get(user=user, connection_id=connection_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def connections_page(request: HttpRequest) -> HttpResponse:
    connections = list(selectors.connections_list(user=_admin(request)))
    return render(request, "stores/connections.html", {"connections": connections})


@login_required
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, connection_id: int | None = None) -> HttpResponse:
    user = _admin(request)
    connection = _connection_or_404(user, connection_id) if connection_id else None
    status = 200
    if request.method == "POST":
        # A disabled field (the platform of an existing connection) takes its initial value.
        fixed = {"platform": connection.platform} if connection else None
        form = ConnectionForm(request.POST, initial=fixed, editing=connection is not None)
        if form.is_valid():
            data = ConnectionInput(**form.cleaned_data)
            try:
                saved = connection_save(data, existing=connection)
            except errors.DomainError as error:
                form.add_error(
                    error.field if error.field in form.fields else None,
                    STORE_TEXT.shown(error.message),
                )
                status = error.status
            else:
                messages.success(request, _("Store connection saved."))
                return redirect("stores:connection", connection_id=saved.pk)
        else:
            status = 422
    else:
        initial: dict[str, object] | None = None
        if connection is not None:
            initial = {
                "platform": connection.platform,
                "name": connection.name,
                "base_url": connection.base_url,
                "api_version": connection.api_version,
                "market": connection.store.market,
                "currency": connection.store.currency,
                "enabled": connection.enabled,
                **{k: str(v) for k, v in (connection.options or {}).items()},
            }
        form = ConnectionForm(initial=initial, editing=connection is not None)
    deliveries = selectors.deliveries_recent(connection) if connection else []
    context = {"form": form, "connection": connection, "deliveries": deliveries}
    return render(request, "stores/connection.html", context, status=status)


@login_required
@require_POST
def connection_sync_now(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection_or_404(_admin(request), connection_id)
    enqueue_on_commit(connection_sync_task, connection_id=connection.pk)
    messages.success(request, _("Sync queued; its outcome shows here."))
    return redirect("stores:connection", connection_id=connection.pk)


@login_required
@require_POST
def delivery_retry_now(request: HttpRequest, connection_id: int, delivery_id: int) -> HttpResponse:
    connection = _connection_or_404(_admin(request), connection_id)
    try:
        delivery_retry(connection, delivery_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    except errors.DomainError as error:
        messages.error(request, STORE_TEXT.shown(error.message))
    else:
        messages.success(request, _("Delivery queued again; its outcome shows here."))
    return redirect("stores:connection", connection_id=connection.pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload: the preview (first orders, every error with its line) and, without errors, a
    Confirm button for the kept file."""
    user = _admin(request)
    preview = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", _("The file is over 5 MB."))
                status = 413
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    form.add_error("file", _("The file is not UTF-8 text."))
                    status = 422
                else:
                    preview = import_preview(
                        store=form.cleaned_data["store"],
                        content=text,
                        file_name=upload.name or "",
                        user_id=user.pk,
                    )
                    status = 422 if preview.errors else 200
        else:
            status = 422
    else:
        form = ImportForm()
    context = {"form": form, "preview": preview}
    return render(request, "stores/import.html", context, status=status)


@login_required
@require_POST
def import_run(request: HttpRequest, import_id: int) -> HttpResponse:
    user = _admin(request)
    try:
        record = selectors.import_get(user=user, import_id=import_id)
        written = import_confirm(record)
    except errors.NotFound as error:
        raise Http404(error.message) from error
    except errors.DomainError as error:
        messages.error(request, STORE_TEXT.shown(error.message))
        return redirect("stores:import")
    messages.success(
        request,
        _("%(count)s orders written to %(store)s.")
        % {"count": written, "store": record.store.name},
    )
    return redirect("stores:import")
