"""The relay channels' API (docs/channels.md, "Webhooks and chat"): the public endpoints
platforms post to (each checks its own signature instead of a token), and the admins'
configuration of integrations, Meta pages and chat widgets, with the failed payloads and
deliveries. Mounted by `channels.api`'s router."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.channels.relay_models import (
    ChatWidget,
    MetaPage,
    RelayDelivery,
    RelayDeliveryState,
    RelayPayload,
    WebhookIntegration,
)
from afterdesk.channels.relay_schemas import (
    IntegrationCreated,
    IntegrationIn,
    IntegrationOut,
    IntegrationPatch,
    MetaPageIn,
    MetaPageOut,
    PayloadFilterQuery,
    RelayDeliveryOut,
    RelayPayloadOut,
    RelayPayloadPage,
    WebhookReceived,
    WidgetIn,
    WidgetOut,
)
from afterdesk.channels.relay_tasks import relay_files_task, relay_send_task
from afterdesk.channels.services import meta, relay_admin, webhooks
from afterdesk.core.api_schemas import AUTH_ERRORS, WRITE_ERRORS, ErrorOut, Id, paginate

router = Router(tags=["channels"])
CONFIGURE = requires(lambda user: user_require_configure(user=user))
PUBLIC_ERRORS: dict[int, type[ErrorOut]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}
RAW_JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


# --- What platforms post --------------------------------------------------------------------


@router.post(
    "/channels/webhook/{integration}",
    response={200: WebhookReceived, 201: WebhookReceived, **PUBLIC_ERRORS},
    auth=None,
    openapi_extra=RAW_JSON_BODY,
)
def webhook_receive(request: HttpRequest, integration: str) -> Status[WebhookReceived]:
    """One buyer message from a platform, signed with the integration's secret (headers
    X-Afterdesk-Timestamp and X-Afterdesk-Signature: sha256=HMAC(secret, timestamp + "." +
    body)): 201 taken, 200 the same message_id again, 401 unsigned, 403 a wrong signature or a
    timestamp over 5 minutes off, 404 no such integration, 422 a body that is not the format
    (kept, marked failed)."""
    found = webhooks.integration_get(integration)
    result = webhooks.webhook_receive(
        found,
        body=request.body,
        signature=request.headers.get(webhooks.SIGNATURE_HEADER, ""),
        timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER, ""),
    )
    body = WebhookReceived(
        stored=result.taken.stored,
        ticket_id=result.taken.ticket_id,
        payload_id=result.payload.pk,
    )
    return Status(201 if result.taken.stored else 200, body)


@router.get(
    "/channels/meta/webhook",
    response={200: None, **PUBLIC_ERRORS},
    auth=None,
)
def meta_subscribe(request: HttpRequest) -> HttpResponse:
    """Meta's subscription check: `hub.challenge` echoed (text/plain) when `hub.mode` is
    subscribe and `hub.verify_token` is META_VERIFY_TOKEN; 403 otherwise."""
    challenge = meta.subscription_verify(
        mode=request.GET.get("hub.mode", ""),
        token=request.GET.get("hub.verify_token", ""),
        challenge=request.GET.get("hub.challenge", ""),
    )
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@router.post(
    "/channels/meta/webhook",
    response={200: dict[str, int | str], **PUBLIC_ERRORS},
    auth=None,
    openapi_extra=RAW_JSON_BODY,
)
def meta_events(request: HttpRequest) -> dict[str, int | str]:
    """Messenger or Instagram events signed with X-Hub-Signature-256: stored, then each
    buyer message taken once (by its mid). 200 once stored, even when something in it could
    not be taken (the payload is kept, failed, for a retry); 401/403 a missing or wrong
    signature."""
    payload, results = meta.meta_receive(
        body=request.body, signature=request.headers.get(meta.SIGNATURE_HEADER, "")
    )
    payload.refresh_from_db(fields=["state"])
    taken = [result.message.pk for result in results if result.stored]
    if taken:
        # Their files, downloaded in the background (services.meta_files); a queue that is
        # down loses nothing: the minute's sweep fetches what is due.
        relay_files_task(message_ids=taken)
    return {
        "payload_id": payload.pk,
        "state": payload.state,
        "taken": sum(1 for r in results if r.stored),
    }


# --- Configuration (admins) -----------------------------------------------------------------


@router.get(
    "/channels/integrations",
    response={200: list[IntegrationOut], **AUTH_ERRORS},
    auth=CONFIGURE,
)
def integrations_list(request: HttpRequest) -> list[WebhookIntegration]:
    """Signed-webhook integrations (their secrets are never shown again)."""
    return relay_admin.integrations_all()


@router.post(
    "/channels/integrations",
    response={201: IntegrationCreated, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def integration_create(request: HttpRequest, payload: IntegrationIn) -> Status[IntegrationCreated]:
    """A new integration; its secret (given, or made) is in this answer only; 409 a name in
    use."""
    integration, secret = relay_admin.integration_create(
        name=payload.name,
        store_id=payload.store_id,
        secret=payload.secret,
        reply_url=payload.reply_url,
    )
    return Status(201, _created(integration, secret))


@router.post(
    "/channels/integrations/{integration_id}/secret",
    response={200: IntegrationCreated, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def integration_secret_rotate(request: HttpRequest, integration_id: Id) -> IntegrationCreated:
    """A new random secret (the old one stops working at once), shown once."""
    integration, secret = relay_admin.integration_secret_rotate(integration_id)
    return _created(integration, secret)


@router.patch(
    "/channels/integrations/{integration_id}",
    response={200: IntegrationOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def integration_update(
    request: HttpRequest, integration_id: Id, payload: IntegrationPatch
) -> WebhookIntegration:
    """Set the reply URL (agents' replies posted there, signed; "" stops it; 422 for one
    that is not https or is on the local network) or switch the integration on or off."""
    return relay_admin.integration_update(
        integration_id, reply_url=payload.reply_url, enabled=payload.enabled
    )


@router.delete(
    "/channels/integrations/{integration_id}",
    response={204: None, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def integration_delete(request: HttpRequest, integration_id: Id) -> Status[None]:
    relay_admin.integration_delete(integration_id)
    return Status(204, None)


@router.get(
    "/channels/meta/pages", response={200: list[MetaPageOut], **AUTH_ERRORS}, auth=CONFIGURE
)
def meta_pages_list(request: HttpRequest) -> list[MetaPage]:
    return list(MetaPage.objects.all())


@router.post("/channels/meta/pages", response={201: MetaPageOut, **WRITE_ERRORS}, auth=CONFIGURE)
def meta_page_create(request: HttpRequest, payload: MetaPageIn) -> Status[MetaPage]:
    """A Page or Instagram account whose messages the desk takes (its access token is stored
    encrypted and never shown); 409 a page id in use."""
    page = relay_admin.meta_page_create(**payload.model_dump())
    return Status(201, page)


@router.delete(
    "/channels/meta/pages/{page_pk}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE
)
def meta_page_delete(request: HttpRequest, page_pk: Id) -> Status[None]:
    relay_admin.meta_page_delete(page_pk)
    return Status(204, None)


@router.get("/channels/widgets", response={200: list[WidgetOut], **AUTH_ERRORS}, auth=CONFIGURE)
def widgets_list(request: HttpRequest) -> list[ChatWidget]:
    return list(ChatWidget.objects.all())


@router.post("/channels/widgets", response={201: WidgetOut, **WRITE_ERRORS}, auth=CONFIGURE)
def widget_create(request: HttpRequest, payload: WidgetIn) -> Status[ChatWidget]:
    """A chat widget for a store; `key` goes into the script tag. Origins are
    scheme://host[:port] (422 otherwise)."""
    widget = relay_admin.widget_create(**payload.model_dump())
    return Status(201, widget)


