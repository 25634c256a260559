"""The SLA clocks of one ticket, a pure function of its event log (docs/sla.md, "Clocks").

The log is walked in event order. Each clock (a `Timer`) counts time while it is open and the
ticket's status is not one of the pause statuses (business time of the calendar, or elapsed
time without one); a pause keeps what was counted and the clock resumes where it stopped.
Because everything is recomputed from the log, a new policy, priority or calendar gives the
deadlines the ticket would have had under it, paused time included.

- `first_reply`: from the buyer's first message (when no agent wrote first) to the first
  public reply by an agent.
- `next_reply`: each buyer message after that, when no reply clock is running, starts one;
  the next public reply stops it.
- `periodic_update`: from each public reply to the next one, while the ticket is not solved.
- `resolution`: from the ticket's creation to its solve; a reopened ticket resumes it.

Automatic messages (`auto`) and internal notes stop nothing. `no_reply` ("no response needed")
closes the running reply clock. Solving a ticket closes the reply and update clocks.

A clock *crosses* its deadline when what it counted exceeds the target while running; a reply
exactly at the deadline meets it. The warning instant is when it reaches target − lead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from afterdesk.calendars.business_time import BusinessCalendar, business_add, business_duration

REPLY_TARGETS = ("first_reply", "next_reply")
TARGETS = ("first_reply", "next_reply", "periodic_update", "resolution")
SOLVED = frozenset({"solved", "closed"})


class LogEvent(Protocol):
    """What the clocks read of an event (`tickets.log_reader.EventRow` has it)."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def subtype(self) -> str: ...


@dataclass(frozen=True)
class Rules:
    """What a policy decides for one ticket: minutes per target (for its priority), the
    calendar (None: elapsed time), the pause statuses and the warning lead."""

    targets: Mapping[str, int]
    calendar: BusinessCalendar | None = None
    pause_statuses: frozenset[str] = frozenset({"pending", "on_hold"})
    warning_minutes: int = 0


@dataclass
class Timer:
    """One clock of a ticket. `due`: the instant it crossed its deadline (a breach), or for a
    running clock that has not crossed yet, the instant it will; None otherwise. `warn_at`
    likewise for target − lead. `ended_at` and `end` (`reply`, `no_reply`, `solved`) for a
    clock that stopped; `running` for an open one that is not paused."""

    target: str
    started_at: datetime
    limit: timedelta
    lead: timedelta
    elapsed: timedelta = timedelta(0)
    since: datetime | None = None  # when it last resumed; None while paused or stopped
    due: datetime | None = None
    warn_at: datetime | None = None
    crossed: bool = False  # due is a crossing that happened (not a projection)
    ended_at: datetime | None = None
    end: str = ""

    @property
    def open(self) -> bool:
        return self.ended_at is None

    @property
    def running(self) -> bool:
        return self.open and self.since is not None

    @property
    def met(self) -> bool | None:
        """True: stopped within its target; False: crossed it; None: still open in time."""
        if self.crossed:
            return False
        return None if self.open else True

    def warn_limit(self) -> timedelta | None:
        mark = self.limit - self.lead
        return mark if self.lead > timedelta(0) and mark > timedelta(0) else None


@dataclass
class Clocks:
    """Every clock the ticket's log started, in the order they started."""

    timers: list[Timer] = field(default_factory=list)
    status: str = "new"

    def current(self, target: str) -> Timer | None:
        """The latest clock of `target` that is still open."""
        for timer in reversed(self.timers):
            if timer.target == target and timer.open:
                return timer
        return None

    @property
    def paused(self) -> bool:
        return any(timer.open and not timer.running for timer in self.timers)


def clocks_compute(*, created_at: datetime, events: Iterable[LogEvent], rules: Rules) -> Clocks:
    """The ticket's clocks after its whole log (see the module's docstring)."""
    walk = _Walk(rules)
    walk.start("resolution", created_at)
    for event in events:
        walk.advance(event.at)
        walk.apply(event)
    walk.finish()
    return walk.clocks


