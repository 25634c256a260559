"""Every `/api/` answer is JSON with a `message` (docs/reliability.md, "Web and API").

The API's operations answer their own errors in JSON (`afterdesk.api.api`); this middleware
covers the answers Django gives around them: an unknown path under `/api/` (404), a method
the path does not take (405, with its `Allow` header) and an unhandled error (500). A body over
`DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413 from the API's own handler. Pages outside `/api/` keep
their HTML.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

API_PREFIX = "/api/"
MESSAGES = {
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
    500: "internal server error",
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_message(status: int) -> str:
    if status in MESSAGES:
        return MESSAGES[status]
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


class ApiJsonErrorsMiddleware:
    """Turns a non-JSON error answer under `/api/` into `{"message": …}` (headers kept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if not isinstance(response, HttpResponse):  # a streamed error: replace it whole
            status = response.status_code
            return JsonResponse({"message": error_message(status)}, status=status)
        response.content = json.dumps({"message": error_message(response.status_code)})
        response["Content-Type"] = "application/json; charset=utf-8"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
