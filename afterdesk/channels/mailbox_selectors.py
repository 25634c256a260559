"""Reads of mailboxes and reply deliveries. Mailboxes and the deliveries list are
configuration: admins only (docs/channels.md, "Mailboxes"). The delivery state of a ticket's
replies is shown to whoever sees the ticket (the ticket page asks with the ticket in hand)."""

from __future__ import annotations

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.channels.mailbox_models import DeliveryState, ReplyDelivery
from afterdesk.channels.models import Mailbox
from afterdesk.core.errors import NotFound, ValidationError


def mailboxes_list(*, user: User) -> QuerySet[Mailbox]:
    user_require_configure(user=user)
    return Mailbox.objects.select_related("connection", "store").order_by("name", "id")


def mailbox_get(*, user: User, mailbox_id: int) -> Mailbox:
    mailbox = mailboxes_list(user=user).filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(f"mailbox {mailbox_id} not found")
    return mailbox


def deliveries_list(*, user: User, state: str | None = None) -> QuerySet[ReplyDelivery]:
    """Reply deliveries, newest first; by default the ones that need an eye (failed, or not
    sent yet after an error)."""
    user_require_configure(user=user)
    queryset = ReplyDelivery.objects.select_related("mailbox", "event__agent")
    if state:
        if state not in DeliveryState.values:
            raise ValidationError(
                f"unknown state {state!r}; use {', '.join(DeliveryState.values)}", field="state"
            )
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-id")


def delivery_get(*, user: User, delivery_id: int) -> ReplyDelivery:
    delivery = deliveries_list(user=user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} not found")
    return delivery


def deliveries_of_ticket(*, ticket_id: int) -> dict[int, ReplyDelivery]:
    """The ticket's reply deliveries by the reply's event id (one query). The caller has
    authorised the ticket."""
    # With their bounces: a reply the buyer's server returned says so (services.bounces).
    deliveries = ReplyDelivery.objects.filter(ticket_id=ticket_id).prefetch_related("bounces")
    return {d.event_id: d for d in deliveries}
