"""The addresses platforms post their webhooks to (docs/stores.md, "Webhooks"); signed, so
no session, token or CSRF cookie. Every answer is JSON."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from afterdesk.commerce.models import Platform
from afterdesk.core.errors import DomainError
from afterdesk.stores.services.webhooks import connection_for_webhook, webhook_receive


def _receive(request: HttpRequest, platform: str, key: str) -> JsonResponse:
    try:
        connection = connection_for_webhook(platform, key)
        result = webhook_receive(connection, body=request.body, headers=request.headers)
    except DomainError as error:
        return JsonResponse({"message": error.message, "field": error.field}, status=error.status)
    delivery = result.delivery
    return JsonResponse(
        {
            "delivery_id": delivery.pk if delivery else None,
            "state": result.state,
            "duplicate": result.duplicate,
            "order_id": delivery.order_id if delivery else None,
        }
    )


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, key: str) -> JsonResponse:
    return _receive(request, Platform.SHOPIFY, key)


@csrf_exempt
@require_POST
def woocommerce_webhook(request: HttpRequest, key: str) -> JsonResponse:
    return _receive(request, Platform.WOOCOMMERCE, key)