@router.delete(
    "/channels/widgets/{widget_id}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE
)
def widget_delete(request: HttpRequest, widget_id: Id) -> Status[None]:
    relay_admin.widget_delete(widget_id)
    return Status(204, None)


@router.get(
    "/channels/relay/payloads", response={200: RelayPayloadPage, **WRITE_ERRORS}, auth=CONFIGURE
)
def relay_payloads(request: HttpRequest, filters: Query[PayloadFilterQuery]) -> object:
    """Stored webhook bodies, newest first; `state=failed` lists what needs an admin."""
    queryset = RelayPayload.objects.defer("body")
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    return paginate(queryset, filters)


@router.post(
    "/channels/relay/payloads/{payload_id}/retry",
    response={200: RelayPayloadOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def relay_payload_retry(request: HttpRequest, payload_id: Id) -> RelayPayload:
    """Process a failed Meta payload again (e.g. after its page was added); 409 otherwise."""
    return relay_admin.payload_retry(payload_id)


@router.get(
    "/channels/relay/deliveries",
    response={200: list[RelayDeliveryOut], **WRITE_ERRORS},
    auth=CONFIGURE,
)
def relay_deliveries(
    request: HttpRequest, state: RelayDeliveryState | None = None, ticket_id: Id | None = None
) -> list[RelayDelivery]:
    """Replies sent to Messenger or Instagram or posted to a webhook platform's reply URL,
    newest first (at most 200); `state=failed` lists those that could not be sent, with the
    reason."""
    queryset = RelayDelivery.objects.all()
    if state:
        queryset = queryset.filter(state=state)
    if ticket_id is not None:
        queryset = queryset.filter(ticket_id=ticket_id)
    return list(queryset[:200])


@router.post(
    "/channels/relay/deliveries/{delivery_id}/retry",
    response={200: RelayDeliveryOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def relay_delivery_retry(request: HttpRequest, delivery_id: Id) -> RelayDelivery:
    """Send a failed or waiting reply again now; 409 for one that is neither."""
    delivery = relay_admin.delivery_retry(delivery_id)
    relay_send_task(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _created(integration: WebhookIntegration, secret: str) -> IntegrationCreated:
    return IntegrationCreated.model_validate(
        {**IntegrationOut.from_orm(integration).model_dump(), "secret": secret}
    )
