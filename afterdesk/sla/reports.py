"""SLA reports (docs/sla.md, "Reports"): per agent, team, policy, channel or market, the share
of clocks that met their target and the breaches with their tickets; and the "pending abuse"
audit. Read from the tickets' stored clock state and their logs; supervisors and admins."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import format_instant, parse_instant
from afterdesk.sla.clock import TARGETS, clocks_compute
from afterdesk.sla.models import TicketSla
from afterdesk.sla.selectors import policies_require_read
from afterdesk.sla.state import policies_load, rules_for, ticket_compute, tickets_attrs
from afterdesk.tickets.log_reader import ticket_history_load

GROUPS = ("agent", "team", "policy", "channel", "market")
# A ticket set pending this close to a running clock's deadline is looked at by the audit.
PENDING_WINDOW = timedelta(minutes=60)


@dataclass
class TargetFigures:
    decided: int = 0  # clocks that met or breached their target
    met: int = 0

    @property
    def met_rate(self) -> float | None:
        return self.met / self.decided if self.decided else None


@dataclass
class ReportRow:
    key: str
    targets: dict[str, TargetFigures] = field(
        default_factory=lambda: {target: TargetFigures() for target in TARGETS}
    )
    breaches: list[tuple[str, str, str]] = field(default_factory=list)  # ticket, target, due
    breach_ids: list[int] = field(default_factory=list)  # the tickets' ids, beside `breaches`


def _period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValidationError("the period's end must be after its start", field="to")
    if end - start > timedelta(days=366):
        raise ValidationError("a report covers at most 366 days", field="to")


def sla_report(*, user: User, start: datetime, end: datetime, by: str) -> list[ReportRow]:
    """Clocks whose outcome fell in [start, end) — a breach at its deadline, a met clock when
    it stopped — grouped `by` the ticket's assignee, team, policy, channel or market."""
    policies_require_read(user=user)
    if by not in GROUPS:
        raise ValidationError(f"by must be one of {', '.join(GROUPS)}", field="by")
    _period(start, end)
    states = (
        TicketSla.objects.filter(ticket__created_at__lt=end, ticket__updated_at__gte=start)
        .exclude(policy=None)
        .select_related("policy", "ticket__assignee", "ticket__team")
        .order_by("ticket_id")
    )
    rows: dict[str, ReportRow] = {}
    now = timezone.now()
    for state in states.iterator(chunk_size=2000):
        ticket = state.ticket
        key = {
            "agent": ticket.assignee.username if ticket.assignee else "",
            "team": ticket.team.name if ticket.team else "",
            "policy": state.policy.name if state.policy else "",
            "channel": ticket.channel,
            "market": ticket.market,
        }[by]
        for clock in state.clocks:
            met = clock["met"]
            if met is None and clock["running"] and clock["due"]:
                # still running past its deadline: breached (a sweep writes its breach)
                met = False if parse_instant(clock["due"]) < min(end, now) else None
            if met is None:
                continue
            # a breach counts at its deadline, a met clock when it stopped
            moment = parse_instant(clock["due"] if met is False else clock["ended_at"])
            if not start <= moment < end:
                continue
            row = rows.setdefault(key, ReportRow(key))
            figures = row.targets[clock["target"]]
            figures.decided += 1
            if met:
                figures.met += 1
            else:
                row.breaches.append((ticket.external_id, clock["target"], clock["due"]))
                row.breach_ids.append(ticket.pk)
    return [rows[key] for key in sorted(rows)]


def sla_report_csv(rows: list[ReportRow], *, by: str) -> str:
    """One line per group and target with clocks, then one line per breach."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([by, "target", "clocks", "met", "met_rate", "breached_tickets"])
    for row in rows:
        for target, figures in row.targets.items():
            if not figures.decided:
                continue
            tickets = sorted(
                {t for t, breach_target, _due in row.breaches if breach_target == target}
            )
            rate = figures.met_rate
            writer.writerow(
                [
                    row.key,
                    target,
                    figures.decided,
                    figures.met,
                    f"{rate:.4f}" if rate is not None else "",
                    " ".join(tickets),
                ]
            )
    return out.getvalue()


@dataclass(frozen=True)
class PendingFlag:
    """A ticket an agent set pending shortly before a running clock's deadline, which came
    back from pending without a buyer's message in between."""

    agent: str
    ticket: str
    pending_at: datetime
    due: datetime
    target: str
    back_at: datetime
    ticket_id: int = 0  # for the page's link


def pending_abuse(
    *, user: User, start: datetime, end: datetime, window: timedelta = PENDING_WINDOW
) -> list[PendingFlag]:
    """The audit (docs/sla.md, "Reports"): every pending status an agent set in [start, end)
    within `window` before a running clock's deadline, the ticket leaving pending later with
    no buyer message in between (waiting on the buyer, the buyer never wrote)."""
    policies_require_read(user=user)
    _period(start, end)
    ids = list(
        TicketSla.objects.filter(ticket__created_at__lt=end, ticket__updated_at__gte=start)
        .exclude(policy=None)
        .values_list("ticket_id", flat=True)
    )
    flags: list[PendingFlag] = []
    policies = policies_load()
    calendars: dict[int, Any] = {}
    agents = dict(User.objects.values_list("pk", "username"))
    for offset in range(0, len(ids), 1000):
        chunk = ids[offset : offset + 1000]
        heads, logs = ticket_history_load(ticket_ids=chunk)
        attrs = tickets_attrs(chunk)
        external = dict(
            TicketSla.objects.filter(ticket_id__in=chunk).values_list(
                "ticket_id", "ticket__external_id"
            )
        )
        for pk, created_at, _calendar in heads:
            log = logs.get(pk, [])
            computed = ticket_compute(
                ticket=attrs[pk],
                created_at=created_at,
                events=log,
                policies=policies,
                calendars=calendars,
            )
            if computed.policy is None:
                continue
            rules = rules_for(computed.policy, attrs[pk], calendars)
            for index, event in enumerate(log):
                if not (
                    event.kind == "status"
                    and event.subtype == "pending"
                    and event.agent_id is not None
                    and start <= event.at < end
                ):
                    continue
                before = clocks_compute(created_at=created_at, events=log[:index], rules=rules)
                close = [
                    t
                    for t in before.timers
                    if t.running and t.due is not None and event.at < t.due <= event.at + window
                ]
                if not close:
                    continue
                back_at = _back_without_buyer(log[index + 1 :])
                if back_at is None:
                    continue
                timer = min(close, key=lambda t: t.due or event.at)
                flags.append(
                    PendingFlag(
                        agent=agents.get(event.agent_id, ""),
                        ticket=external.get(pk, str(pk)),
                        pending_at=event.at,
                        due=timer.due or event.at,
                        target=timer.target,
                        back_at=back_at,
                        ticket_id=pk,
                    )
                )
    flags.sort(key=lambda f: (f.agent, f.pending_at))
    return flags


def _back_without_buyer(rest: Any) -> datetime | None:
    """When the ticket left pending, if no buyer message came first; None otherwise."""
    for event in rest:
        if event.kind == "message" and event.subtype == "inbound":
            return None
        if event.kind == "status" and event.subtype in ("new", "open", "on_hold"):
            return event.at
        if event.kind == "status" and event.subtype != "pending":
            return None  # solved or closed: nothing came back
    return None


def flag_out(flag: PendingFlag) -> dict[str, str]:
    return {
        "agent": flag.agent,
        "ticket": flag.ticket,
        "target": flag.target,
        "pending_at": format_instant(flag.pending_at),
        "due": format_instant(flag.due),
        "back_at": format_instant(flag.back_at),
    }
