"""Mailbox configuration (admins; docs/channels.md, "Mailboxes"): the address, the store, the
IMAP and SMTP servers. Passwords are written only (encrypted, `core.credentials`) and never
read back. The one write path of the mailbox page and the API.

`changes` names only what changes (a PATCH): a password left out stays, `""` removes it.
Moving the IMAP server or folder forgets the polling position (UIDVALIDITY, last UID): the
new folder is read from its start, and what was stored before is recognised by its
Message-ID."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from afterdesk.channels.mailbox_models import MailboxConnection, Security
from afterdesk.channels.models import Mailbox
from afterdesk.commerce.models import Store
from afterdesk.core.errors import Conflict, ValidationError

MAILBOX_FIELDS = ("name", "address", "store")
CONNECTION_FIELDS = (
    "enabled",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
)
PASSWORD_FIELDS = ("imap_password", "smtp_password")
FIELDS = frozenset((*MAILBOX_FIELDS, *CONNECTION_FIELDS, *PASSWORD_FIELDS))
# Where the polling position belongs: a change of any of these starts the folder again.
IMAP_LOCATION = ("imap_host", "imap_port", "imap_username", "imap_folder")


@transaction.atomic
def mailbox_save(*, mailbox: Mailbox | None, changes: Mapping[str, Any]) -> Mailbox:
    """Create (`mailbox=None`; `name` and `address` required) or change a mailbox."""
    unknown = sorted(set(changes) - FIELDS)
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}", field=unknown[0])
    clean = _cleaned(changes, new=mailbox is None)
    if mailbox is None:
        mailbox = Mailbox(name=clean["name"], address=clean["address"])
    _address_free(clean.get("address"), mailbox)
    for name in MAILBOX_FIELDS:
        if name in clean:
            setattr(mailbox, name, clean[name])
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError as error:  # the same address saved by someone else just now
        raise Conflict(_("another mailbox has this address"), field="address") from error
    connection = MailboxConnection.objects.filter(mailbox=mailbox).first()
    connection = connection or MailboxConnection(mailbox=mailbox)
    moved = any(
        name in clean and clean[name] != getattr(connection, name) for name in IMAP_LOCATION
    )
    for name in CONNECTION_FIELDS:
        if name in clean:
            setattr(connection, name, clean[name])
    for name in PASSWORD_FIELDS:
        if name in clean:
            connection.set_password(name.removesuffix("_password"), clean[name])
    if moved and connection.pk is not None:
        connection.uidvalidity, connection.last_uid = None, 0
    connection.save()
    return mailbox


def mailbox_delete(*, mailbox: Mailbox) -> None:
    """Delete a mailbox and its servers; the mail it brought stays (without its mailbox)."""
    mailbox.delete()


def _cleaned(changes: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "store":
            clean[name] = _store(value)
        elif name == "enabled":
            clean[name] = bool(value)
        elif name.endswith("_port"):
            clean[name] = _port(name, value)
        elif name.endswith("_security"):
            if value not in Security.values:
                raise ValidationError(
                    f"{name} is one of {', '.join(Security.values)}, not {value!r}", field=name
                )
            clean[name] = value
        else:
            clean[name] = "" if value is None else str(value).strip()
            if name in PASSWORD_FIELDS:
                clean[name] = "" if value is None else str(value)  # spaces may be meant
    if new:
        for required in ("name", "address"):
            if not clean.get(required):
                raise ValidationError(
                    _("%(field)s is required") % {"field": required}, field=required
                )
    for required in ("name", "address", "imap_folder"):
        if required in clean and not clean[required]:
            raise ValidationError(
                _("%(field)s cannot be empty") % {"field": required}, field=required
            )
    if "address" in clean:
        clean["address"] = clean["address"].lower()
        try:
            validate_email(clean["address"])
        except DjangoValidationError as error:
            raise ValidationError(
                _("%(address)s is not an email address") % {"address": repr(clean["address"])},
                field="address",
            ) from error
    for name in ("imap_host", "smtp_host"):
        if any(char.isspace() or char in "/@" for char in clean.get(name, "")):
            raise ValidationError(
                _("%(field)s is a host name or an IP address") % {"field": name}, field=name
            )
    return clean


def _store(code: Any) -> Store | None:
    if code in (None, ""):
        return None
    store = Store.objects.filter(code=str(code)).first()
    if store is None:
        raise ValidationError(f"no store {code!r}", field="store")
    return store


def _port(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None  # the protocol's usual port
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535 or isinstance(value, bool):
        raise ValidationError(
            _("%(field)s is a port number (1-65535), not %(value)s")
            % {"field": name, "value": repr(value)},
            field=name,
        )
    return port


def _address_free(address: str | None, mailbox: Mailbox) -> None:
    if not address:
        return
    taken = Mailbox.objects.filter(address__iexact=address)
    if mailbox.pk is not None:
        taken = taken.exclude(pk=mailbox.pk)
    if taken.exists():
        raise Conflict(
            _("another mailbox has the address %(address)s") % {"address": address},
            field="address",
        )
