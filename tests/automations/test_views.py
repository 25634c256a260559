"""The Automations pages: the same access rule as the API; a refused form keeps what was typed
and says why; enable, dry run and firing log; the pages in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.automations.models import Rule
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db


def test_access(
    client: Client, admin_user: User, supervisor: User, agent: User, make_rule: MakeRule
) -> None:
    rule = make_rule("ticket_created", [{"type": "tag", "tags": ["x"]}], name="Tag all")
    client.force_login(agent)
    assert client.get("/automations/").status_code == 403
    assert client.get(f"/automations/rules/{rule.pk}/dry-run/").status_code == 403
    client.force_login(supervisor)
    page = client.get("/automations/")
    assert page.status_code == 200
    assert "Tag all" in page.content.decode()
    assert client.get("/automations/rules/new/").status_code == 403
    assert client.post(f"/automations/rules/{rule.pk}/enable/", {"enabled": "0"}).status_code == 403
    assert client.get("/automations/rules/999/dry-run/").status_code == 404


def test_the_form_creates_refuses_and_enables(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    data = {
        "name": "Pending 72 h",
        "trigger": "time",
        "enabled": "on",
        "position": 0,
        "c-0-field": "market",
        "c-0-op": "in",
        "c-0-value": "DE",
        "a-0-type": "set",
        "a-0-status": "solved",
        "time_status": "pending",
        "time_hours": 72,
        "time_without_buyer_reply": "on",
        "max_per_ticket": 1,
    }
    refused = client.post("/automations/rules/new/", {**data, "a-0-status": "moon"})
    assert refused.status_code == 422
    assert "unknown status &#x27;moon&#x27;" in refused.content.decode()
    refused = client.post("/automations/rules/new/", {**data, "time_hours": ""})
    assert refused.status_code == 422
    assert "Pending 72 h" in refused.content.decode()  # what was typed stays
    assert client.post("/automations/rules/new/", data).status_code == 302
    rule = Rule.objects.get()
    assert (rule.time_status, rule.time_hours, rule.conditions) == (
        "pending",
        72,
        {"markets": ["DE"]},
    )
    assert client.get(f"/automations/rules/{rule.pk}/").status_code == 200
    client.post(f"/automations/rules/{rule.pk}/enable/", {"enabled": "0"})
    assert Rule.objects.get().enabled is False


def test_dry_run_and_firing_log_pages(
    client: Client,
    supervisor: User,
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rule = make_rule("ticket_created", [{"type": "tag", "tags": ["seen"]}], name="Seen")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(subject="Broken zipper")
    client.force_login(supervisor)
    dry = client.get(f"/automations/rules/{rule.pk}/dry-run/").content.decode()
    assert "Broken zipper" in dry
    assert "1 ticket would be touched now" in dry
    log = client.get(f"/automations/rules/{rule.pk}/firings/").content.decode()
    assert f"#{ticket.pk}" in log
    assert "tagged seen" in log
    # What it did is kept in English and shown in the reader's language.
    chinese = client.get(
        f"/automations/rules/{rule.pk}/firings/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "添加标签 seen" in chinese
    assert "tagged seen" not in chinese


def test_the_pages_in_chinese(client: Client, supervisor: User, make_rule: MakeRule) -> None:
    make_rule("ticket_created", [{"type": "tag", "tags": ["x"]}])
    client.force_login(supervisor)
    page = client.get("/automations/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "自动化" in page
    assert "试运行" in page


def test_triage_issue_types_are_named_not_coded(
    client: Client, supervisor: User, make_rule: MakeRule
) -> None:
    """A triage issue type ("damaged") is not a ticket category: named on the page all the same."""
    make_rule(
        "ticket_created",
        [{"type": "tag", "tags": ["x"]}],
        conditions={"categories": ["damaged", "wrong_item"]},
    )
    client.force_login(supervisor)
    page = client.get("/automations/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "物品损坏" in page
    assert "damaged" not in page
    assert "Damaged" in client.get("/automations/").content.decode()


def test_a_firing_shows_on_the_ticket_page(
    client: Client,
    supervisor: User,
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_rule("ticket_created", [{"type": "tag", "tags": ["seen"]}], name="Seen")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
    client.force_login(supervisor)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Automation Seen: tagged seen" in page
    chinese = client.get(f"/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "自动化 Seen：添加标签 seen" in chinese
