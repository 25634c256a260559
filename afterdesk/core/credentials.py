"""Secrets the desk must use again (mailbox passwords), encrypted at rest with Fernet
(README "Configuration", docs/channels.md "Mailboxes").

The key: `AFTERDESK_CREDENTIALS_KEY` from the environment (a Fernet key: 32 url-safe base64
bytes, `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`),
else `credentials_key` in the data directory, made on first use (mode 0600, like the secret
key). Losing the key loses the stored passwords (they must be typed again), never anything
else: `afterdesk backup` should carry the file beside the secret key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "AFTERDESK_CREDENTIALS_KEY"
KEY_FILE_NAME = "credentials_key"


class CredentialsError(Exception):
    """A stored secret cannot be read (another key, a damaged value) or the key is unusable."""


def credentials_key_file(data_dir: Path) -> Path:
    return data_dir / KEY_FILE_NAME


def credentials_key_load(data_dir: Path) -> bytes:
    """The key from the environment, else from `data_dir/credentials_key`, made first when
    there is none: written to a private temporary file (0600 from the start), then linked into
    place (`os.link` never replaces a file: two processes starting at once share one key)."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        return _checked(configured.encode("ascii", "replace"), f"${KEY_ENV}")
    path = credentials_key_file(data_dir)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = data_dir / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return _checked(path.read_bytes().strip(), str(path))


def _checked(key: bytes, where: str) -> bytes:
    try:
        Fernet(key)
    except ValueError as error:
        raise CredentialsError(
            f"the credentials key in {where} is not a Fernet key (32 url-safe base64 bytes)"
        ) from error
    return key


@cache
def _fernet(data_dir: str, configured: str) -> Fernet:
    # Cached per (data directory, environment value): tests and `override_settings` that
    # change either get the matching key.
    return Fernet(credentials_key_load(Path(data_dir)))


def _current() -> Fernet:
    from django.conf import settings

    return _fernet(str(settings.DATA_DIR), os.environ.get(KEY_ENV, ""))


def secret_encrypt(plain: str) -> str:
    """`plain` encrypted (a Fernet token, text); the empty string stays empty."""
    if not plain:
        return ""
    return _current().encrypt(plain.encode("utf-8")).decode("ascii")


def secret_decrypt(token: str) -> str:
    """The plain text of `secret_encrypt`'s token; CredentialsError when it cannot be read."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise CredentialsError(
            "a stored password cannot be decrypted: it was encrypted with another credentials "
            f"key (${KEY_ENV} or the data directory's {KEY_FILE_NAME}); type it again"
        ) from error
