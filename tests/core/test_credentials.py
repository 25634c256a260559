"""Secrets encrypted at rest (core.credentials): the key from AFTERDESK_CREDENTIALS_KEY or a
private file made once in the data directory; a value encrypted under another key is a clear
error, never garbage."""

from __future__ import annotations

import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from afterdesk.core.credentials import (
    KEY_ENV,
    CredentialsError,
    credentials_key_file,
    credentials_key_load,
    secret_decrypt,
    secret_encrypt,
)


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(KEY_ENV, raising=False)
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_the_key_file_is_made_once_private(data_dir: Path) -> None:
    key = credentials_key_load(data_dir)
    path = credentials_key_file(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials_key_load(data_dir) == key
    Fernet(key)  # a usable key


def test_processes_starting_at_once_share_one_key(data_dir: Path) -> None:
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(credentials_key_load(data_dir)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert [p.name for p in data_dir.iterdir()] == ["credentials_key"]


def test_encrypt_decrypt_and_nothing_in_clear(data_dir: Path) -> None:
    token = secret_encrypt("pässword 1")
    assert "pässword" not in token
    assert secret_decrypt(token) == "pässword 1"
    assert secret_encrypt("") == secret_decrypt("") == ""


def test_the_environment_key_wins_and_another_key_cannot_read(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file = secret_encrypt("one")
    monkeypatch.setenv(KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(CredentialsError, match="encrypted with another credentials key"):
        secret_decrypt(from_file)
    assert secret_decrypt(secret_encrypt("two")) == "two"


def test_a_malformed_environment_key_is_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "not a key")
    with pytest.raises(CredentialsError, match="is not a Fernet key"):
        secret_encrypt("x")
