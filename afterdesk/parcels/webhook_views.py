"""The addresses AfterShip and 17TRACK post tracking updates to (docs/stores.md, "Parcels and
tracking"): signed, so no session or CSRF cookie; every answer is JSON."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from afterdesk.core.errors import DomainError
from afterdesk.parcels.models import TrackingSource
from afterdesk.parcels.services.webhooks import tracking_webhook_receive


def _receive(request: HttpRequest, source: str) -> JsonResponse:
    try:
        result = tracking_webhook_receive(source, body=request.body, headers=request.headers)
    except DomainError as error:
        return JsonResponse({"message": error.message, "field": error.field}, status=error.status)
    return JsonResponse(
        {
            "delivery_id": result.delivery.pk,
            "state": result.delivery.state,
            "duplicate": result.duplicate,
        }
    )


@csrf_exempt
@require_POST
def aftership_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, TrackingSource.AFTERSHIP)


@csrf_exempt
@require_POST
def seventeen_track_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, TrackingSource.SEVENTEEN_TRACK)
