"""A deliberately plain, independent reading of docs/metrics.md, "Per-ticket facts" and
"KPI catalogue", for the property tests.

Works on in-memory tickets (24×7 calendars only, so business time = elapsed time) and
returns {agent: {kpi: (value, n)}} with exact fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

RETAINED = {"kept_no_refund", "kept_partial_refund", "withdrawn"}
SOLVED = {"solved", "closed"}


@dataclass
class RefEvent:
    kind: str
    at: datetime
    fields: dict[str, Any]


@dataclass
class RefTicket:
    created_at: datetime
    category: str
    priority: str
    events: list[RefEvent] = field(default_factory=list)  # in file order


def minutes(a: datetime, b: datetime) -> Fraction:
    delta = b - a
    return Fraction((delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds, 60 * 10**6)


def ordered(ticket: RefTicket) -> list[RefEvent]:
    return sorted(ticket.events, key=lambda e: e.at)  # stable: file order at equal instants


def status_walk(events: list[RefEvent]) -> list[tuple[int, str, str]]:
    """(index, before, after) for every status event that changes the status."""
    out = []
    current = "new"
    for i, e in enumerate(events):
        if e.kind == "status" and e.fields["status"] != current:
            out.append((i, current, e.fields["status"]))
            current = e.fields["status"]
    return out


def status_at(events: list[RefEvent], index: int) -> str:
    current = "new"
    for _i, e in enumerate(events[: index + 1]):
        if e.kind == "status":
            current = e.fields["status"]
    return current


def solves(events: list[RefEvent]) -> list[int]:
    return [
        i for i, before, after in status_walk(events) if before not in SOLVED and after in SOLVED
    ]


def assignee_at(events: list[RefEvent], index: int) -> str | None:
    agent = None
    for e in events[: index + 1]:
        if e.kind == "assign":
            agent = e.fields["agent"]
    return agent


def resolver_for_solve(events: list[RefEvent], solve: int) -> str | None:
    agent = assignee_at(events, solve)
    if agent is not None:
        return agent
    replies = [e for e in events[:solve] if e.kind == "message" and e.fields["kind"] == "reply"]
    return replies[-1].fields["agent"] if replies else None


def resolver_at(events: list[RefEvent], index: int) -> str | None:
    if status_at(events, index) not in SOLVED:
        return None
    before = [s for s in solves(events) if s <= index]
    return resolver_for_solve(events, before[-1]) if before else None


def reply_waits(events: list[RefEvent]) -> list[tuple[RefEvent, Fraction]]:
    """(reply, minutes waited) for every reply that answers a buyer: the earliest `inbound`
    after the previous reply (or from the start) up to this reply; replies without one have
    no wait. Notes and automatic messages are neither."""
    kinds = [e.fields["kind"] if e.kind == "message" else "" for e in events]
    reply_positions = [i for i, kind in enumerate(kinds) if kind == "reply"]
    out = []
    for number, position in enumerate(reply_positions):
        since = reply_positions[number - 1] + 1 if number else 0
        waiting = [events[i] for i in range(since, position) if kinds[i] == "inbound"]
        if waiting:
            out.append((events[position], minutes(waiting[0].at, events[position].at)))
    return out


def ticket_facts(t: RefTicket) -> dict[str, Any]:
    ev = ordered(t)
    public = [e for e in ev if e.kind == "message" and e.fields["kind"] in ("inbound", "reply")]
    replies = [e for e in ev if e.kind == "message" and e.fields["kind"] == "reply"]
    customer_initiated = bool(public) and public[0].fields["kind"] == "inbound"
    walk = status_walk(ev)
    final = walk[-1][2] if walk else "new"
    solved = final in SOLVED
    last_solve = solves(ev)[-1] if solves(ev) else None
    reopens = sum(1 for _, before, after in walk if before in SOLVED and after not in SOLVED)
    transfers, last = 0, None
    for e in ev:
        if e.kind == "assign" and e.fields["agent"] is not None:
            if last is not None and e.fields["agent"] != last:
                transfers += 1
            last = e.fields["agent"]
    return {
        "ci": customer_initiated,
        "first_reply": replies[0] if replies and customer_initiated else None,
        "solved": solved,
        "last_solve": ev[last_solve] if solved and last_solve is not None else None,
        "resolver": resolver_for_solve(ev, last_solve)
        if solved and last_solve is not None
        else None,
        "reopens": reopens,
        "transfers": transfers,
        "escalations": sum(1 for e in ev if e.kind == "escalate"),
        "replies": len(replies),
        "events": ev,
    }


def reference_kpis(
    tickets: list[RefTicket], start: datetime, end: datetime, template: dict[str, Any]
) -> dict[str, dict[str, tuple[Fraction | None, int]]]:
    data: dict[str, dict[str, list[Any]]] = {}

    def add(agent: str | None, kpi: str, value: Any) -> None:
        if agent is not None:
            data.setdefault(agent, {}).setdefault(kpi, []).append(value)

    def inside(at: datetime) -> bool:
        return start <= at < end

    targets = template["category_targets"]
    weights = template["category_weights"]
    frt = template["first_reply_target"]
    for t in tickets:
        f = ticket_facts(t)
        fr = f["first_reply"]
        if fr is not None and inside(fr.at):
            m = minutes(t.created_at, fr.at)
            add(fr.fields["agent"], "frt", m)
            if t.priority in frt:
                add(fr.fields["agent"], "sla", m <= Fraction(str(frt[t.priority])))
        if f["last_solve"] is not None and inside(f["last_solve"].at) and f["resolver"]:
            r = f["resolver"]
            m = minutes(t.created_at, f["last_solve"].at)
            add(r, "res", m)
            add(
                r,
                "idx",
                m / Fraction(str(targets.get(t.category, template["default_category_target"]))),
            )
            add(r, "reopen", f["reopens"] >= 1)
            if f["ci"] and f["replies"] >= 1:
                add(r, "fcr", f["reopens"] == 0 and f["transfers"] == 0 and f["escalations"] == 0)
                add(r, "one", f["replies"] == 1 and f["reopens"] == 0)
        ev = f["events"]
        ratings = [i for i, e in enumerate(ev) if e.kind == "csat"]
        if ratings and inside(ev[ratings[-1]].at):
            add(resolver_at(ev, ratings[-1]), "csat", ev[ratings[-1]].fields["rating"])
        outcomes = [i for i, e in enumerate(ev) if e.kind == "return"]
        if outcomes and inside(ev[outcomes[-1]].at):
            i = outcomes[-1]
            owner = resolver_at(ev, i) or assignee_at(ev, i)
            add(owner, "ret", ev[i].fields["outcome"] in RETAINED)
        for reply, waited in reply_waits(ev):
            if inside(reply.at):
                add(reply.fields["agent"], "wait", waited)
        handled = {
            e.fields["agent"]
            for e in ev
            if e.kind == "message" and e.fields["kind"] == "reply" and inside(e.at)
        }
        for agent in handled:
            add(agent, "handled", Fraction(str(weights.get(t.category, 1))))
        for e in ev:
            if inside(e.at) and e.kind in ("escalate", "complaint", "qa_review"):
                add(e.fields["agent"], e.kind, Fraction(str(e.fields.get("score", 1))))

    def mean(values: list[Any]) -> tuple[Fraction | None, int]:
        return (
            sum(map(Fraction, values), Fraction(0)) / len(values) if values else None,
            len(values),
        )

    result: dict[str, dict[str, tuple[Fraction | None, int]]] = {}
    for agent, d in data.items():

        def g(k: str, d: dict[str, list[Any]] = d) -> list[Any]:
            return d.get(k, [])

        handled = len(g("handled"))
        k: dict[str, tuple[Fraction | None, int]] = {
            "first_reply_time": mean(g("frt")),
            "first_reply_time_business": mean(g("frt")),
            "reply_time_business": mean(g("wait")),
            "resolution_time": mean(g("res")),
            "resolution_time_business": mean(g("res")),
            "resolution_time_index": mean(g("idx")),
            "fcr_rate": mean(g("fcr")),
            "one_touch_rate": mean(g("one")),
            "reopen_rate": mean(g("reopen")),
            "csat_rate": mean([r >= 4 for r in g("csat")]),
            "csat_avg": mean(g("csat")),
            "handled_volume": (Fraction(handled) if handled else None, handled),
            "weighted_volume": (sum(g("handled"), Fraction(0)) if handled else None, handled),
            "escalation_rate": (
                Fraction(len(g("escalate")), handled) if handled else None,
                handled,
            ),
            "complaint_rate": (
                Fraction(len(g("complaint")), handled) if handled else None,
                handled,
            ),
            "return_retention_rate": mean(g("ret")),
            "sla_first_reply_rate": mean(g("sla")),
            "qa_score": mean(g("qa_review")),
        }
        if any(n > 0 for _, n in k.values()):
            result[agent] = k
    return result
