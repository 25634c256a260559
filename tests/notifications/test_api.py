"""The notifications API: one's own notifications, marking read, email choices."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from afterdesk.accounts.models import User
from afterdesk.notifications import services
from afterdesk.notifications.models import Notification, NotificationKind
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]
NumQueries = Callable[[int], AbstractContextManager[object]]


@pytest.mark.parametrize("n", [3, 30])
def test_list_is_ones_own_newest_first_with_pinned_queries(
    api_as: ApiAs,
    agent: User,
    other_agent: User,
    supervisor: User,
    django_assert_num_queries: NumQueries,
    n: int,
) -> None:
    for i in range(n):
        services.notify(
            users=[agent],
            kind=NotificationKind.MENTION,
            title=f"T{i}",
            ticket_id=i + 1,
            actor=supervisor,
        )
    services.notify(users=[other_agent], kind=NotificationKind.MENTION, title="not yours")
    api = api_as(agent)
    # token + user, the rows with their actors, the count, the unread count, last-used stamp
    with django_assert_num_queries(5):
        response = api.get("/api/notifications", limit=200)
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == n
    assert body["unread"] == n
    first = body["items"][0]
    assert first["title"] == f"T{n - 1}"
    assert first["actor"] == "sam"
    assert first["ticket"] == n
    assert first["kind"] == "mention"


def test_mark_read_one_and_all(api_as: ApiAs, agent: User, other_agent: User) -> None:
    services.notify(users=[agent], kind=NotificationKind.MENTION, title="A")
    services.notify(users=[agent], kind=NotificationKind.MENTION, title="B")
    services.notify(users=[other_agent], kind=NotificationKind.MENTION, title="C")
    mine = Notification.objects.filter(recipient=agent).first()
    theirs = Notification.objects.get(recipient=other_agent)
    assert mine is not None
    api = api_as(agent)
    response = api.post(f"/api/notifications/{mine.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api.post(f"/api/notifications/{theirs.pk}/read").status_code == 404
    assert api.post("/api/notifications/0/read").status_code == 422
    assert api.post("/api/notifications/read-all").json() == {"marked": 1}
    assert api.get("/api/notifications", unread="true").json()["count"] == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_preferences(api_as: ApiAs, agent: User) -> None:
    api = api_as(agent)
    assert all(api.get("/api/notifications/preferences").json()["email"].values())
    response = api.client.put(
        "/api/notifications/preferences",
        {"email_kinds": ["sla_breach"]},
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 200
    chosen = response.json()["email"]
    assert chosen["sla_breach"] is True
    assert chosen["mention"] is False
    bad = api.client.put(
        "/api/notifications/preferences",
        {"email_kinds": ["party"]},
        content_type="application/json",
        headers=api.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["message"]


def test_anonymous_is_401(api_as: ApiAs) -> None:
    assert api_as(None).get("/api/notifications").status_code == 401
