"""Mail no person wrote to the desk: auto-replies, bounces and bulk mail (RFC 3834 and the
headers mail systems really send). Such mail never opens an active ticket and never gets an
automatic answer (docs/channels.md, "Automatic mail")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
BULK = "bulk"

_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon")


@dataclass(frozen=True)
class Automatic:
    kind: str  # AUTO_REPLY, BOUNCE or BULK
    reason: str  # the header that said so


def automatic_detect(
    header: Callable[[str], str], *, content_type: str, report_type: str, sender: str
) -> Automatic | None:
    """What kind of automatic mail this is, or None for mail a person wrote. `header(name)`
    is the header's value ("" when missing); `sender` the From address."""
    return_path = header("Return-Path").strip()
    local = sender.split("@", 1)[0].lower()
    if content_type == "multipart/report":
        kind = BOUNCE if report_type.lower() in ("delivery-status", "") else AUTO_REPLY
        return Automatic(kind, f"Content-Type: multipart/report; report-type={report_type}")
    if return_path in ("<>", "<<>>") or local in _BOUNCE_SENDERS:
        what = f"Return-Path: {return_path}" if return_path in ("<>", "<<>>") else f"From: {sender}"
        return Automatic(BOUNCE, what)
    auto_submitted = header("Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return Automatic(AUTO_REPLY, f"Auto-Submitted: {auto_submitted}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if header(name).strip():
            return Automatic(AUTO_REPLY, f"{name}: {header(name).strip()}")
    precedence = header("Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return Automatic(BULK, f"Precedence: {precedence}")
    if precedence == "auto_reply":
        return Automatic(AUTO_REPLY, f"Precedence: {precedence}")
    # Not List-Unsubscribe alone: marketplaces put it on the buyer messages they relay.
    if header("List-Id").strip():
        return Automatic(BULK, f"List-Id: {header('List-Id').strip()[:100]}")
    return None
