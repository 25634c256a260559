"""The bell, the notifications page, marking read and the email choices page: each person's
own rows only, query counts pinned."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.notifications import services
from afterdesk.notifications.models import Notification, NotificationKind, Preference
from afterdesk.notifications.selectors import BELL_CAP

pytestmark = pytest.mark.django_db
NumQueries = Callable[[int], AbstractContextManager[object]]
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def some(user: User, n: int, **fields: str) -> None:
    for i in range(n):
        services.notify(users=[user], kind=NotificationKind.MENTION, title=f"Note {i}", **fields)


@pytest.mark.parametrize("n", [0, 3, BELL_CAP + 5])
def test_bell_counts_unread_in_one_query(
    agent: User, other_agent: User, django_assert_num_queries: NumQueries, n: int
) -> None:
    some(agent, n)
    some(other_agent, 2)
    client = signed_in(agent)
    with django_assert_num_queries(3):  # session, user, the count
        response = client.get(reverse("notifications:bell"), **HTMX)
    html = response.content.decode()
    assert 'id="notification-bell"' in html
    assert "every 60s" in html
    if n == 0:
        assert "bell-count" not in html
    elif n > BELL_CAP:
        assert f">{BELL_CAP}+<" in html
    else:
        assert ">3<" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_every_page_loads_the_bell_without_a_query(agent: User) -> None:
    html = signed_in(agent).get(reverse("tickets:inbox")).content.decode()
    assert f'hx-get="{reverse("notifications:bell")}"' in html


@pytest.mark.parametrize("n", [3, 30])
def test_list_page_query_count_does_not_grow(
    agent: User, supervisor: User, django_assert_num_queries: NumQueries, n: int
) -> None:
    for i in range(n):
        services.notify(
            users=[agent],
            kind=NotificationKind.ESCALATION,
            title=f"T{i}",
            url="/tickets/1/",
            actor=supervisor,
        )
    client = signed_in(agent)
    # session, user, the page's count, the rows with their actors, the unread count
    with django_assert_num_queries(5):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="notification notification-unread"') == n
    assert "<h1>Notifications</h1>" in response.content.decode()


def test_mark_read_swaps_the_row_and_tells_the_bell(agent: User) -> None:
    some(agent, 1)
    row = Notification.objects.get()
    response = signed_in(agent).post(reverse("notifications:read", args=[row.pk]), **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert "notification-unread" not in response.content.decode()
    assert Notification.objects.get().read_at is not None


def test_another_persons_notification_is_a_404(agent: User, other_agent: User) -> None:
    some(other_agent, 1)
    row = Notification.objects.get()
    client = signed_in(agent)
    assert client.post(reverse("notifications:read", args=[row.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 404
    assert Notification.objects.get().read_at is None


def test_open_marks_read_and_follows_the_link(agent: User) -> None:
    some(agent, 1, url="/tickets/7/")
    row = Notification.objects.get()
    response = signed_in(agent).get(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/tickets/7/"
    assert Notification.objects.get().read_at is not None


def test_mark_all_read(agent: User, other_agent: User) -> None:
    some(agent, 3)
    some(other_agent, 1)
    response = signed_in(agent).post(reverse("notifications:read_all"), follow=True)
    assert "3 marked read." in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the other's


def test_unread_filter(agent: User) -> None:
    some(agent, 2)
    services.notifications_mark_all_read(user=agent)
    some(agent, 1)
    html = signed_in(agent).get(reverse("notifications:list") + "?unread=1").content.decode()
    assert html.count('class="notification ') == 1


def test_settings_page_saves_the_choices(agent: User) -> None:
    client = signed_in(agent)
    page = client.get(reverse("notifications:settings"))
    assert page.content.decode().count("checked") == len(NotificationKind.values)  # all on at first
    response = client.post(reverse("notifications:settings"), {"email_kinds": ["escalation"]})
    assert response.status_code == 302
    off = set(Preference.objects.filter(user=agent, email=False).values_list("kind", flat=True))
    assert off == set(NotificationKind.values) - {"escalation"}
    bad = client.post(reverse("notifications:settings"), {"email_kinds": ["party"]})
    assert bad.status_code == 422
    assert "form-errors" in bad.content.decode()


def test_signed_out_goes_to_sign_in() -> None:
    response = Client().get(reverse("notifications:bell"))
    assert response.status_code == 302


def test_pages_render_in_simplified_chinese(agent: User) -> None:
    some(agent, 2)
    client = signed_in(agent)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("notifications:list")).content.decode()
    assert "<h1>通知</h1>" in page
    assert "2 条未读" in page
    assert "全部标记为已读" in page
    assert "在备注中提到了你" in page  # the kind's label
    bell = client.get(reverse("notifications:bell"), **HTMX).content.decode()
    assert "2 条未读通知" in bell
    settings_page = client.get(reverse("notifications:settings")).content.decode()
    assert "以下通知也发送邮件给我" in settings_page
