"""Firing a rule on a ticket (docs/automations.md, "How a rule fires").

`ticket_trigger` runs after the triggering change has committed (`consumers`): each enabled
rule of the trigger, in order, whose conditions hold now, fires once for that occurrence
(`Firing`, unique by rule, ticket and key). A firing prepares every action first (`_plan`), then
writes them in one transaction: the `automation` event with the fields it sets
(`tickets.services.ticket_automate`), the replies, notes, surveys, coupons and webhook calls;
mail and webhook calls leave after commit. An action that cannot run stops the whole firing:
nothing of it is written but a failed `automation` event saying why, on the ticket.

Loop protection: the changes a rule's actions make are marked with the rule
(`acting_rule`) and never trigger that same rule again; and a rule fires at most
`max_per_ticket` times on one ticket (the next occurrence is logged as stopped by the limit)."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.automations.actions import ActionFailed, Plan
from afterdesk.automations.conditions import conditions_hold
from afterdesk.automations.models import CouponPool, Firing, FiringState, Rule
from afterdesk.core.errors import DomainError
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

logger = logging.getLogger(__name__)

# The rule whose actions are being written in this thread (None outside a firing).
_acting: ContextVar[int | None] = ContextVar("automation_acting", default=None)


def acting_rule() -> int | None:
    return _acting.get()


def rules_for(trigger: str) -> list[Rule]:
    return list(Rule.objects.filter(trigger=trigger, enabled=True).select_related("send_as"))


def ticket_trigger(
    *,
    ticket_id: int,
    trigger: str,
    key: str,
    skip_rule: int | None = None,
    now: datetime | None = None,
) -> list[Firing]:
    """Fire every enabled rule of `trigger` whose conditions hold on the ticket now."""
    fired = []
    for rule in rules_for(trigger):
        if rule.pk == skip_rule:
            continue  # its own change: never re-triggers itself
        if not conditions_hold(ticket_id, rule.conditions):
            continue
        firing = rule_fire(rule=rule, ticket_id=ticket_id, trigger=trigger, key=key, now=now)
        if firing is not None:
            fired.append(firing)
    return fired


def rule_fire(
    *, rule: Rule, ticket_id: int, trigger: str, key: str, now: datetime | None = None
) -> Firing | None:
    """Fire `rule` on the ticket for the occurrence `key`; None when it fired for it before."""
    now = now or timezone.now()
    with transaction.atomic():
        if Firing.objects.filter(rule=rule, ticket_id=ticket_id, key=key).exists():
            return None
        done = Firing.objects.filter(rule=rule, ticket_id=ticket_id, state=FiringState.DONE)
        if done.count() >= rule.max_per_ticket:
            return _firing_insert(
                rule,
                ticket_id,
                trigger,
                key,
                now,
                state=FiringState.LIMITED,
                error=f"fired {rule.max_per_ticket} times on this ticket already (the limit)",
            )
        firing = _firing_insert(rule, ticket_id, trigger, key, now, state=FiringState.DONE)
        if firing is None:
            return None  # another worker took this occurrence
        ticket = Ticket.objects.select_related("assignee", "customer", "store").get(pk=ticket_id)
        token = _acting.set(rule.pk)
        try:
            with transaction.atomic():
                plan = _plan(rule, ticket, firing, now)
                _execute(rule, ticket, firing, plan, trigger, now)
        except (ActionFailed, DomainError) as error:
            reason = error.message if isinstance(error, DomainError) else str(error)
            # What the rolled-back part did is gone: the firing did nothing but say why.
            firing.state, firing.error, firing.actions = FiringState.FAILED, reason, []
            firing.event = tickets.ticket_automate(
                ticket=ticket, rule=rule.name, trigger=trigger, actions=[], error=reason, at=now
            )
            logger.warning("automation %r failed on ticket %s: %s", rule.name, ticket_id, reason)
        finally:
            _acting.reset(token)
        firing.save(update_fields=["state", "error", "actions", "event"])
    return firing


def _firing_insert(
    rule: Rule,
    ticket_id: int,
    trigger: str,
    key: str,
    now: datetime,
    *,
    state: str,
    error: str = "",
) -> Firing | None:
    try:
        with transaction.atomic():
            return Firing.objects.create(
                rule=rule,
                ticket_id=ticket_id,
                trigger=trigger,
                key=key[:100],
                at=now,
                state=state,
                error=error,
            )
    except IntegrityError:
        return None


def _send_as(rule: Rule, ticket: Ticket) -> User:
    agent = ticket.assignee if ticket.assignee and ticket.assignee.is_active else rule.send_as
    if agent is None or not agent.is_active:
        raise ActionFailed(
            "a templated reply needs an agent to send as: the ticket has no assignee and the "
            "rule no 'send as' agent"
        )
    return agent


def _render(template_key: str, rule: Rule, ticket: Ticket) -> tuple[User, str]:
    """The template in the buyer's language; an unknown or empty variable fails the firing."""
    from afterdesk.replies.apply import template_render
    from afterdesk.replies.models import ReplyTemplate

    template = ReplyTemplate.objects.filter(key=template_key).first()
    if template is None:
        raise ActionFailed(f"the reply template {template_key!r} no longer exists")
    agent = _send_as(rule, ticket)
    rendered = template_render(template=template, ticket=ticket, agent=agent)
    if not rendered.ok:
        raise ActionFailed(
            f"the template {template_key!r} cannot be sent: " + "; ".join(rendered.errors)
        )
    return agent, rendered.text


