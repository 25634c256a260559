from __future__ import annotations

import pytest

from afterdesk.accounts import services
from afterdesk.accounts.models import ApiToken, Role, User
from afterdesk.core.errors import PermissionDenied, ValidationError
from tests.factories import UserFactory

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
    assert (user.role, user.position) == (Role.AGENT, "")
    assert not user.has_usable_password()
    assert [t.name for t in user.teams.all()] == ["EU"]
    user = services.agent_upsert(username="lena", name="Lena S.", position="supervisor")
    user.refresh_from_db()
    assert (
        user.display_name,
        user.position,
        user.role,
        user.profile.shift,
        user.profile.languages,
    ) == ("Lena S.", "supervisor", "supervisor", "", [])
    assert list(user.teams.all()) == []


@pytest.mark.parametrize(
    ("position", "role"),
    [
        ("first_line", Role.AGENT),
        ("night_shift_es", Role.AGENT),
        ("supervisor", Role.SUPERVISOR),
        ("qa_reviewer", Role.QA_REVIEWER),
        ("admin", Role.AGENT),  # an import never makes an administrator
        ("", Role.AGENT),
    ],
)
def test_agent_upsert_takes_any_position_and_the_access_level_follows(
    position: str, role: Role
) -> None:
    user = services.agent_upsert(username="x", name="X", position=position)
    user.refresh_from_db()
    assert (user.position, user.role) == (position, role)


def test_agent_upsert_keeps_an_admin_an_admin(admin_user: User) -> None:
    user = services.agent_upsert(username="ada", name="Ada", position="first_line")
    user.refresh_from_db()
    assert (user.position, user.role) == ("first_line", Role.ADMIN)


@pytest.mark.parametrize("position", ["x" * 65, "   ", 7, "a\x00b"])
def test_agent_upsert_rejects_a_position_that_is_not_1_to_64_characters(position: object) -> None:
    with pytest.raises(ValidationError) as info:
        services.agent_upsert(username="x", name="X", position=position)  # type: ignore[arg-type]
    assert info.value.field == "position"
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize(
    ("before", "position", "after"),
    [
        (Role.AGENT, "second_line", Role.AGENT),
        (Role.AGENT, "supervisor", Role.SUPERVISOR),
        (Role.AGENT, "qa_reviewer", Role.QA_REVIEWER),
        (Role.SUPERVISOR, "team_lead", Role.AGENT),  # the position decides, as on import
        (Role.QA_REVIEWER, "", Role.AGENT),
        (Role.ADMIN, "first_line", Role.ADMIN),  # never locks the admin out
        (Role.ADMIN, "", Role.ADMIN),
    ],
)
def test_agent_position_set_sets_the_access_level_as_the_import_does(
    admin_user: User, before: Role, position: str, after: Role
) -> None:
    user = UserFactory(username="lee", role=before)
    services.agent_position_set(user=user, position=position, by=admin_user)
    user.refresh_from_db()
    assert (user.position, user.role) == (position, after)


def test_agent_position_set_never_makes_an_admin(admin_user: User, agent: User) -> None:
    services.agent_position_set(user=agent, position="admin", by=admin_user)
    agent.refresh_from_db()
    assert (agent.position, agent.role, agent.can_configure) == ("admin", Role.AGENT, False)


def test_agent_position_set_is_for_admins_only(supervisor: User, agent: User) -> None:
    with pytest.raises(PermissionDenied):
        services.agent_position_set(user=agent, position="first_line", by=supervisor)
    agent.refresh_from_db()
    assert agent.position == ""


@pytest.mark.parametrize("position", ["y" * 65, " ", None])
def test_agent_position_set_rejects_invalid_positions(
    admin_user: User, agent: User, position: object
) -> None:
    with pytest.raises(ValidationError) as info:
        services.agent_position_set(user=agent, position=position, by=admin_user)  # type: ignore[arg-type]
    assert info.value.field == "position"


def test_superuser_keeps_admin_access_whatever_the_position(admin_user: User) -> None:
    root = UserFactory(username="root", role=Role.AGENT, is_superuser=True)
    services.agent_position_set(user=root, position="first_line", by=admin_user)
    root.refresh_from_db()
    assert (root.role, root.is_superuser, root.can_configure) == (Role.AGENT, True, True)


def test_passwords_use_argon2() -> None:
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    from afterdesk import settings as real_settings

    with override_settings(PASSWORD_HASHERS=real_settings.PASSWORD_HASHERS):
        assert make_password("secret-pass-123").startswith("argon2")
