"""Backups of a whole desk and their restore (docs/deploy.md, "Backups and restore").

A backup is a directory: the database (`afterdesk.sqlite3`, a consistent copy made with SQLite's
online backup API, or `afterdesk.pgdump`, a `pg_dump -Fc` archive), the attachments (`media/`)
the secret key file (`secret_key`) and the key of the stored mail passwords (`credentials_key`,
`core.credentials`), described by `manifest.json` (written last: a directory
without it is an unfinished backup) with each file's size and SHA-256, which restore checks
before it writes anything.

Order matters: the database is copied first, the attachment files after it. An attachment's
file is written before its row commits and never changes afterwards (its name is a random
token), so every row in the copied database has its file in the copy; a file written after
the database was copied is an extra file without a row, which does no harm.

The task queue (huey) is not part of a backup: its only tasks are the alert sweep, which runs
again on schedule, and the alert email, which every sweep queues again until the alerts are
stamped as mailed (docs/alerts.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from afterdesk.core.credentials import KEY_FILE_NAME as CREDENTIALS_KEY_FILE_NAME
from afterdesk.core.secret_key import KEY_FILE_NAME

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
SQLITE_NAME = "afterdesk.sqlite3"
PGDUMP_NAME = "afterdesk.pgdump"
MEDIA_NAME = "media"
_CHUNK = 1024 * 1024
# The data directory's key files: without the credentials key the mailboxes' stored passwords
# cannot be read.
KEY_FILES = (KEY_FILE_NAME, CREDENTIALS_KEY_FILE_NAME)


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed at the target."""


@dataclass(frozen=True)
class BackupSummary:
    database: str  # "sqlite" or "postgresql"
    files: int  # attachment and other files under media/
    bytes: int  # total size of everything in the backup