def _plan(rule: Rule, ticket: Ticket, firing: Firing, now: datetime) -> Plan:
    from afterdesk.automations.coupons import PoolEmpty, coupon_issue
    from afterdesk.automations.notify import recipients
    from afterdesk.channels.services.outbound import HostUnresolved, host_refusal

    plan = Plan(at=now)
    for action in rule.actions:
        kind = action["type"]
        if kind == "set":
            plan.priority = action.get("priority") or plan.priority
            plan.status = action.get("status") or plan.status
            plan.words.append(
                "set "
                + ", ".join(f"{k} {action[k]}" for k in ("priority", "status") if action.get(k))
            )
        elif kind == "assign":
            if action.get("agent"):
                plan.agent = User.objects.filter(username=action["agent"], is_active=True).first()
                if plan.agent is None:
                    raise ActionFailed(f"no active agent {action['agent']!r}")
            if action.get("team"):
                plan.team = Team.objects.filter(name=action["team"]).first()
                if plan.team is None:
                    raise ActionFailed(f"no team {action['team']!r}")
            plan.unassign = bool(action.get("unassign")) and plan.agent is None
            who = action.get("agent") or ("nobody" if plan.unassign else "")
            plan.words.append("assigned " + " in ".join(p for p in (who, action.get("team")) if p))
        elif kind == "tag":
            plan.tags.extend(action["tags"])
            plan.words.append("tagged " + ", ".join(action["tags"]))
        elif kind == "reply":
            agent, text = _render(action["template"], rule, ticket)
            plan.replies.append((agent, text, action.get("status") or ""))
            plan.words.append(f"replied with {action['template']} as {agent.username}")
        elif kind == "note":
            plan.notes.append(action["body"])
            plan.words.append("added a note")
        elif kind == "notify":
            people, emails = recipients(action["to"], ticket)
            if not people and not emails:
                raise ActionFailed(f"nobody to notify among {', '.join(action['to'])}")
            plan.notices.append((people, emails, action["subject"], action.get("body", "")))
            plan.words.append("notified " + ", ".join([user.username for user in people] + emails))
        elif kind == "webhook":
            try:
                refusal = host_refusal(action["url"])
            except HostUnresolved as error:
                refusal = None  # may resolve by the time it is sent: the call retries
                logger.info("webhook host not resolved yet: %s", error)
            if refusal:
                raise ActionFailed(f"webhook refused: {refusal}")
            plan.webhooks.append((action["url"], action.get("secret_token", "")))
            plan.words.append(f"called {action['url']}")
        elif kind == "survey":
            plan.surveys.append(int(action.get("delay_hours", 0)))
            plan.words.append(f"scheduled a CSAT survey in {action.get('delay_hours', 0)} h")
        elif kind == "coupon":
            pool = CouponPool.objects.filter(name=action["pool"]).first()
            if pool is None:
                raise ActionFailed(f"no coupon pool {action['pool']!r}")
            try:
                coupon = coupon_issue(pool=pool, ticket_id=ticket.pk, at=now)
            except PoolEmpty as error:
                raise ActionFailed(
                    f"the coupon pool {action['pool']!r} has no code left"
                ) from error
            text = ""
            if action.get("template"):
                agent, text = _render(action["template"], rule, ticket)
                plan.replies.append((agent, f"{text}\n\n{coupon.code}", ""))
            plan.notes.append(f"Coupon {coupon.code} from {pool.name} issued.")
            plan.words.append(
                f"issued coupon {coupon.code} from {pool.name}" + (" in a reply" if text else "")
            )
    return plan


