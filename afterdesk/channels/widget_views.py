"""The chat widget's endpoints (docs/channels.md, "Chat widget"), called from the seller's
store by `static/afterdesk/widget.js`: plain views, not the API, because they answer other
origins (CORS, only the widget's allowed origins), take no session and no CSRF token (the
conversation token is a header), and answer errors in JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from afterdesk.channels.relay_models import ChatWidget
from afterdesk.channels.services import widget as widgets
from afterdesk.core.errors import DomainError
from afterdesk.core.proxy import client_ip

ALLOWED_HEADERS = f"Content-Type, {widgets.TOKEN_HEADER}"


def _cors(response: HttpResponse, origin: str, methods: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _error(error: DomainError) -> JsonResponse:
    body = {"message": error.message}
    if error.field:
        body["field"] = error.field
    return JsonResponse(body, status=error.status)


def _endpoint(
    methods: str, handle: Callable[[HttpRequest, ChatWidget], HttpResponse]
) -> Callable[[HttpRequest, str], HttpResponse]:
    @csrf_exempt
    def view(request: HttpRequest, key: str) -> HttpResponse:
        origin = request.headers.get("Origin", "")
        try:
            widget = widgets.widget_get(key)
        except DomainError as error:
            return _error(error)
        if not widgets.origin_allowed(widget, origin):
            # No CORS headers: the browser keeps the answer from the page.
            return JsonResponse(
                {"message": "this origin may not use the widget", "field": "Origin"}, status=403
            )
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin, methods)
        if request.method not in methods.split(", "):
            return _cors(
                JsonResponse({"message": "method not allowed"}, status=405), origin, methods
            )
        try:
            response = handle(request, widget)
        except DomainError as error:
            response = _error(error)
        return _cors(response, origin, methods)

    return view


def _messages(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    token = request.headers.get(widgets.TOKEN_HEADER, "")
    if request.method == "POST":
        posted = widgets.message_post(
            widget, body=request.body, token=token, client=client_ip(request) or ""
        )
        body: dict[str, object] = {"message": posted.message}
        if posted.token:
            body["token"] = posted.token
        return JsonResponse(body, status=201)
    conversation = widgets.conversation_of(widget, token)
    messages = widgets.messages_since(conversation, request.GET.get("since", ""))
    return JsonResponse({"messages": messages})


def _config(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    return JsonResponse({"name": widget.name, "greeting": widget.greeting})


messages = _endpoint("GET, POST", _messages)
config = _endpoint("GET", _config)
