"""The local WooCommerce server of tests/stores, plus `POST /wp-json/wc/v3/orders/<id>/refunds`
as WooCommerce REST v3 documents it: JSON `amount` (a string), `reason`, `api_refund`; a 201
answer with the refund (`id`, `amount`, `reason`, `refunded_payment`); an error as
`{"code", "message", "data": {"status"}}`."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.stores import servers
from tests.stores.servers import WOO_KEY, WOO_SECRET, WooServer


@dataclass
class WooRefundServer(WooServer):
    refunds: list[dict[str, Any]] = field(default_factory=list)
    refund_error: str = ""  # the message of a refused refund


def _handler(state: WooRefundServer) -> type:
    base = servers._woo_handler(state)
    expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()

    class Handler(base):  # type: ignore[misc,valid-type]
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Authorization") != expected:
                self._answer(
                    401, {"code": "woocommerce_rest_cannot_create", "data": {"status": 401}}
                )
                return
            found = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)/refunds", self.path)
            if not found:
                self._answer(404, {"code": "rest_no_route"})
                return
            body = json.loads(raw)
            state.refunds.append({"order": int(found.group(1)), **body})
            if state.refund_error:
                self._answer(
                    500,
                    {
                        "code": "woocommerce_rest_cannot_create_order_refund",
                        "message": state.refund_error,
                        "data": {"status": 500},
                    },
                )
                return
            self._answer(
                201,
                {
                    "id": 700 + len(state.refunds),
                    "amount": body["amount"],
                    "reason": body.get("reason", ""),
                    "refunded_payment": bool(body.get("api_refund")),
                },
            )

    return Handler


@contextlib.contextmanager
def running_woocommerce_refunds() -> Iterator[WooRefundServer]:
    state = WooRefundServer()
    with servers._running(_handler(state)) as url:
        state.url = url
        yield state
