"""`afterdesk tokens create|list|revoke`: the same rules as the API; the key printed once;
bad input is a message and a non-zero exit."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from afterdesk.accounts.models import ApiToken, User
from afterdesk.accounts.services import hash_token
from afterdesk.cli import main
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("tokens", *args, stdout=out)
    return out.getvalue()


def test_create_prints_only_the_key_which_works_and_expires(agent: User) -> None:
    key = run("create", "anna", "nightly", "--expires-in-days", "7").strip()
    token = ApiToken.objects.get(name="nightly")
    assert token.key_hash == hash_token(key)
    assert token.expires_at is not None
    assert token.expires_at - timezone.now() > timedelta(days=6)
    assert ApiClient(key).get("/api/me").status_code == 200
    listed = run("list")
    assert "nightly" in listed
    assert key not in listed


def test_create_at_a_moment_and_revoke(agent: User) -> None:
    at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    key = run("create", "anna", "ci", "--expires-at", at.isoformat()).strip()
    token = ApiToken.objects.get(name="ci")
    assert token.expires_at == at
    assert "revoked" in run("revoke", str(token.pk))
    assert ApiClient(key).get("/api/me").status_code == 401
    assert "\trevoked\t" in run("list", "--user", "anna")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "nobody", "x"), "no active user"),
        (("create", "anna", "x", "--expires-in-days", "0"), "expires_in_days"),
        (("create", "anna", "x", "--expires-at", "2001-01-01T00:00"), "not in the future"),
        (("create", "anna", "x", "--expires-at", "soon"), "not an ISO 8601 moment"),
        (("create", "anna", "  "), "name is empty"),
        (("revoke", "987654"), "no token 987654"),
    ],
)
def test_bad_input_is_a_message(agent: User, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


def test_bad_input_exits_non_zero(agent: User, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["tokens", "create", "nobody", "x"])
    assert exit_.value.code != 0
    assert "no active user" in capsys.readouterr().err
