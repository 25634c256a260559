"""The secret key (issue 16, item 2; README "Configuration"): without `SECRET_KEY`, a random key
is made on first start, kept in the data directory (mode 0600) and reused; `check --deploy`
fails on a weak or built-in key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD_BUILT_IN = "afterdesk-insecure-development-key-change-me-0123456789abcdefghijklmnop"


def run(data_dir: Path, *args: str, secret_key: str | None = None) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    env["AFTERDESK_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "afterdesk.settings"
    env["DATABASE_URL"] = f"sqlite:///{data_dir / 'db.sqlite3'}"
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def test_a_key_is_made_on_first_start_with_mode_0600_and_reused(tmp_path: Path) -> None:
    first = run(tmp_path, "-c", f"import django; django.setup(); {PRINT_KEY}")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    path = tmp_path / "secret_key"
    assert path.read_text(encoding="utf-8").strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50
    assert key != OLD_BUILT_IN
    second = run(tmp_path, "-c", f"import django; django.setup(); {PRINT_KEY}")
    assert second.stdout.strip() == key
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_the_environment_wins_and_writes_no_file(tmp_path: Path) -> None:
    strong = "k3y-" + "".join(chr(ord("a") + i % 26) + str(i % 10) for i in range(40))
    result = run(tmp_path, "-c", f"import django; django.setup(); {PRINT_KEY}", secret_key=strong)
    assert result.stdout.strip() == strong
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "weak", [OLD_BUILT_IN, "short-key", "a" * 80, "django-insecure-" + "x1y2z3w4v5" * 6]
)
def test_check_deploy_fails_on_a_weak_or_built_in_key(tmp_path: Path, weak: str) -> None:
    result = run(tmp_path, "-m", "django", "check", "--deploy", secret_key=weak)
    assert result.returncode != 0
    assert "afterdesk.E001" in result.stderr + result.stdout


def test_check_deploy_passes_the_key_check_with_a_strong_key(tmp_path: Path) -> None:
    result = run(tmp_path, "-m", "django", "check", "--deploy")  # the generated key
    assert "afterdesk.E001" not in result.stderr + result.stdout
    assert "security.W009" not in result.stderr + result.stdout
