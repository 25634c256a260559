"""What the ticket actions tell people (docs/notifications.md): the colleagues a note
@mentions ("Mentions") and the target of an escalation ("Escalations"), in the app and by
email, once per event; only people who may see the ticket are told."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from afterdesk.accounts.models import Role, Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.notifications.mentions import mentions_find
from afterdesk.notifications.models import NotificationKind
from afterdesk.notifications.selectors import supervisors_for_team
from afterdesk.notifications.services import notify
from afterdesk.tickets.models import Ticket, TicketEvent

EXCERPT = 500


def _may_see(ticket: Ticket) -> Q:
    """The people who may see the ticket, as a filter on users: the rule of
    `tickets.selectors.ticket_visible_q` turned around."""
    may_see = Q(role__in=[Role.ADMIN, Role.SUPERVISOR]) | Q(is_superuser=True)
    if ticket.team_id is not None:
        may_see |= Q(teams=ticket.team_id)
    if ticket.assignee_id is not None:
        may_see |= Q(pk=ticket.assignee_id)
    return may_see


def mentioned_users(*, ticket: Ticket, body: str) -> list[User]:
    """The active people the body names (usernames, any case) who may see the ticket: one
    query."""
    names = [name.lower() for name in mentions_find(body)]
    if not names:
        return []
    may_see = _may_see(ticket)
    return list(
        User.objects.annotate(username_lower=Lower("username"))
        .filter(username_lower__in=names, is_active=True)
        .filter(may_see)
        .distinct()
        .order_by("username")
    )


def note_mentions_notify(*, ticket: Ticket, event: TicketEvent, by: User, body: str) -> list[User]:
    """Tell the people the note mentions; returns them (the author is never told)."""
    people = [user for user in mentioned_users(ticket=ticket, body=body) if user.pk != by.pk]
    if not people:
        return []
    excerpt = body.strip()
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1] + "…"
    anchor = f"#message-{event.message.pk}" if getattr(event, "message", None) else ""
    notify(
        users=people,
        kind=NotificationKind.MENTION,
        title=format_lazy(
            gettext_lazy("{person} mentioned you on ticket #{ticket}: {subject}"),
            person=by,
            ticket=ticket.pk,
            subject=ticket.subject,
        ),
        body=excerpt,
        url=f"/tickets/{ticket.pk}/{anchor}",
        ticket_id=ticket.pk,
        actor=by,
        dedupe_key=f"mention:{event.pk}",
    )
    return people


def escalation_target_check(*, ticket: Ticket, person: User) -> None:
    """An escalation to a person they cannot act on is refused (422), not silently lost."""
    if not person.is_active:
        raise ValidationError(f"{person.username} is not active", field="to")
    if not User.objects.filter(pk=person.pk).filter(_may_see(ticket)).exists():
        raise ValidationError(
            f"{person.username} cannot see this ticket: escalate to their team, or assign it",
            field="to",
        )


def escalation_recipients(*, ticket: Ticket, team: Team, by: User) -> list[User]:
    """The team's active supervisors; without any, its members who may see the ticket;
    without those either, every active supervisor and admin (never the one escalating)."""
    members = User.objects.filter(is_active=True, teams=team).exclude(pk=by.pk)
    found = list(members.filter(role=Role.SUPERVISOR).order_by("username"))
    if not found:
        found = list(
            members.filter(_may_see(ticket))
            .exclude(role=Role.QA_REVIEWER)
            .distinct()
            .order_by("username")
        )
    return found or [user for user in supervisors_for_team(None) if user.pk != by.pk]


def escalation_notify(
    *,
    ticket: Ticket,
    event: TicketEvent,
    by: User,
    reason: str,
    person: User | None = None,
    team: Team | None = None,
) -> list[User]:
    """Tell the person, or the team's people, about the escalation; returns them."""
    if person is not None:
        people = [person]
        title = format_lazy(
            gettext_lazy("{person} escalated ticket #{ticket} to you: {subject}"),
            person=by,
            ticket=ticket.pk,
            subject=ticket.subject,
        )
    elif team is not None:
        people = escalation_recipients(ticket=ticket, team=team, by=by)
        title = format_lazy(
            gettext_lazy("{person} escalated ticket #{ticket} to team {team}: {subject}"),
            person=by,
            ticket=ticket.pk,
            team=team.name,
            subject=ticket.subject,
        )
    else:
        return []
    people = [user for user in people if user.pk != by.pk]
    if not people:
        return []
    notify(
        users=people,
        kind=NotificationKind.ESCALATION,
        title=title,
        body=reason.strip(),
        url=f"/tickets/{ticket.pk}/",
        ticket_id=ticket.pk,
        actor=by,
        dedupe_key=f"escalate:{event.pk}",
    )
    return people
