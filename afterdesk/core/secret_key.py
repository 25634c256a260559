"""The secret key (README "Configuration"): `SECRET_KEY` from the environment, else a random key
made on first start and kept in the data directory.

Only the standard library: settings import this before Django is set up. The system check
that refuses a weak or built-in key is `core.checks.secret_key_check`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "secret_key"
# The key every install shared before keys were generated (issue 16): never acceptable.
OLD_BUILT_IN_KEY = "afterdesk-insecure-development-key-change-me-0123456789abcdefghijklmnop"
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5


def secret_key_load(data_dir: Path) -> str:
    """The key in `data_dir/secret_key`, made first when there is none.

    The new key is written to a private temporary file (mode 0600 from the start), then linked
    into place: `os.link` never replaces a file, so two processes starting at once both end up
    with the one key that won, and no process ever reads a half-written key.
    """
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        temporary = data_dir / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(64) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to make a new key, or set SECRET_KEY")
    return key


def secret_key_weakness(key: str) -> str | None:
    """Why `key` is too weak to sign sessions and tokens with, or None."""
    if key == OLD_BUILT_IN_KEY:
        return "it is the key that used to be built into Afterdesk's source"
    if key.startswith("django-insecure-"):
        return "it is a Django development key (django-insecure-…)"
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters (at least {MIN_LENGTH} needed)"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {MIN_UNIQUE_CHARACTERS} distinct characters"
    return None
