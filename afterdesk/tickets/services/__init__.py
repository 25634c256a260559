"""Every change to a ticket goes through here and writes its TicketEvent in the same
transaction (docs/architecture.md, "The event log")."""

from afterdesk.tickets.services.actions import (
    complaint_record,
    csat_record,
    message_ingest,
    message_reply,
    note_add,
    qa_review_record,
    return_record,
    ticket_assign,
    ticket_create,
    ticket_escalate,
    ticket_open,
    ticket_set_status,
    ticket_set_tags,
)
from afterdesk.tickets.services.attachments import (
    AttachmentIn,
    attachment_inline_type,
    attachments_check,
    attachments_save,
    attachments_validate,
)
from afterdesk.tickets.services.automation import automation_note_add, ticket_automate
from afterdesk.tickets.services.changes import TicketChange, event_record, ticket_change
from afterdesk.tickets.services.log import sanitize_html, ticket_refresh_state
from afterdesk.tickets.services.returns import return_step_record
from afterdesk.tickets.services.sla import (
    SlaEventIn,
    sla_event_write,
    sla_events_write,
    ticket_no_reply,
)
from afterdesk.tickets.services.triage import ticket_triage_correct, ticket_triage_record
from afterdesk.tickets.state import TicketState, replay_state

__all__ = [
    "AttachmentIn",
    "SlaEventIn",
    "TicketChange",
    "TicketState",
    "attachment_inline_type",
    "attachments_check",
    "attachments_save",
    "attachments_validate",
    "automation_note_add",
    "complaint_record",
    "csat_record",
    "event_record",
    "message_ingest",
    "message_reply",
    "note_add",
    "qa_review_record",
    "replay_state",
    "return_record",
    "return_step_record",
    "sanitize_html",
    "sla_event_write",
    "sla_events_write",
    "ticket_assign",
    "ticket_automate",
    "ticket_change",
    "ticket_create",
    "ticket_escalate",
    "ticket_no_reply",
    "ticket_open",
    "ticket_refresh_state",
    "ticket_set_status",
    "ticket_set_tags",
    "ticket_triage_correct",
    "ticket_triage_record",
]
