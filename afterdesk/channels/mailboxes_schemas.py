"""Shapes of the mailbox and reply delivery API (docs/channels.md, "API")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, PageQuery, SafeStr

SecurityName = Literal["ssl", "starttls", "none"]


class MailboxPatch(InputSchema):
    """Only the fields sent change. Passwords are write-only: left out, they stay; `""`
    removes one."""

    name: SafeStr | None = Field(None, max_length=100)
    address: SafeStr | None = Field(None, max_length=254)
    store: SafeStr | None = Field(None, max_length=100, description="The store's code, or null")
    enabled: bool | None = Field(None, description="Polled and used for sending")
    imap_host: SafeStr | None = Field(None, max_length=255)
    imap_port: int | None = Field(None, ge=1, le=65535, description="Default 993 (ssl), 143")
    imap_security: SecurityName | None = None
    imap_username: SafeStr | None = Field(None, max_length=255)
    imap_password: SafeStr | None = Field(None, max_length=1000)
    imap_folder: SafeStr | None = Field(None, max_length=255, description="Default INBOX")
    smtp_host: SafeStr | None = Field(None, max_length=255)
    smtp_port: int | None = Field(None, ge=1, le=65535, description="Default 465 (ssl), 587, 25")
    smtp_security: SecurityName | None = None
    smtp_username: SafeStr | None = Field(None, max_length=255)
    smtp_password: SafeStr | None = Field(None, max_length=1000)


class MailboxIn(MailboxPatch):
    name: SafeStr = Field(max_length=100)
    address: SafeStr = Field(max_length=254)


class MailboxOut(Schema):
    id: int
    name: str
    address: str
    store: str | None = Field(description="The store's code")
    enabled: bool
    imap_host: str
    imap_port: int | None
    imap_security: str
    imap_username: str
    imap_password_set: bool = Field(description="A password is stored (it is never shown)")
    imap_folder: str
    smtp_host: str
    smtp_port: int | None
    smtp_security: str
    smtp_username: str
    smtp_password_set: bool
    uidvalidity: int | None = Field(description="The polled folder's UIDVALIDITY")
    last_uid: int = Field(description="The highest UID stored from the folder")
    last_poll_at: datetime | None
    last_poll_ok_at: datetime | None
    last_poll_error: str = Field(description="Why the last poll failed (empty: it worked)")
    last_poll_error_at: datetime | None
    created_at: datetime


class ConnectionCheckOut(Schema):
    which: str = Field(description="imap or smtp")
    ok: bool
    detail: str


class ConnectionTestOut(Schema):
    ok: bool
    checks: list[ConnectionCheckOut]


class PollOut(Schema):
    outcome: str
    stored: int
    duplicates: int
    resynced: bool
    error: str


class DeliveryOut(Schema):
    id: int
    ticket_id: int
    event_id: int
    state: str = Field(description="queued, sending, sent, retrying or failed")
    attempts: int
    next_attempt_at: datetime | None
    message_id: str
    sender: str
    recipient: str
    subject: str
    in_reply_to: str
    references: str
    last_error: str
    last_error_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


class DeliveryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DeliveryOut]


class DeliveryFilterQuery(PageQuery):
    state: str | None = Field(None, description="Only deliveries in this state")
