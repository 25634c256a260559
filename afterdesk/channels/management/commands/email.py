"""`afterdesk email ingest FILE.eml…`, `afterdesk email retry [ID…] [--failed]` and
`afterdesk email poll [--mailbox ADDRESS]` (the IMAP poll the worker runs every minute).

ingest: one line per file saying what happened ("opened #12", "added to #7", "duplicate of
inbound #3 (ticket #7)", "stored as auto-reply (…)", "failed: reason (stored raw as #9)").
The exit code is 0 when every file was stored, even one that opened no ticket or failed to
parse; it is 1 when a file could not even be read (docs/channels.md, "Command line").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.services.batch import BATCH_SIZE, email_ingest_many, emails_retry
from afterdesk.channels.services.bounces import bounces_apply_pending
from afterdesk.channels.services.polling import mailbox_poll, mailboxes_to_poll


class Command(BaseCommand):
    help = "Ingest raw email (.eml files) or retry failed inbound messages (docs/channels.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ingest|retry|poll")
        ingest = actions.add_parser("ingest", help="store and process .eml files")
        ingest.add_argument("files", nargs="+", help="raw RFC 5322 messages (.eml)")
        retry = actions.add_parser("retry", help="process failed inbound messages again")
        retry.add_argument("ids", nargs="*", type=int, help="inbound message numbers")
        retry.add_argument(
            "--failed", action="store_true", help="every failed (or unprocessed) message"
        )
        poll = actions.add_parser("poll", help="poll the mailboxes' IMAP servers now")
        poll.add_argument("--mailbox", help="only this mailbox (its address)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ingest":
            self._ingest(options["files"])
        elif options["action"] == "poll":
            self._poll(options["mailbox"])
        else:
            self._retry(options["ids"], every_failed=options["failed"])

    def _ingest(self, files: list[str]) -> None:
        unreadable = 0
        # A batch of files at a time (`services.batch`: one transaction per batch, the same
        # outcome per file as one at a time).
        for start in range(0, len(files), BATCH_SIZE):
            read: list[tuple[str, bytes]] = []
            for file in files[start : start + BATCH_SIZE]:
                try:
                    read.append((file, Path(file).read_bytes()))
                except OSError as error:
                    unreadable += 1
                    self.stderr.write(f"{file}: not stored: {error.strerror or error}")
            results = email_ingest_many([raw for _file, raw in read], source="cli")
            for (file, _raw), result in zip(read, results, strict=True):
                if isinstance(result, OSError):  # the raw copy could not be written
                    unreadable += 1
                    self.stderr.write(f"{file}: not stored: {result.strerror or result}")
                else:
                    self.stdout.write(f"{file}: {result.line()}")
        bounces_apply_pending()  # a bounce of a desk reply marks that reply (services.bounces)
        if unreadable:
            raise CommandError(f"{unreadable} file(s) could not be stored; nothing kept for them")

    def _retry(self, ids: list[int], *, every_failed: bool) -> None:
        if not ids and not every_failed:
            raise CommandError("name the inbound messages to retry, or use --failed")
        pending = (InboundState.FAILED, InboundState.RECEIVED)
        queryset = InboundEmail.objects.order_by("id")
        chosen = list(queryset.filter(pk__in=ids) if ids else queryset.filter(state__in=pending))
        missing = sorted(set(ids) - {inbound.pk for inbound in chosen})
        skipped = {inbound.pk for inbound in chosen if inbound.state not in pending}
        emails_retry(chosen)  # those still pending, a batch at a time
        for inbound in chosen:
            if inbound.pk in skipped:
                self.stdout.write(f"#{inbound.pk}: not retried: it is {inbound.state}")
                continue
            line = f"#{inbound.pk}: {inbound.state}"
            if inbound.ticket_id:
                line += f" (ticket #{inbound.ticket_id})"
            if inbound.state == InboundState.FAILED:
                line += f": {inbound.reason}"
            self.stdout.write(line)
        if missing:
            raise CommandError(f"no inbound message {', '.join(f'#{pk}' for pk in missing)}")

    def _poll(self, address: str | None) -> None:
        """One line per mailbox; exit code 1 when a server failed (recorded on the mailbox)."""
        mailboxes = mailboxes_to_poll()
        if address:
            mailboxes = [m for m in mailboxes if m.address.lower() == address.lower()]
            if not mailboxes:
                raise CommandError(f"no mailbox {address} with an enabled IMAP server")
        failed = 0
        for mailbox in mailboxes:
            result = mailbox_poll(mailbox)
            failed += bool(result.error)
            (self.stderr if result.error else self.stdout).write(result.line())
        if failed:
            raise CommandError(f"{failed} mailbox(es) could not be polled")
