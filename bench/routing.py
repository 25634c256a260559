"""Routing's cost per new ticket (docs/benchmarks.md, "Routing"): the same tickets opened through
`tickets.services.ticket_create` with and without the routing consumer, 50 rules of which the
last matches (every rule tried), a team of 20 agents online with skills, shifts and open
tickets. Run it against a throwaway database only:

    DATABASE_URL=sqlite:///bench/out/routing.sqlite3 .venv/bin/python -m bench.routing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/afterdesk_routing_bench \\
        .venv/bin/python -m bench.routing

It refuses a database whose name does not say it is a benchmark one (`bench` in its name).
"""

from __future__ import annotations

import os
import sys
import time
from statistics import mean, median

ROUTING_TARGET_MS = 5.0  # issue 19: routing plus 50 rules add at most this per new ticket
RULES = 50
AGENTS = 20
TICKETS = 300


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        print("set DATABASE_URL to a throwaway benchmark database (its name contains 'bench')")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, verbosity=0) if _migrated() else None
    call_command("migrate", verbosity=0)
    from afterdesk.accounts.models import AgentProfile, Role, Team, User
    from afterdesk.calendars.models import Calendar
    from afterdesk.routing.models import AgentRouting, RoutingRule
    from afterdesk.routing.services import tickets_route_new
    from afterdesk.tickets import services
    from afterdesk.tickets.consumers import tickets_opened

    desk = Team.objects.create(name="Bench desk")
    week = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    shift = Calendar.objects.create(key="bench-shift", tz="Europe/Berlin", hours=week)
    for n in range(AGENTS):
        user = User.objects.create(username=f"agent{n:02d}", role=Role.AGENT)
        user.teams.add(desk)
        AgentProfile.objects.create(user=user, languages=["es", "en"] if n % 2 else ["de"])
        AgentRouting.objects.create(
            user=user, presence="online", capacity=1000, shift=shift, categories=[]
        )
    for n in range(RULES - 1):  # none of these matches: every rule is tried
        RoutingRule.objects.create(
            name=f"rule {n}", position=n, markets=[f"M{n}"], set_priority="high"
        )
    RoutingRule.objects.create(name="all", position=RULES, set_team=desk)

    cpu: dict[bool, list[float]] = {False: [], True: []}

    def open_ticket(label: str, routed: bool = False) -> float:
        # Wall clock, and this process's CPU time apart (on a shared machine the wall clock
        # is mostly waiting for a core; the CPU time is the work itself, the database
        # server's excepted).
        started, cpu_started = time.perf_counter(), time.process_time()
        services.ticket_create(subject=label, channel="email", body="hola", language="es")
        cpu[routed].append((time.process_time() - cpu_started) * 1000)
        return (time.perf_counter() - started) * 1000

    for n in range(20):
        open_ticket(f"warm-up {n}")
    cpu[False].clear()
    # Interleaved, one without and one with routing, so that the machine's load (other
    # processes) weighs on both alike.
    without: list[float] = []
    routed: list[float] = []
    for n in range(TICKETS):
        tickets_opened._consumers.remove(tickets_route_new)
        without.append(open_ticket(f"plain {n}"))
        tickets_opened.register(tickets_route_new)
        routed.append(open_ticket(f"routed {n}", routed=True))
    added_median = median(routed) - median(without)
    added_mean = mean(routed) - mean(without)
    print(f"routing on {connection.vendor}: {RULES} rules, {AGENTS} agents, {TICKETS} tickets")
    print(f"  ticket_create without routing: median {median(without):.2f} ms")
    print(f"  ticket_create with routing:    median {median(routed):.2f} ms")
    print(
        f"  routing adds: median {added_median:.2f} ms, mean {added_mean:.2f} ms per new ticket "
        f"(target ≤ {ROUTING_TARGET_MS:.0f} ms)"
    )
    cpu_without, cpu_with = median(cpu[False]), median(cpu[True])
    print(
        f"  process CPU per ticket: median {cpu_without:.2f} ms without, "
        f"{cpu_with:.2f} ms with routing (adds {cpu_with - cpu_without:.2f} ms)"
    )
    from django.test.utils import CaptureQueriesContext

    tickets_opened._consumers.remove(tickets_route_new)
    with CaptureQueriesContext(connection) as plain:
        open_ticket("count plain")
    tickets_opened.register(tickets_route_new)
    with CaptureQueriesContext(connection) as counted:
        open_ticket("count routed", routed=True)
    print(
        f"  statements: {len(plain.captured_queries)} without, "
        f"{len(counted.captured_queries)} with routing"
    )
    return 0 if added_median <= ROUTING_TARGET_MS else 1


def _migrated() -> bool:
    from django.db import connection

    return "tickets_ticket" in connection.introspection.table_names()


if __name__ == "__main__":
    sys.exit(main())
