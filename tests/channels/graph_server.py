"""A local stand-in for Meta's Graph API Send endpoint (`POST /v21.0/me/messages`), run in a
thread by the tests: it checks each request the way Meta documents it (JSON body with
recipient.id, message.text, messaging_type, a tag only with MESSAGE_TAG; a bearer access
token) and answers `{"recipient_id", "message_id"}`, or the error the test queued."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

PATH = "/v21.0/me/messages"


@dataclass
class GraphServer:
    url: str = ""
    token: str = "page-token-123"
    requests: list[dict[str, Any]] = field(default_factory=list)
    # (status, body) answered to the next requests, in order; then success.
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _handler(state: GraphServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            problem = self._problem(raw)
            if problem:
                self._answer(400, {"error": {"message": problem, "code": 100}})
                return
            body = json.loads(raw)
            state.requests.append(body)
            if state.failures:
                status, answer = state.failures.pop(0)
                self._answer(status, answer)
                return
            mid = f"m_sent_{len(state.requests)}"
            self._answer(200, {"recipient_id": body["recipient"]["id"], "message_id": mid})

        def _problem(self, raw: bytes) -> str:
            if self.path != PATH:
                return f"unknown path {self.path}"
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return "Invalid OAuth access token"
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                return "the body must be JSON"
            try:
                body = json.loads(raw)
            except ValueError:
                return "the body is not JSON"
            if not isinstance(body.get("recipient", {}).get("id"), str):
                return "recipient.id is required"
            if not isinstance(body.get("message", {}).get("text"), str):
                return "message.text is required"
            kind = body.get("messaging_type")
            if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
                return f"bad messaging_type {kind!r}"
            if (kind == "MESSAGE_TAG") != ("tag" in body):
                return "a tag goes with messaging_type MESSAGE_TAG, and only with it"
            return ""

    return Handler


@pytest.fixture
def graph_server() -> Iterator[GraphServer]:
    state = GraphServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v21.0"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
