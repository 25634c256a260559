"""Macros: the reply in the buyer's language and the actions written as one ticket change,
all or nothing; usage counts; shared and personal macros (docs/replies.md, "Macros")."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError
from afterdesk.replies import apply, services
from afterdesk.replies.models import AssignMode, Macro
from afterdesk.replies.services import MacroIn
from afterdesk.tickets.consumers import tickets_changed
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from tests.replies.helpers import template, ticket_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every `tickets_changed` notification (one per ticket change), besides the real ones."""
    seen: list[dict[str, Any]] = []
    consumers = [*tickets_changed._consumers, lambda **change: seen.append(change)]
    monkeypatch.setattr(tickets_changed, "_consumers", consumers)
    return seen


def test_macro_replies_in_the_buyers_language_and_acts_in_one_change(
    team: Team, supervisor: User, agent: User, changes: list[dict[str, Any]]
) -> None:
    ticket = ticket_for(team, language="es")
    macro = services.macro_save(
        by=supervisor,
        data=MacroIn(
            name="Parcel on its way + pending",
            template=template(supervisor),
            send=True,
            set_status="pending",
            add_tags=["Tracking-Sent"],
            assign_mode=AssignMode.SELF,
            shared=True,
        ),
    )
    before = TicketEvent.objects.filter(ticket=ticket).count()
    changes.clear()
    done = apply.macro_apply(macro=macro, ticket=ticket, by=agent)

    assert len(changes) == 1  # one change: the facts computed once, for all the events
    new = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id")[before:])
    assert [(e.kind, e.subtype) for e in new] == [
        ("message", "reply"),
        ("status", "pending"),
        ("assign", ""),
    ]
    reply = Message.objects.get(event=new[0])
    assert reply.body_text.startswith("Hola Lucía Gómez:\nTu pedido #5001")
    assert "{{" not in reply.body_text
    assert reply.body_text.endswith(
        f"Un saludo, {agent.display_name or agent.username} (Tienda Lino)"
    )
    assert done.reply == new[0]
    assert done.language == "es"
    assert done.warning == ""
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.assignee) == ("pending", agent)
    assert list(ticket.tags.values_list("name", flat=True)) == ["tracking-sent"]
    macro.refresh_from_db()
    assert macro.usage_count == 1
    assert macro.last_used_at is not None


def test_a_template_that_does_not_render_writes_nothing(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, with_order=False)
    macro = services.macro_save(
        by=supervisor,
        data=MacroIn(name="m", template=template(supervisor), set_status="solved", shared=True),
    )
    before = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(ValidationError, match="order_number has no value"):
        apply.macro_apply(macro=macro, ticket=ticket, by=agent)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    assert Ticket.objects.get(pk=ticket.pk).status != "solved"
    macro.refresh_from_db()
    assert macro.usage_count == 0


def test_a_refused_action_rolls_back_the_reply_and_the_count(
    team: Team, supervisor: User, agent: User, qa_reviewer: User
) -> None:
    ticket = ticket_for(team)
    macro = services.macro_save(
        by=supervisor,
        data=MacroIn(
            name="to Anna",
            template=template(supervisor),
            assign_mode=AssignMode.AGENT,
            assign_agent=agent,
            shared=True,
        ),
    )
    # The agent left since: the assignment is refused, so the reply is not written either.
    User.objects.filter(pk=agent.pk).update(is_active=False)
    macro.refresh_from_db()
    before = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(ValidationError, match="cannot be assigned"):
        apply.macro_apply(macro=macro, ticket=ticket, by=qa_reviewer)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_the_edited_body_is_sent_as_written(team: Team, supervisor: User, agent: User) -> None:
    ticket = ticket_for(team)
    macro = services.macro_save(by=agent, data=MacroIn(name="mine", template=template(supervisor)))
    done = apply.macro_apply(macro=macro, ticket=ticket, by=agent, body="Hola Lucía, edited")
    assert done.reply is not None
    assert done.reply.message.body_text == "Hola Lucía, edited"


def test_usage_counts_add_up(team: Team, supervisor: User, agent: User) -> None:
    macro = services.macro_save(
        by=supervisor, data=MacroIn(name="tag only", add_tags=["x"], shared=True)
    )
    for _ in range(3):
        apply.macro_apply(macro=macro, ticket=ticket_for(team), by=agent)
    assert Macro.objects.get(pk=macro.pk).usage_count == 3


def test_personal_macros_belong_to_their_owner(
    team: Team, agent: User, other_agent: User, supervisor: User
) -> None:
    mine = services.macro_save(by=agent, data=MacroIn(name="mine", set_status="pending"))
    assert mine.owner == agent
    assert not mine.is_shared
    with pytest.raises(NotFound):
        apply.macro_apply(macro=mine, ticket=ticket_for(team), by=other_agent)
    with pytest.raises(NotFound):
        services.macro_save(by=supervisor, data=MacroIn(name="x", set_status="open"), macro=mine)
    with pytest.raises(PermissionDenied):
        services.macro_save(by=agent, data=MacroIn(name="all", set_status="open", shared=True))
    shared = services.macro_save(
        by=supervisor, data=MacroIn(name="shared", set_status="open", shared=True)
    )
    with pytest.raises(PermissionDenied):
        services.macro_delete(by=agent, macro=shared)
    services.macro_delete(by=agent, macro=mine)


def test_a_template_used_by_a_macro_cannot_be_deleted(supervisor: User) -> None:
    used = template(supervisor)
    services.macro_save(by=supervisor, data=MacroIn(name="m", template=used, shared=True))
    from afterdesk.core.errors import Conflict

    with pytest.raises(Conflict):
        services.template_delete(by=supervisor, template=used)


def test_what_the_marketplace_would_refuse_is_shown_in_the_preview(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, language="en")
    Ticket.objects.filter(pk=ticket.pk).update(channel="marketplace", platform="amazon")
    ticket.refresh_from_db()
    linked = template(supervisor, key="link", variants={"en": "Track it: {{ tracking_link }}"})
    result = apply.template_render(template=linked, ticket=ticket, agent=agent)
    assert result.errors == [
        "Amazon does not allow links to other sites in messages to buyers: www.dhl.com"
    ]
    macro = services.macro_save(
        by=supervisor, data=MacroIn(name="link", template=linked, send=True, shared=True)
    )
    with pytest.raises(ValidationError, match="does not allow links"):
        apply.macro_apply(macro=macro, ticket=ticket, by=agent)
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()
