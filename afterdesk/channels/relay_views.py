"""The admins' page of the HTTP channels (docs/channels.md, "Webhooks and chat"): the signed
webhook integrations (a new one's secret shown once, on the answer to its form), the chat
widgets with the tag to paste, the Meta pages, and what failed. The API offers the same and
more (`channels.api_relays`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from afterdesk.accounts.models import User
from afterdesk.channels.relay_models import (
    ChatWidget,
    MetaPage,
    PayloadState,
    RelayAttachment,
    RelayAttachmentState,
    RelayDelivery,
    RelayDeliveryState,
    RelayPayload,
    WebhookIntegration,
)
from afterdesk.channels.relay_tasks import relay_send_task
from afterdesk.channels.services import relay_admin
from afterdesk.core.errors import DomainError

MAX_ORIGINS_TEXT = 2000
MAX_URL_TEXT = 600  # over the 500 a reply URL may have: the service says what is wrong
UNSENT_SHOWN = 100


def _id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise DomainError(f"no {name} given", field=name)
    return int(value)


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.can_configure:
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def relays_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            context.update(_create(request))
        except DomainError as error:
            context["error"] = error.message
            status = 422
    context.update(
        integrations=list(WebhookIntegration.objects.select_related("store")),
        widgets=list(ChatWidget.objects.select_related("store")),
        pages=list(MetaPage.objects.select_related("store")),
        failed_payloads=RelayPayload.objects.filter(state=PayloadState.FAILED).count(),
        failed_deliveries=RelayDelivery.objects.filter(state=RelayDeliveryState.FAILED).count(),
        failed_files=RelayAttachment.objects.filter(state=RelayAttachmentState.FAILED).count(),
        # Replies that did not reach Messenger, Instagram or a webhook platform (yet).
        unsent=list(
            RelayDelivery.objects.filter(
                state__in=(RelayDeliveryState.FAILED, RelayDeliveryState.RETRYING)
            )
            .select_related("conversation")
            .order_by("-created_at", "-id")[:UNSENT_SHOWN]
        ),
        desk=request.build_absolute_uri("/").rstrip("/"),
    )
    return render(request, "channels/pages/relays.html", context, status=status)


def _create(request: HttpRequest) -> dict[str, Any]:
    form = request.POST.get("form", "")
    name = request.POST.get("name", "").strip()
    if form == "integration":
        integration, secret = relay_admin.integration_create(
            name=name,
            store_id=None,
            secret=None,
            reply_url=request.POST.get("reply_url", "")[:MAX_URL_TEXT],
        )
        return {"created_integration": integration, "secret": secret}
    if form == "reply_url":
        relay_admin.integration_update(
            _id(request, "integration"), reply_url=request.POST.get("reply_url", "")[:MAX_URL_TEXT]
        )
        return {"saved": True}
    if form == "retry":
        delivery = relay_admin.delivery_retry(_id(request, "delivery"))
        relay_send_task(delivery_id=delivery.pk)
        return {"retried": delivery}
    if form == "widget":
        origins = request.POST.get("origins", "")[:MAX_ORIGINS_TEXT].split()
        if not name or not origins:
            raise DomainError("a widget needs a name and at least one origin", field="name")
        widget = relay_admin.widget_create(
            name=name[:100], allowed_origins=origins[:20], store_id=None, greeting=""
        )
        return {"created_widget": widget}
    raise DomainError("unknown form", field="form")
