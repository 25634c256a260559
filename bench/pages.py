"""The inbox and ticket pages as a whole (issue 20, "Speed"; docs/benchmarks.md, "Inbox and
ticket pages"): server time of the full request — middleware, view, queries, template — at
100k and 1M tickets on PostgreSQL, the queries each page sends, and the JavaScript each main
page loads.

The tickets and their buyers are written with COPY by `bench.fill.tickets_fill` (the inbox
benchmark's rows); what the pages show beside them is derived from those rows inside the
database (`INSERT … SELECT`, no round trip per row): for every ticket the buyer's message and,
unless new, an agent's reply (message events and messages), a triage event for live tickets,
a note on one in twenty; an SLA row for live tickets (deadlines from a day ago to three days
ahead of now, so that about a quarter breach within two hours; paused when pending or on
hold); tags on three tickets in ten; one order per buyer with a parcel and two tracking
checkpoints, linked to each of the buyer's tickets; saved views. One buyer is busy: about 300
tickets (every ticket whose id is a multiple of size/300) and 60 orders.
"""

# The SQL is built from this module's constants; the values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

import gzip
import re
import statistics
import time
from typing import Any
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.test import Client

from afterdesk.accounts.models import Role, User
from afterdesk.tickets.models import SavedView, Ticket
from bench.fill import BENCH_ADMIN, tickets_fill

WARMUP = 5
BUSY_BUYER = 1
BUSY_TICKETS = 300
BUSY_ORDERS = 60
TAGS = (
    "vip",
    "refund",
    "damaged",
    "late",
    "customs",
    "wrong-size",
    "fraud-check",
    "repeat",
    "influencer",
    "b2b",
)
BODIES = (
    "Hello, where is my order? The tracking has not moved for a week.",
    "The parcel arrived damaged, the box was crushed. I would like a refund please.",
    "I received the wrong size, can I exchange it for a larger one?",
    "Mein Paket ist noch nicht angekommen. Können Sie bitte nachsehen?",
    "Bonjour, la commande est arrivée incomplète, il manque un article.",
    "Hola, quiero devolver el producto, no funciona correctamente.",
)
REPLY = "Thank you for writing. I checked your parcel with the carrier and it is on its way."