def _execute(
    rule: Rule, ticket: Ticket, firing: Firing, plan: Plan, trigger: str, now: datetime
) -> None:
    from afterdesk.automations.notify import notice_queue, people_notify
    from afterdesk.automations.webhooks import webhook_queue

    firing.event = tickets.ticket_automate(
        ticket=ticket,
        rule=rule.name,
        trigger=trigger,
        actions=plan.words,
        priority=plan.priority,
        status=plan.status,
        tags=plan.tags,
        agent=plan.agent,
        team=plan.team,
        unassign=plan.unassign,
        at=now,
    )
    firing.actions = plan.words
    current = Ticket.objects.get(pk=ticket.pk)
    for agent, text, status in plan.replies:
        if current.status == "closed":
            raise ActionFailed("the ticket is closed; a closed ticket takes no more replies")
        tickets.message_reply(ticket=current, by=agent, body=text, status=status or None)
    for body in plan.notes:
        tickets.automation_note_add(ticket=current, body=body, at=now)
    for delay in plan.surveys:
        _survey_schedule(current, delay, now)
    firing.save(update_fields=["event", "actions"])
    for url, secret in plan.webhooks:
        webhook_queue(
            firing=firing,
            url=url,
            secret_token=secret,
            body=_payload(rule, current, firing, trigger, now),
        )
    for number, (people, emails, subject, body) in enumerate(plan.notices):
        if people:
            people_notify(
                people=people,
                subject=subject,
                body=body,
                ticket=current,
                rule=rule.name,
                key=f"automation:{firing.pk}:{number}",
            )
        if emails:
            notice_queue(to=emails, subject=subject, body=body, ticket=current, rule=rule.name)


def _payload(
    rule: Rule, ticket: Ticket, firing: Firing, trigger: str, now: datetime
) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "trigger": trigger,
        "firing": firing.pk,
        "at": now.isoformat(),
        "ticket": {
            "id": ticket.pk,
            "external_id": ticket.external_id,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "language": ticket.language,
        },
        "actions": firing.actions,
    }


def _survey_schedule(ticket: Ticket, delay_hours: int, now: datetime) -> None:
    """A CSAT survey for the ticket's last solve, `delay_hours` from now, through the surveys
    app's rows (its job sends it). A solve that has its survey already keeps it."""
    from afterdesk.surveys.languages import survey_language
    from afterdesk.surveys.models import Survey, SurveyState
    from afterdesk.surveys.services.scheduling import last_solve_id, skip_reason

    if ticket.status not in SOLVED_STATUSES:
        raise ActionFailed("a CSAT survey follows a solve: the ticket is not solved")
    solve = last_solve_id(ticket.pk)
    if solve is None or Survey.objects.filter(solve_event_id=solve).exists():
        return
    reason = skip_reason(ticket)
    if reason:
        raise ActionFailed(f"no survey: {reason}")
    customer_language = ticket.customer.language if ticket.customer else ""
    Survey.objects.create(
        ticket=ticket,
        solve_event_id=solve,
        solved_at=tickets_event_at(solve),
        language=survey_language(ticket.language, customer_language),
        state=SurveyState.SCHEDULED,
        next_attempt_at=now + timedelta(hours=delay_hours),
    )


def tickets_event_at(event_id: int) -> datetime:
    from afterdesk.tickets.models import TicketEvent

    return TicketEvent.objects.values_list("at", flat=True).get(pk=event_id)
