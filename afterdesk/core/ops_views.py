"""The operators' endpoints: `/healthz` for probes, `/metrics` for Prometheus.

Neither needs a session (a probe has none) nor says more than it must: the health check answers
ok or failing, the metrics answer only with the bearer token of AFTERDESK_METRICS_TOKEN and do
not exist (404) without one. Both keep Django's host check (ALLOWED_HOSTS): a probe sends an
allowed Host header.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from afterdesk.core.health import service_healthy, task_queue
from afterdesk.core.observability import metrics_exposition


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    if service_healthy():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "failing"}, status=503)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    expected: str = settings.AFTERDESK_METRICS_TOKEN
    if not expected:
        raise Http404
    if not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        response = JsonResponse(
            {"message": "A valid bearer token is required.", "field": "Authorization"},
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics_exposition(task_queue)
    return HttpResponse(body, content_type=content_type)