def _exec(sql: str, params: tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _pages_fill(first: int, last: int, size: int) -> None:
    """What the pages show beside tickets `first`…`last` (see the module's docstring)."""
    step = max(size // BUSY_TICKETS, 1)
    # The busy buyer: every `step`-th ticket of this range is theirs.
    _exec(
        "UPDATE tickets_ticket SET customer_id = %s WHERE id BETWEEN %s AND %s AND id %% %s = 0",
        (BUSY_BUYER, first, last, step),
    )
    bodies = "ARRAY[" + ", ".join(["%s"] * len(BODIES)) + "]"
    # Event ids are 4 × ticket id + 0 (buyer's message), 1 (reply), 2 (triage), 3 (note).
    _exec(
        "INSERT INTO tickets_ticketevent "
        "(id, ticket_id, kind, at, subtype, score, fields, fingerprint, recorded_at, agent_id) "
        "SELECT 4 * t.id, t.id, 'message', t.created_at, 'inbound', NULL, "
        """'{"kind": "inbound"}', md5('in' || t.id), t.created_at, NULL """
        "FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s",
        (first, last),
    )
    _exec(
        "INSERT INTO tickets_ticketevent "
        "(id, ticket_id, kind, at, subtype, score, fields, fingerprint, recorded_at, agent_id) "
        "SELECT 4 * t.id + 1, t.id, 'message', t.created_at + (t.updated_at - t.created_at) / 2,"
        """ 'reply', NULL, '{"kind": "reply"}', md5('re' || t.id), t.updated_at, t.assignee_id """
        "FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status <> 'new' "
        "AND t.assignee_id IS NOT NULL",
        (first, last),
    )
    _exec(
        "INSERT INTO tickets_ticketevent "
        "(id, ticket_id, kind, at, subtype, score, fields, fingerprint, recorded_at, agent_id) "
        "SELECT 4 * t.id + 2, t.id, 'triage', t.created_at, '', (t.id * 37) %% 100, "
        "jsonb_build_object('issue_type', t.category, 'language', t.language, "
        "'risk', (t.id * 37) %% 100, 'risk_flags', '[]'::jsonb, 'priority', t.priority), "
        "md5('tr' || t.id), t.created_at, NULL "
        "FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s "
        "AND t.status IN ('new', 'open', 'pending', 'on_hold')",
        (first, last),
    )
    _exec(
        "INSERT INTO tickets_ticketevent "
        "(id, ticket_id, kind, at, subtype, score, fields, fingerprint, recorded_at, agent_id) "
        "SELECT 4 * t.id + 3, t.id, 'message', t.updated_at, 'note', NULL, "
        """'{"kind": "note"}', md5('no' || t.id), t.updated_at, t.assignee_id """
        "FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.id %% 20 = 7 "
        "AND t.assignee_id IS NOT NULL",
        (first, last),
    )
    _exec(
        "INSERT INTO tickets_message (id, ticket_id, event_id, kind, body_text, body_html, "
        "external_message_id, created_at, author_id) "
        "SELECT e.id, e.ticket_id, e.id, e.subtype, "
        f"CASE e.subtype WHEN 'inbound' THEN ({bodies})[1 + e.ticket_id %% {len(BODIES)}] "
        "WHEN 'reply' THEN %s ELSE 'Checked with the warehouse.' END, '', '', e.at, e.agent_id "
        "FROM tickets_ticketevent e WHERE e.kind = 'message' "
        "AND e.ticket_id BETWEEN %s AND %s",
        (*BODIES, REPLY, first, last),
    )
    # The buyer's last message, as the ticket services keep it: the inbound event above.
    _exec(
        "UPDATE tickets_ticket SET buyer_message_at = created_at WHERE id BETWEEN %s AND %s",
        (first, last),
    )
    # SLA rows of the live tickets, relative to now (the inbox compares with now).
    _exec(
        "INSERT INTO sla_ticketsla (ticket_id, policy_id, first_reply_due, next_reply_due, "
        "periodic_update_due, resolution_due, paused, next_at, clocks, computed_at) "
        "SELECT t.id, (SELECT min(id) FROM sla_policy), "
        "CASE WHEN t.status = 'new' THEN now() + ((t.id * 7919) %% 5760 - 1440) "
        "* interval '1 minute' END, "
        "CASE WHEN t.status = 'open' THEN now() + ((t.id * 7919) %% 5760 - 1440) "
        "* interval '1 minute' END, NULL, "
        "now() + ((t.id * 7919) %% 5760 + 1440) * interval '1 minute', "
        "t.status IN ('pending', 'on_hold'), now() + interval '1 hour', '[]'::jsonb, now() "
        "FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s "
        "AND t.status IN ('new', 'open', 'pending', 'on_hold')",
        (first, last),
    )
    _exec(
        "INSERT INTO tickets_ticket_tags (ticket_id, tag_id) "
        "SELECT t.id, g.id FROM tickets_ticket t JOIN tickets_tag g "
        "ON g.name = (ARRAY[" + ", ".join(["%s"] * len(TAGS)) + f"])[1 + t.id %% {len(TAGS)}] "
        "WHERE t.id BETWEEN %s AND %s AND t.id %% 10 < 3",
        (*TAGS, first, last),
    )
    # One order per buyer (order id = buyer id), linked to each of the buyer's tickets.
    _exec(
        "INSERT INTO commerce_order (id, number, status, total, currency, placed_at, "
        "customer_id, store_id) "
        "SELECT c.id, 'O-' || c.id, 'shipped', 10 + c.id %% 300, 'USD', "
        "c.created_at + (c.id %% 300) * interval '1 day', c.id, c.store_id "
        "FROM commerce_customer c WHERE c.id > coalesce((SELECT max(id) FROM commerce_order "
        "WHERE id < 100000000), 0)"
    )
    _exec(
        "INSERT INTO commerce_shipment (id, carrier, tracking_number, status, shipped_at, "
        "delivered_at, order_id, last_tracking_at, stalled, stalled_since, tracking_status) "
        "SELECT o.id, 'DHL', 'JD' || lpad(o.id::text, 12, '0'), 'in_transit', o.placed_at, "
        "NULL, o.id, o.placed_at + interval '2 days', false, NULL, 'in_transit' "
        "FROM commerce_order o WHERE NOT EXISTS "
        "(SELECT 1 FROM commerce_shipment s WHERE s.id = o.id)"
    )
    _exec(
        "INSERT INTO commerce_trackingevent (at, status, location, description, shipment_id, "
        "dedup_key, raw_status, source, tracking_status) "
        "SELECT s.shipped_at + k * interval '1 day', "
        "CASE k WHEN 0 THEN 'info_received' ELSE 'in_transit' END, 'Leipzig, DE', "
        "CASE k WHEN 0 THEN 'Shipment information received' ELSE 'In transit' END, s.id, NULL,"
        " '', 'csv', CASE k WHEN 0 THEN 'info_received' ELSE 'in_transit' END "
        "FROM commerce_shipment s CROSS JOIN generate_series(0, 1) k "
        "WHERE NOT EXISTS (SELECT 1 FROM commerce_trackingevent x WHERE x.shipment_id = s.id)"
    )
    _exec(
        "INSERT INTO tickets_ticket_orders (ticket_id, order_id) "
        "SELECT t.id, t.customer_id FROM tickets_ticket t "
        "WHERE t.id BETWEEN %s AND %s AND t.customer_id IS NOT NULL",
        (first, last),
    )


def _busy_buyer_orders() -> None:
    """The busy buyer's other orders (ids from 100,000,000 up, apart from the buyers')."""
    _exec(
        "INSERT INTO commerce_order (id, number, status, total, currency, placed_at, "
        "customer_id, store_id) "
        "SELECT 100000000 + k, 'OB-' || k, 'delivered', 20 + k, 'USD', "
        "now() - k * interval '5 days', %s, (SELECT store_id FROM commerce_customer WHERE id = %s) "
        "FROM generate_series(1, %s) k ON CONFLICT DO NOTHING",
        (BUSY_BUYER, BUSY_BUYER, BUSY_ORDERS),
    )


def _setup_users() -> tuple[User, User]:
    from afterdesk.tickets.models import Tag

    for name in TAGS:
        Tag.objects.get_or_create(name=name)
    admin = User.objects.get(username=BENCH_ADMIN)
    # The agent: the first member of the first team.
    team = User.teams.through.objects.order_by("team_id").first()
    if team is None:
        raise RuntimeError("no team members: bench.fill did not run")
    member_ids = list(
        User.teams.through.objects.filter(team_id=team.team_id).values_list("user_id", flat=True)
    )
    agent = User.objects.filter(pk__in=member_ids).order_by("pk").first()
    if agent is None or agent.role != Role.AGENT:
        raise RuntimeError("the bench agent must be an agent")
    for user in (agent, admin):
        for name, query in (
            ("Urgent unsolved", "view=all&priority=urgent&status=new,open,pending,on_hold"),
            ("Refunds", "view=all&tag=refund"),
            ("German", "view=all&language=de"),
            ("Marketplaces, by deadline", "view=all&channel=marketplace&sort=due"),
            ("Waiting longest", "view=team&sort=waiting"),
        ):
            SavedView.objects.get_or_create(user=user, name=name, defaults={"query": query})
    return agent, admin


def pages_fill(*, target: int) -> float:
    """Tickets up to `target` and what the pages show beside them; returns the seconds."""
    started = time.perf_counter()
    have = Ticket.objects.count()
    tickets_fill(target=target)  # tickets and buyers, COPY; analysed
    _setup_users()
    with transaction.atomic():
        for first in range(have + 1, target + 1, 100_000):
            _pages_fill(first, min(first + 99_999, target), target)
        if have == 0:
            _busy_buyer_orders()
    with connection.cursor() as cursor:
        for table in (
            "tickets_ticketevent",
            "tickets_message",
            "commerce_order",
            "commerce_shipment",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _ticket_ids(agent: User, size: int) -> tuple[list[int], int]:
    """Ordinary tickets the agent may see (live ones of their teams) and a ticket of the busy
    buyer the agent may see."""
    from afterdesk.tickets.selectors import tickets_for_user

    visible = tickets_for_user(user=agent)
    ordinary = list(
        visible.filter(status__in=["open", "pending", "new"])
        .exclude(customer_id=BUSY_BUYER)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    busy = visible.filter(customer_id=BUSY_BUYER).order_by("-id").values_list("id", flat=True)
    return ordinary, busy[0]


# (name, path, query, htmx partial)
def _cases(user: User, ordinary: list[int], busy: int) -> list[tuple[str, str, Any, bool]]:
    agent = user.role == Role.AGENT
    first_view = "mine" if agent else "all"
    cases: list[tuple[str, str, Any, bool]] = [
        (f"inbox default ({first_view})", "/", {}, False),
        ("inbox my teams", "/", {"view": "team"}, False),
        ("inbox unassigned", "/", {"view": "unassigned"}, False),
        ("inbox breaching soon", "/", {"view": "breaching"}, False),
        ("inbox by SLA deadline", "/", {"view": "team" if agent else "all", "sort": "due"}, False),
        ("inbox waiting longest", "/", {"view": "team", "sort": "waiting"}, False),
        ("inbox saved view (tag)", "/", {"view": "all", "tag": "refund"}, False),
        (
            "inbox search, order number",
            "/",
            {"q": f"O-{Ticket.objects.get(pk=ordinary[0]).customer_id}"},
            False,
        ),
        (
            "inbox search, words",
            "/",
            {"view": "team" if agent else "all", "q": "parcel damaged", "language": "en"},
            False,
        ),
        (
            # In one buyer message in six here: a page of matches (the phrase above is in none,
            # though each of its words is in a sixth of the messages).
            "inbox search, common phrase",
            "/",
            {"view": "team" if agent else "all", "q": "parcel arrived", "language": "en"},
            False,
        ),
        ("inbox list fragment (htmx)", "/", {"view": first_view}, True),
        ("notification bell (polled)", "/notifications/bell/", {}, True),
        ("ticket page, ordinary", "ticket", ordinary, False),
        ("ticket page, busy buyer", f"/tickets/{busy}/", {}, False),
    ]
    return cases


def percentile(values: list[float], share: float) -> float:
    from bench.worker import percentile as nearest_rank

    return nearest_rank(values, share)


def _request(client: Client, path: str, query: Any, partial: bool, index: int) -> Any:
    headers = {"HX-Request": "true"} if partial else {}
    if path == "ticket":
        ids: list[int] = query
        return client.get(f"/tickets/{ids[index % len(ids)]}/", headers=headers)
    return client.get(path, query, headers=headers)


def _time_case(client: Client, path: str, query: Any, partial: bool, repeat: int) -> dict[str, Any]:
    for index in range(WARMUP):
        response = _request(client, path, query, partial, index)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {query}: HTTP {response.status_code}")
    queries: list[tuple[float, str]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - began) * 1000, sql))

    with connection.execute_wrapper(record):  # counted once, apart from the timed requests
        response = _request(client, path, query, partial, 0)
    times: list[float] = []
    cpu: list[float] = []  # this process's CPU (no waiting for a core, no database server)
    for index in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = _request(client, path, query, partial, index)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return {
        "cpu_p50_ms": statistics.median(cpu),
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
        "queries": len(queries),
        "bytes": len(response.content),
        "rows": response.content.count(b' queue-row"') or None,
        "sql_ms": sum(ms for ms, _sql in queries),
        "slowest_sql": [
            {"ms": ms, "sql": sql[:300]} for ms, sql in sorted(queries, reverse=True)[:3]
        ],
    }


def pages_measure(*, size: int, repeat: int, fill_seconds: float) -> list[dict[str, Any]]:
    agent, admin = _setup_users()
    ordinary, busy = _ticket_ids(agent, size)
    results = []
    for user in (agent, admin):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user)
        for name, path, query, partial in _cases(user, ordinary, busy):
            figures = _time_case(client, path, query, partial, repeat)
            figures.update(
                kind="pages",
                backend=connection.vendor,
                tickets=size,
                user=user.role,
                page=name,
                repeat=repeat,
                fill_seconds=fill_seconds,
                load=_load(),
            )
            results.append(figures)
    return results


def _load() -> str:
    try:
        with open("/proc/loadavg") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "?"


SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
SRC = re.compile(rb"""\bsrc=["']([^"']+)["']""")
NAV = re.compile(rb'<nav class="mainnav">(.*?)</nav>', re.S)
HREF = re.compile(rb'href="(/[^"]*)"')


def _static_bytes(url: str) -> tuple[int, int]:
    """Bytes of a static file as shipped (the file `collectstatic` copies; WhiteNoise serves
    it as is, and gzip/Brotli-compressed to browsers that accept it) and gzipped."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        raise RuntimeError(f"a script from outside the static files: {url}")
    found = finders.find(path[len(settings.STATIC_URL) :])
    if not found:
        raise RuntimeError(f"static file not found: {url}")
    data = open(str(found), "rb").read()  # noqa: SIM115
    return len(data), len(gzip.compress(data, 9))


def js_weight(pages: list[tuple[str, User, str]]) -> list[dict[str, Any]]:
    """For each page: the scripts its HTML loads, their bytes and their gzipped bytes."""
    results = []
    for name, user, path in pages:
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user)
        response = client.get(path)
        if response.status_code != 200:
            results.append({"page": name, "path": path, "status": response.status_code})
            continue
        files: dict[str, tuple[int, int]] = {}
        inline = 0
        for attributes, body in SCRIPT.findall(response.content):
            src = SRC.search(attributes)
            if src:
                url = src.group(1).decode()
                files[url] = _static_bytes(url)
            elif b"json" not in attributes:
                inline += len(body)
        total = sum(raw for raw, _ in files.values()) + inline
        results.append(
            {
                "kind": "js",
                "page": name,
                "path": path,
                "user": user.role,
                "scripts": {url: raw for url, (raw, _) in files.items()},
                "inline_bytes": inline,
                "bytes": total,
                "gzip_bytes": sum(packed for _, packed in files.values()),
                "status": 200,
            }
        )
    return results


def js_pages(agent: User, admin: User, ticket: int) -> list[tuple[str, User, str]]:
    """The inbox, a ticket, and every page of the admin's main menu."""
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(admin)
    html = client.get("/").content
    menu = NAV.search(html)
    links = [href.decode() for href in HREF.findall(menu.group(1) if menu else b"")]
    pages: list[tuple[str, User, str]] = [
        ("inbox (agent)", agent, "/"),
        ("ticket (agent)", agent, f"/tickets/{ticket}/"),
        ("scorecard (agent)", agent, "/performance/me/"),
        ("notifications settings (agent)", agent, "/notifications/settings/"),
    ]
    seen = {"/"}
    for link in links:
        if link not in seen:
            seen.add(link)
            pages.append((link, admin, link))
    return pages


def pages_run(*, sizes: list[int], repeat: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for size in sorted(sizes):
        fill_seconds = pages_fill(target=size)
        have = Ticket.objects.count()  # more than `size` in a kept database
        results += pages_measure(size=have, repeat=repeat, fill_seconds=fill_seconds)
    agent, admin = _setup_users()
    ordinary, _busy = _ticket_ids(agent, max(sizes))
    results += js_weight(js_pages(agent, admin, ordinary[0]))
    return {"results": results}