class _Walk:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.clocks = Clocks()
        self.replied = False  # an agent has written publicly (no first reply clock after)
        self.first_started = False

    # ----------------------------------------------------------------- clock mechanics

    def _paused_for(self, timer: Timer) -> bool:
        status = self.clocks.status
        if timer.target == "resolution" and status in SOLVED:
            return True
        return status in self.rules.pause_statuses

    def start(self, target: str, at: datetime) -> None:
        minutes = self.rules.targets.get(target)
        if minutes is None:
            return
        lead = timedelta(minutes=self.rules.warning_minutes)
        timer = Timer(target=target, started_at=at, limit=timedelta(minutes=minutes), lead=lead)
        self.clocks.timers.append(timer)
        self._resume_or_pause(timer, at)

    def _resume_or_pause(self, timer: Timer, at: datetime) -> None:
        if not timer.open:
            return
        if self._paused_for(timer):
            timer.since = None
        elif timer.since is None:
            timer.since = at

    def advance(self, until: datetime) -> None:
        """Count the running clocks' time up to `until`, noting crossings before it."""
        calendar = self.rules.calendar
        for timer in self.clocks.timers:
            if not timer.running or timer.since is None or until <= timer.since:
                continue
            before = timer.elapsed
            after = before + business_duration(calendar, timer.since, until)
            mark = timer.warn_limit()
            if mark is not None and timer.warn_at is None and before < mark <= after:
                timer.warn_at = business_add(calendar, timer.since, mark - before)
            if not timer.crossed and after > timer.limit:
                # Crossed strictly before `until`: an event at the deadline itself meets it.
                timer.due = business_add(calendar, timer.since, timer.limit - before)
                timer.crossed = True
            timer.elapsed = after
            timer.since = until

    def stop(self, targets: Sequence[str], at: datetime, end: str) -> None:
        for timer in self.clocks.timers:
            if timer.target in targets and timer.open:
                timer.ended_at, timer.end, timer.since = at, end, None

    # ----------------------------------------------------------------- events

    def apply(self, event: LogEvent) -> None:
        at = event.at
        if event.kind == "message":
            if event.subtype == "inbound":
                self._inbound(at)
            elif event.subtype == "reply":
                self.replied = True
                self.stop(REPLY_TARGETS, at, "reply")
                self.stop(("periodic_update",), at, "reply")
                if self.clocks.status not in SOLVED:
                    self.start("periodic_update", at)
        elif event.kind == "no_reply":
            self.stop(REPLY_TARGETS, at, "no_reply")
        elif event.kind == "status":
            self.clocks.status = event.subtype
            if event.subtype in SOLVED:
                self.stop((*REPLY_TARGETS, "periodic_update"), at, "solved")
            for timer in self.clocks.timers:
                self._resume_or_pause(timer, at)

    def _inbound(self, at: datetime) -> None:
        if any(t.open and t.target in REPLY_TARGETS for t in self.clocks.timers):
            return  # the oldest unanswered message keeps its clock
        if not self.replied and not self.first_started:
            self.first_started = True
            self.start("first_reply", at)
        else:
            self.start("next_reply", at)

    def finish(self) -> None:
        """Project the deadlines of the running clocks that have not crossed yet."""
        calendar = self.rules.calendar
        for timer in self.clocks.timers:
            if not timer.running or timer.since is None:
                continue
            mark = timer.warn_limit()
            if mark is not None and timer.warn_at is None and timer.elapsed < mark:
                timer.warn_at = business_add(calendar, timer.since, mark - timer.elapsed)
            if not timer.crossed:
                timer.due = business_add(calendar, timer.since, timer.limit - timer.elapsed)


@dataclass(frozen=True)
class Written:
    """An SLA event the log already holds: its kind, target and instant."""

    kind: str
    target: str
    at: datetime


@dataclass(frozen=True)
class Due:
    """An SLA event a sweep at some instant should write."""

    kind: str  # sla_warning or sla_breach
    timer: Timer
    at: datetime  # the event's instant: the warning mark or the deadline
    due: datetime  # the clock's deadline, which the event names


def _covers(timer: Timer, at: datetime) -> bool:
    return timer.started_at <= at and (timer.ended_at is None or at <= timer.ended_at)


def pending_events(clocks: Clocks, written: Sequence[Written]) -> list[Due]:
    """Every warning and breach the clocks call for that the log does not hold yet, whatever
    the instant (a timer holds at most one of each: an event of its target dated within its
    span is its own). A warning is not called for once its clock's deadline is due."""
    result: list[Due] = []
    for timer in clocks.timers:
        due = timer.due
        if due is None:
            continue

        def has(kind: str, timer: Timer = timer) -> bool:
            return any(
                w.kind == kind and w.target == timer.target and _covers(timer, w.at)
                for w in written
            )

        if has("sla_breach"):
            continue
        result.append(Due("sla_breach", timer, due, due))
        if timer.warn_at is not None and timer.warn_at < due and not has("sla_warning"):
            result.append(Due("sla_warning", timer, timer.warn_at, due))
    return result


def due_now(pending: Sequence[Due], now: datetime) -> list[Due]:
    """What a sweep at `now` writes: breaches whose deadline has passed (strictly), and
    warnings whose mark has come while their deadline has not passed yet."""
    breached = {id(d.timer) for d in pending if d.kind == "sla_breach" and d.at < now}
    return [
        d
        for d in pending
        if (d.kind == "sla_breach" and d.at < now)
        or (d.kind == "sla_warning" and d.at <= now and id(d.timer) not in breached)
    ]


def next_at(pending: Sequence[Due]) -> datetime | None:
    """When a sweep next has something to write for this ticket."""
    return min((d.at for d in pending), default=None)
