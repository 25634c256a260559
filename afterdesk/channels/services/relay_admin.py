"""The admins' configuration of the relay channels (docs/channels.md, "Webhooks and chat"):
signed-webhook integrations, Meta pages, chat widgets; and the retries of what failed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from afterdesk.channels.relay_models import (
    ChatWidget,
    MetaPage,
    PayloadState,
    RelayDelivery,
    RelayPayload,
    RelaySource,
    WebhookIntegration,
)
from afterdesk.channels.services import meta
from afterdesk.channels.services.callbacks import reply_url_check
from afterdesk.channels.services.webhooks import secret_new
from afterdesk.commerce.models import Store
from afterdesk.core.errors import Conflict, NotFound, ValidationError

INTEGRATION_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


def _store(store_id: int | None) -> Store | None:
    if store_id is None:
        return None
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise ValidationError(f"no store {store_id}", field="store_id")
    return store


def integrations_all() -> list[WebhookIntegration]:
    return list(WebhookIntegration.objects.all())


def integration_create(
    *, name: str, store_id: int | None, secret: str | None, reply_url: str = ""
) -> tuple[WebhookIntegration, str]:
    """A new integration and its secret in plain text (to show once). With a `reply_url`,
    agents' replies on its tickets are posted there (`services.callbacks`)."""
    if not INTEGRATION_NAME.fullmatch(name):
        raise ValidationError(
            "the name is lower-case letters, digits, - and _ (up to 50)", field="name"
        )
    plain = secret or secret_new()
    integration = WebhookIntegration(
        name=name, store=_store(store_id), reply_url=reply_url_check(reply_url)
    )
    integration.set_secret(plain)
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError as error:
        raise Conflict(f"an integration named {name!r} exists", field="name") from error
    return integration, plain


def _integration(integration_id: int) -> WebhookIntegration:
    integration = WebhookIntegration.objects.filter(pk=integration_id).first()
    if integration is None:
        raise NotFound(f"no integration {integration_id}")
    return integration


def integration_secret_rotate(integration_id: int) -> tuple[WebhookIntegration, str]:
    integration = _integration(integration_id)
    plain = secret_new()
    integration.set_secret(plain)
    integration.save(update_fields=["secret_encrypted"])
    return integration, plain


def integration_update(
    integration_id: int, *, reply_url: str | None = None, enabled: bool | None = None
) -> WebhookIntegration:
    """Change the reply URL ("" stops posting replies) or switch the integration on or off;
    what is not given stays."""
    integration = _integration(integration_id)
    if reply_url is not None:
        integration.reply_url = reply_url_check(reply_url)
    if enabled is not None:
        integration.enabled = enabled
    integration.save(update_fields=["reply_url", "enabled"])
    return integration


def integration_delete(integration_id: int) -> None:
    _integration(integration_id).delete()


def meta_page_create(
    *,
    page_id: str,
    platform: str,
    name: str,
    access_token: str,
    store_id: int | None,
    human_agent: bool,
) -> MetaPage:
    if platform not in (RelaySource.FACEBOOK, RelaySource.INSTAGRAM):
        raise ValidationError("platform must be facebook or instagram", field="platform")
    page = MetaPage(
        page_id=page_id,
        platform=platform,
        name=name,
        store=_store(store_id),
        human_agent=human_agent,
    )
    page.set_access_token(access_token)
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError as error:
        raise Conflict(f"page {page_id} is configured already", field="page_id") from error
    return page


def meta_page_delete(page_pk: int) -> None:
    deleted, _rows = MetaPage.objects.filter(pk=page_pk).delete()
    if not deleted:
        raise NotFound(f"no Meta page {page_pk}")


def origin_normalise(origin: str) -> str:
    """`https://Shop.example/` → `https://shop.example`; a 422 for anything but an origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"{origin[:80]!r} is not an origin (https://host[:port])", field="allowed_origins"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(
            f"{origin[:80]!r} must be an origin only, without a path", field="allowed_origins"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ValidationError(f"{origin[:80]!r} has a bad port", field="allowed_origins") from error
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def widget_create(
    *, name: str, allowed_origins: list[str], store_id: int | None, greeting: str
) -> ChatWidget:
    origins = sorted({origin_normalise(origin) for origin in allowed_origins})
    return ChatWidget.objects.create(
        name=name, allowed_origins=origins, store=_store(store_id), greeting=greeting
    )


def widget_delete(widget_id: int) -> None:
    deleted, _rows = ChatWidget.objects.filter(pk=widget_id).delete()
    if not deleted:
        raise NotFound(f"no widget {widget_id}")


def payload_retry(payload_id: int) -> RelayPayload:
    payload = RelayPayload.objects.filter(pk=payload_id).first()
    if payload is None:
        raise NotFound(f"no payload {payload_id}")
    if payload.state != PayloadState.FAILED or payload.source not in (
        RelaySource.FACEBOOK,
        RelaySource.INSTAGRAM,
    ):
        raise Conflict(f"payload {payload_id} is {payload.state}; only failed Meta payloads retry")
    meta.payload_process(payload)
    payload.refresh_from_db()
    return payload


def delivery_retry(delivery_id: int) -> RelayDelivery:
    delivery = RelayDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}")
    if not meta.relay_delivery_retry_now(delivery):
        raise Conflict(f"delivery {delivery_id} is {delivery.state}; only failed or waiting ones")
    delivery.refresh_from_db()
    return delivery