def backup_create(dest: Path) -> BackupSummary:
    """Write a backup of the configured database, MEDIA_ROOT and the secret key to `dest`,
    which must not exist yet or be an empty directory."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty directory")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the secret key
    vendor = _vendor()
    if vendor == "sqlite":
        _sqlite_copy(Path(settings.DATABASES["default"]["NAME"]), dest / SQLITE_NAME)
    else:
        database = settings.DATABASES["default"]["NAME"]
        _run(["pg_dump", "--format=custom", "--file", str(dest / PGDUMP_NAME), database])
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, dest / MEDIA_NAME, symlinks=False)
    for name in KEY_FILES:
        key = Path(settings.DATA_DIR) / name
        if key.is_file():
            shutil.copy2(key, dest / name)
            os.chmod(dest / name, 0o600)
    files = {
        path.relative_to(dest).as_posix(): _describe(path)
        for path in sorted(_files(dest))
        if path.name != MANIFEST_NAME
    }
    manifest = {
        "format": FORMAT_VERSION,
        "database": vendor,
        "created_at": timezone.now().isoformat(),
        "files": files,
    }
    partial = dest / f".{MANIFEST_NAME}.partial"
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, dest / MANIFEST_NAME)
    return BackupSummary(
        database=vendor,
        files=sum(1 for name in files if name.startswith(f"{MEDIA_NAME}/")),
        bytes=sum(int(entry["size"]) for entry in files.values()),
    )


def backup_restore(src: Path, *, replace: bool = False) -> BackupSummary:
    """Restore the backup in `src` into the configured database, MEDIA_ROOT and data directory.

    The backup is checked whole first (manifest, every file's size and SHA-256, the database
    kind). The target database must be empty unless `replace` (then every process using it must
    be stopped first). The database is restored all or nothing: SQLite into a new file moved
    into place, PostgreSQL by `pg_restore --single-transaction`.
    """
    manifest = _manifest_check(src)
    vendor = _vendor()
    if manifest["database"] != vendor:
        raise BackupError(
            f"the backup holds a {manifest['database']} database but DATABASE_URL is "
            f"{vendor}; move between the two with `afterdesk history export/import`"
        )
    if vendor == "sqlite":
        _sqlite_restore(src / SQLITE_NAME, Path(settings.DATABASES["default"]["NAME"]), replace)
    else:
        _postgres_restore(src / PGDUMP_NAME, replace)
    media = src / MEDIA_NAME
    if media.is_dir():
        shutil.copytree(media, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
    for name in KEY_FILES:
        key = src / name
        if key.is_file():
            target = Path(settings.DATA_DIR) / name
            partial = target.with_name(f".{name}.restoring")
            shutil.copyfile(key, partial)
            os.chmod(partial, 0o600)
            os.replace(partial, target)
    files = manifest["files"]
    return BackupSummary(
        database=vendor,
        files=sum(1 for name in files if name.startswith(f"{MEDIA_NAME}/")),
        bytes=sum(int(entry["size"]) for entry in files.values()),
    )


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live database: the online backup API copies every page in one
    step inside one read transaction (WAL: writers go on meanwhile and are not in the copy).
    Copying the file with `cp` while the app runs is not safe: committed pages may still be
    in the -wal file, and a copy taken during a checkpoint can be torn."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    with _sqlite(source) as reader, _sqlite(target) as writer:
        reader.backup(writer)  # pages=-1: the whole database in one step
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _sqlite_integrity(writer, target)


def _sqlite_restore(source: Path, target: Path, replace: bool) -> None:
    if target.exists() and _sqlite_has_tables(target) and not replace:
        raise BackupError(
            f"the database {target} is not empty; restore into a new data directory, or stop "
            "every Afterdesk process and use --replace"
        )
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    with _sqlite(source) as reader, _sqlite(partial) as writer:
        reader.backup(writer)
        _sqlite_integrity(writer, source)
        writer.execute("PRAGMA journal_mode=WAL")
    for suffix in ("-wal", "-shm"):  # the old database's; they must not meet the new one
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(partial, target)


class _sqlite:
    """A plain sqlite3 connection closed on exit (sqlite3's own context manager only commits)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, timeout=30)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _sqlite_has_tables(path: Path) -> bool:
    with _sqlite(path) as db:
        return bool(
            db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        )


def _sqlite_integrity(db: sqlite3.Connection, path: Path) -> None:
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


def _postgres_restore(dump: Path, replace: bool) -> None:
    tables = connection.introspection.table_names()
    connection.close()  # pg_restore --clean must not wait on our own session
    if tables and not replace:
        raise BackupError(
            f"the database {settings.DATABASES['default']['NAME']} has {len(tables)} tables; "
            "restore into an empty database, or stop every Afterdesk process and use --replace"
        )
    command = ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, "--dbname", settings.DATABASES["default"]["NAME"], str(dump)])


def _run(command: list[str]) -> None:
    """Run pg_dump or pg_restore against the configured PostgreSQL database."""
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", database.get("HOST")),
        ("PGPORT", database.get("PORT")),
        ("PGUSER", database.get("USER")),
        ("PGPASSWORD", database.get("PASSWORD")),
    ):
        if value:
            env[variable] = str(value)
    what = command[0]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(
            f"{what} is not installed (Debian: apt install postgresql-client)"
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()}")


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path


def _describe(path: Path) -> dict[str, int | str]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _manifest_check(src: Path) -> dict[str, Any]:
    path = src / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{src} is not a finished backup: {MANIFEST_NAME} is missing")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    database_file = SQLITE_NAME if manifest.get("database") == "sqlite" else PGDUMP_NAME
    if database_file not in manifest.get("files", {}):
        raise BackupError(f"{path} lists no database file ({database_file})")
    for name, expected in manifest["files"].items():
        file = src / name
        if not file.is_file():
            raise BackupError(f"{file} is missing from the backup")
        if _describe(file) != expected:
            raise BackupError(f"{file} differs from the manifest (size or SHA-256): damaged")
    for file in _files(src):
        name = file.relative_to(src).as_posix()
        if name != MANIFEST_NAME and name not in manifest["files"]:
            raise BackupError(f"{file} is not in the manifest: not part of this backup")
    return manifest
