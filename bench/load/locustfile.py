"""Simulated agents working the queue (`make load`; bench/README.md, "Load test").

Each simulated agent signs in to the pages with its password and to the API with its own bearer
token (both made by `bench.load.prepare`), then, with a pause of 0.5-2 s between actions: lists
its inbox, opens tickets, replies, adds notes, searches, and opens its scorecard. Every reply
and note carries a unique marker (`load-<run>-<agent>-<n>`); the markers whose request was
acknowledged (HTTP 201) and those whose answer was anything else are written to
LOAD_MARKERS_OUT when the run stops, so that `bench.load.verify` can check that each
acknowledged write is stored exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

RUN_ID = os.environ.get("LOAD_RUN_ID", "run")
AGENTS: list[dict[str, str]] = json.loads(Path(os.environ["LOAD_AGENTS"]).read_text())
PASSWORD = os.environ["LOAD_PASSWORD"]
SEARCH_WORDS = ("parcel", "refund", "order", "return", "delivery", "size", "damaged", "#12")
LIVE = "new,open,pending"

_agents = itertools.cycle(AGENTS)
acknowledged: list[dict[str, Any]] = []  # {"marker", "kind", "ticket"}
unacknowledged: list[dict[str, Any]] = []  # the answer was not a 201 (or no answer)


class Agent(FastHttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        agent = next(_agents)
        self.username = agent["username"]
        self.api = {"Authorization": f"Bearer {agent['token']}"}
        self.tickets: list[int] = []
        self.sequence = itertools.count(1)
        self._sign_in()
        self.inbox_api()

    def _sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="sign in (page)")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in (post)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}")

    def _ticket(self) -> int | None:
        return random.choice(self.tickets) if self.tickets else None

    def _json(self, path: str, name: str) -> Any:
        with self.client.get(path, headers=self.api, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]}")
                return None
            return answer.json()

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"{page.status_code} {page.headers.get('Location', '')}")

    @task(4)
    def inbox_api(self) -> None:
        page = self._json(f"/api/tickets?status={LIVE}&limit=50", "inbox (API)")
        if page is not None:
            self.tickets = [item["id"] for item in page["items"]] or self.tickets

    @task(2)
    def inbox_page(self) -> None:
        self._page(f"/?status={LIVE}", "inbox (page)")

    @task(3)
    def ticket_api(self) -> None:
        if (ticket := self._ticket()) is not None:
            self._json(f"/api/tickets/{ticket}", "ticket (API)")

    @task(2)
    def ticket_page(self) -> None:
        if (ticket := self._ticket()) is not None:
            self._page(f"/tickets/{ticket}/", "ticket (page)")

    @task(3)
    def reply(self) -> None:
        self._write("reply", "/api/tickets/{}/reply", "reply (API)")

    @task(1)
    def note(self) -> None:
        self._write("note", "/api/tickets/{}/notes", "note (API)")

    def _write(self, kind: str, path: str, name: str) -> None:
        ticket = self._ticket()
        if ticket is None:
            return
        marker = f"load-{RUN_ID}-{self.username}-{next(self.sequence)}"
        body = {"body": f"Thanks for waiting. We checked your order. ({marker})"}
        record = {"marker": marker, "kind": kind, "ticket": ticket}
        with self.client.post(
            path.format(ticket), json=body, headers=self.api, name=name, catch_response=True
        ) as answer:
            if answer.status_code == 201:
                acknowledged.append(record)
            else:
                unacknowledged.append({**record, "status": answer.status_code})
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]}")

    @task(2)
    def search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        self._json(f"/api/tickets?q={word.replace('#', '%23')}&limit=20", "search (API)")

    @task(1)
    def scorecard_api(self) -> None:
        self._json("/api/scorecards?period=month", "scorecard (API)")

    @task(1)
    def scorecard_page(self) -> None:
        self._page("/performance/me/", "scorecard (page)")


@events.test_stop.add_listener
def _markers_write(**_: object) -> None:
    out = os.environ.get("LOAD_MARKERS_OUT")
    if out:
        Path(out).write_text(
            json.dumps({"acknowledged": acknowledged, "unacknowledged": unacknowledged}) + "\n"
        )
