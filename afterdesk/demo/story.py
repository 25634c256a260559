"""One ticket's life, simulated forward in time as history events (docs/history.md, "Event types").

The buyer writes, routing assigns the ticket, the agent replies within business hours (a
delay that depends on the agent's speed and the ticket's priority), the buyer may answer,
the ticket may be transferred or escalated, it is solved (with a return outcome where the
category calls for one), sometimes reopened, rated, complained about, reviewed by QA and
finally closed. Events after `base` are dropped: they haven't happened yet.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from afterdesk.core.timeutil import format_instant
from afterdesk.demo.catalog import (
    AGENTS,
    TEAM_APAC,
    TEAM_EN,
    TEAM_ESCALATIONS,
    AgentSpec,
    StoreSpec,
    team_for_language,
)
from afterdesk.demo.orders import CustomerSpec, OrderSpec, money
from afterdesk.demo.stories import ESCALATION_REASONS, NOTES, PACKS, QA_RUBRICS, TRANSFER_NOTES
from afterdesk.demo.timeline import OpeningHours

# Median delay of an agent's first reply, in minutes, by priority (before the agent's speed).
FIRST_REPLY_MINUTES = {"urgent": 25, "high": 50, "normal": 150, "low": 360}
RETURN_OUTCOMES: dict[str, tuple[tuple[str, float], ...]] = {
    "not_received": (("", 0.55), ("reship", 0.25), ("refund_no_return", 0.2)),
    "size_issue": (
        ("exchange", 0.45),
        ("kept_partial_refund", 0.25),
        ("return_refund", 0.2),
        ("withdrawn", 0.1),
    ),
    "quality_issue": (
        ("refund_no_return", 0.3),
        ("reship", 0.25),
        ("kept_partial_refund", 0.25),
        ("return_refund", 0.2),
    ),
    "wrong_item": (
        ("reship", 0.5),
        ("return_refund", 0.2),
        ("kept_partial_refund", 0.2),
        ("refund_no_return", 0.1),
    ),
    "missing_item": (("reship", 0.6), ("refund_no_return", 0.4)),
    "usage_question": (("", 1.0),),
    "return_request": (
        ("return_refund", 0.55),
        ("exchange", 0.15),
        ("withdrawn", 0.15),
        ("kept_partial_refund", 0.15),
    ),
    "dispute": (
        ("refund_no_return", 0.4),
        ("kept_partial_refund", 0.35),
        ("return_refund", 0.15),
        ("kept_no_refund", 0.1),
    ),
}
FULL_REFUNDS = frozenset({"refund_no_return", "return_refund"})
CLOSE_AFTER = timedelta(days=4)


@dataclass
class StoryContext:
    """What every ticket's story shares: the random generator, `base`, the agent pools."""

    rng: random.Random
    base: datetime
    workers: dict[str, list[AgentSpec]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for agent in AGENTS:
            if agent.access in ("agent", "supervisor") and agent.team:
                self.workers.setdefault(agent.team, []).append(agent)

    def pick_agent(
        self, *, team: str, language: str, exclude: AgentSpec | None = None
    ) -> AgentSpec:
        pool = [a for a in self.workers[team] if a is not exclude]
        speakers = [a for a in pool if language in a.languages] or pool
        # Supervisors take a ticket now and then; agents do the bulk of the work.
        weights = [0.15 if a.access == "supervisor" else 1.0 for a in speakers]
        return self.rng.choices(speakers, weights)[0]


class TicketStory:
    def __init__(
        self,
        context: StoryContext,
        *,
        ticket_id: str,
        created_at: datetime,
        store: StoreSpec,
        language: str,
        category: str,
        channel: str,
        customer: CustomerSpec,
        order: OrderSpec,
        hours: OpeningHours,
    ) -> None:
        self.ctx = context
        self.rng = context.rng
        self.id = ticket_id
        self.created_at = created_at
        self.store = store
        self.language = language
        self.pack = PACKS[language]
        self.category = category
        self.channel = channel
        self.customer = customer
        self.order = order
        self.hours = hours
        self.events: list[tuple[datetime, dict[str, Any]]] = []
        self.agent: AgentSpec | None = None
        self.team = team_for_language(language, store.code)
        self.priority = self._priority()
        product = self.rng.choice(order.lines)
        self.values = {
            "order": order.number,
            "product": product.title,
            "carrier": order.shipment.carrier,
            "tracking": order.shipment.tracking,
            "customer": customer.last_name if language == "ja" else customer.first_name,
            "amount": money(order.total, order.currency),
            "agent": "",
        }

    # ------------------------------------------------------------------ helpers

    def _priority(self) -> str:
        rng, category = self.rng, self.category
        if category == "dispute":
            return rng.choices(("urgent", "high"), (0.4, 0.6))[0]
        if category == "usage_question":
            return rng.choices(("low", "normal"), (0.6, 0.4))[0]
        if category == "not_received" and rng.random() < 0.25:
            return "high"
        return "high" if rng.random() < 0.05 else "normal"

    def _text(self, template: str) -> str:
        return template.format(**self.values)

    def _add(self, at: datetime, event_type: str, /, **fields: Any) -> None:
        self.events.append((at, {"type": event_type, "ticket": self.id, "at": "", **fields}))

    def _lognormal(self, median_minutes: float, sigma: float = 0.8) -> timedelta:
        minutes = median_minutes * math.exp(self.rng.gauss(0, sigma))
        return timedelta(seconds=int(max(minutes, 1.0) * 60))

    def _agent_time(self, after: datetime, median_minutes: float) -> datetime:
        """When the current agent acts: a delay, moved into business hours if needed."""
        speed = self.agent.speed if self.agent else 1.0
        at = after + self._lognormal(median_minutes * speed)
        opened = self.hours.next_open(at)
        if opened != at:  # the queue built up overnight: work it off after opening
            opened += self._lognormal(45 * speed, 0.6)
        return opened.replace(microsecond=0)

    def _customer_time(self, after: datetime, median_hours: float) -> datetime:
        return (after + self._lognormal(median_hours * 60, 0.9)).replace(microsecond=0)

    @property
    def worker(self) -> AgentSpec:
        """The agent the ticket is assigned to (every action after routing has one)."""
        if self.agent is None:
            raise RuntimeError(f"{self.id}: no agent assigned")
        return self.agent

    def _reply(self, at: datetime, template: str, status: str | None) -> None:
        self.values["agent"] = self.worker.name.split(" ")[0]
        body = "\n\n".join(
            (self._text(self.pack.greeting), self._text(template), self._text(self.pack.signoff))
        )
        self._add(at, "message", kind="reply", agent=self.worker.username, body=body)
        if status:
            self._add(at, "status", status=status, agent=self.worker.username)

    def _note(self, at: datetime, body: str) -> None:
        self._add(at, "message", kind="note", agent=self.worker.username, body=self._text(body))

    def _assign(self, at: datetime, agent: AgentSpec | None, team: str) -> None:
        self.agent = agent
        self.team = team
        self._add(at, "assign", agent=agent.username if agent else None, team=team)

    def _inbound(self, at: datetime, body: str, reopen_status: bool) -> None:
        self._add(at, "message", kind="inbound", body=self._text(body))
        if reopen_status:  # the buyer answered: the ticket needs the agent again
            self._add(at, "status", status="open")

    # ------------------------------------------------------------------ the story

    def ticket_line(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "type": "ticket",
            "id": self.id,
            "created_at": format_instant(self.created_at),
            "channel": self.channel,
            "platform": self.store.platform,
            "store": self.store.code,
            "market": self.store.market,
            "language": self.language,
            "category": self.category,
            "priority": self.priority,
            "order_value": float(self.order.total),
            "currency": self.order.currency,
            "subject": self._text(self.rng.choice(self.pack.subjects[self.category])),
        }
        if self.store.calendar:
            line["calendar"] = self.store.calendar
        return line

    def play(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng, t = self.rng, self.created_at
        line = self.ticket_line()
        self._inbound(t, rng.choice(self.pack.inbound[self.category]), reopen_status=False)
        if self.channel in ("email", "web"):
            self._add(t + timedelta(seconds=40), "message", kind="auto",
                      body=self._text(self.pack.auto_ack))  # fmt: skip
        t += timedelta(seconds=rng.randint(60, 900))
        misrouted = self.language not in ("en", "ja") and rng.random() < 0.06
        if misrouted:  # language detection failed: English queue first, then transferred
            self._assign(t, self.ctx.pick_agent(team=TEAM_EN, language="en"), TEAM_EN)
            t = self._agent_time(t, 60)
            self._note(t, TRANSFER_NOTES[0])
            team = team_for_language(self.language, self.store.code)
            self._assign(t, self.ctx.pick_agent(team=team, language=self.language), team)
        else:
            self._assign(t, self.ctx.pick_agent(team=self.team, language=self.language), self.team)
        t = self._agent_time(t, FIRST_REPLY_MINUTES[self.priority])
        if rng.random() < 0.25:  # a look at the order or the parcel before answering
            noted = max(t - timedelta(minutes=rng.randint(2, 20)), self.events[-1][0])
            self._note(noted, rng.choice(NOTES[self.category]))
        one_touch = rng.random() < (0.6 if self.category == "usage_question" else 0.15)
        outcome = _weighted(rng, RETURN_OUTCOMES[self.category])
        if one_touch:
            self._solve(t, outcome)
        else:
            self._reply(t, rng.choice(self.pack.first_replies[self.category]), "pending")
            if self.category == "not_received" and rng.random() < 0.15:
                t = self._agent_time(t, 30)
                self._note(t, NOTES["not_received"][0])
                self._add(t, "status", status="on_hold", agent=self.worker.username)
            t = self._middle(t)
            self._solve(t, outcome)
        self._after_solve(t, outcome)
        return line, self._finish()

    def _middle(self, t: datetime) -> datetime:
        """Between the first reply and the solve: answers, transfers, escalations."""
        rng = self.rng
        t = self._customer_time(t, 8)
        self._inbound(t, rng.choice(self.pack.follow_ups), reopen_status=True)
        if rng.random() < 0.03:  # the agent went on leave: unassigned, picked up later
            self._assign(t + timedelta(minutes=30), None, self.team)
            t = self._agent_time(t + timedelta(minutes=30), 240)
            self._assign(t, self.ctx.pick_agent(team=self.team, language=self.language), self.team)
        elif rng.random() < 0.04:  # handover to a colleague in the same team
            t = self._agent_time(t, 90)
            self._note(t, rng.choice(TRANSFER_NOTES[1:]))
            colleague = self.ctx.pick_agent(
                team=self.team, language=self.language, exclude=self.agent
            )
            self._assign(t, colleague, self.team)
        escalate = {"dispute": 0.45, "not_received": 0.06, "quality_issue": 0.06}
        if rng.random() < escalate.get(self.category, 0.03) + 0.1 * (1 - self.worker.quality):
            t = self._agent_time(t, 60)
            self._add(t, "escalate", agent=self.worker.username, to=TEAM_ESCALATIONS,
                      reason=rng.choice(ESCALATION_REASONS))  # fmt: skip
            specialist = self.ctx.pick_agent(team=TEAM_ESCALATIONS, language=self.language)
            t += timedelta(minutes=rng.randint(5, 120))
            self._assign(t, specialist, TEAM_ESCALATIONS)
            t = self._agent_time(t, 120)
            self._note(t, rng.choice(NOTES[self.category]))
        if rng.random() < 0.25:  # one more exchange before the solution
            t = self._agent_time(t, 180)
            self._reply(t, rng.choice(self.pack.first_replies[self.category]), "pending")
            t = self._customer_time(t, 10)
            self._inbound(t, rng.choice(self.pack.follow_ups), reopen_status=True)
        slow = {"return_request": 4 * 1440, "not_received": 1440}.get(self.category, 240)
        return self._agent_time(t, slow)

    def _solve_template(self, outcome: str) -> str:
        templates = self.pack.solve_replies[self.category]
        if outcome in FULL_REFUNDS or outcome.startswith("kept_partial"):
            fitting = [t for t in templates if "{amount}" in t]
        elif outcome in ("reship", "exchange"):
            fitting = [t for t in templates if "{tracking}" in t]
        else:
            fitting = [t for t in templates if "{amount}" not in t and "{tracking}" not in t]
        return self.rng.choice(fitting or templates)

    def _solve(self, t: datetime, outcome: str) -> None:
        total = self.order.total
        amount: Decimal | None = None
        if outcome in FULL_REFUNDS:
            amount = total
        elif outcome == "kept_partial_refund":
            amount = (total * Decimal(self.rng.choice((15, 20, 25, 30, 40))) / 100).quantize(
                Decimal("1") if self.order.currency == "JPY" else Decimal("0.01")
            )
        if amount is not None:
            self.values["amount"] = money(amount, self.order.currency)
        template = self._solve_template(outcome)
        if outcome:
            fields: dict[str, Any] = {"outcome": outcome}
            if amount is not None:
                fields.update(amount=float(amount), currency=self.order.currency)
            self._add(t, "return", **fields)
        self._reply(t, template, "solved")

    def _after_solve(self, solved_at: datetime, outcome: str) -> None:
        rng = self.rng
        agent = self.worker
        reopened = rng.random() < 0.03 + 0.15 * (1 - agent.quality)
        t = solved_at
        if reopened:
            t = self._customer_time(t, 20)
            self._inbound(t, rng.choice(self.pack.reopens), reopen_status=True)
            t = self._agent_time(t, 180)
            self._solve(t, outcome if outcome else "")
        escalated = any(e[1]["type"] == "escalate" for e in self.events)
        first_reply = next((e[0] for e in self.events if e[1].get("kind") == "reply"), t)
        good = 0.55 + 0.4 * agent.quality - 0.25 * reopened - 0.15 * escalated
        good -= 0.1 * (first_reply - self.created_at > timedelta(hours=24))
        rated_at = self._customer_time(t, 14)
        if rng.random() < 0.35:
            if rng.random() < min(max(good, 0.1), 0.97):
                rating = rng.choices((5, 4), (0.7, 0.3))[0]
                comments = self.pack.csat_good
            else:
                rating = rng.choices((3, 2, 1), (0.4, 0.3, 0.3))[0]
                comments = self.pack.csat_bad
            fields: dict[str, Any] = {"rating": rating}
            if rng.random() < 0.5:
                fields["comment"] = rng.choice(comments)
            self._add(rated_at, "csat", **fields)
            if rating <= 2 and rng.random() < 0.35:
                self._add(rated_at + timedelta(minutes=7), "complaint", agent=agent.username,
                          body=rng.choice(self.pack.complaints))  # fmt: skip
        if rng.random() < 0.04:
            reviewer = "yuki.mori" if self.team == TEAM_APAC else "priya.nair"
            score = round(min(max(rng.gauss(50 + 45 * agent.quality, 8), 20), 100))
            self._add(t + timedelta(days=rng.uniform(1, 6)), "qa_review", agent=agent.username,
                      score=score, reviewer=reviewer, rubric=rng.choice(QA_RUBRICS))  # fmt: skip
        self._add(t + CLOSE_AFTER, "status", status="closed")

    def _finish(self) -> list[dict[str, Any]]:
        """Event order is by instant, then file order (docs/history.md, "Event order"); drop the
        future."""
        ordered = sorted(self.events, key=lambda item: item[0])  # stable: ties keep order
        lines: list[dict[str, Any]] = []
        for at, event in ordered:
            if at >= self.ctx.base:
                break
            event["at"] = format_instant(at.replace(microsecond=0))
            lines.append(event)
        return lines


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]
