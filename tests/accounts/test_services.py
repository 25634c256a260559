from __future__ import annotations

import pytest

from afterdesk.accounts import services
from afterdesk.accounts.models import ApiToken, Role, User
from afterdesk.core.errors import ValidationError

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates(agent: User) -> None:
    token, raw = services.api_token_create(user=agent, name="laptop")
    assert raw.startswith("adk_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == services.hash_token(raw)
    assert services.api_token_authenticate(raw=raw) == agent
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_or_wrong_token_does_not_authenticate(agent: User) -> None:
    token, raw = services.api_token_create(user=agent, name="laptop")
    assert services.api_token_authenticate(raw=raw + "x") is None
    services.api_token_revoke(token=token)
    assert services.api_token_authenticate(raw=raw) is None


def test_inactive_user_token_does_not_authenticate(agent: User) -> None:
    _, raw = services.api_token_create(user=agent, name="laptop")
    agent.is_active = False
    agent.save()
    assert services.api_token_authenticate(raw=raw) is None


def test_agent_upsert_replaces_fields() -> None:
    user = services.agent_upsert(
        username="lena", name="Lena", team="EU", shift="day", languages=["de", "en"]
    )
    assert user.role == Role.AGENT
    assert not user.has_usable_password()
    assert [t.name for t in user.teams.all()] == ["EU"]
    user = services.agent_upsert(username="lena", name="Lena S.", role="supervisor")
    user.refresh_from_db()
    assert (user.display_name, user.role, user.profile.shift, user.profile.languages) == (
        "Lena S.",
        "supervisor",
        "",
        [],
    )
    assert list(user.teams.all()) == []


def test_agent_upsert_rejects_unknown_role() -> None:
    with pytest.raises(ValidationError) as info:
        services.agent_upsert(username="x", name="X", role="boss")
    assert info.value.field == "role"


def test_passwords_use_argon2() -> None:
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    from afterdesk import settings as real_settings

    with override_settings(PASSWORD_HASHERS=real_settings.PASSWORD_HASHERS):
        assert make_password("secret-pass-123").startswith("argon2")
