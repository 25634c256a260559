"""The SLA pages share one header (docs/sla.md, "The report pages"): a <title> naming the page, one
<h1>, and the SLA navigation (policies, report, pending-abuse audit) with the current page
marked, as the Performance and Training pages have theirs."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.sla.models import Policy

pytestmark = pytest.mark.django_db
TABS = ["/sla/policies/", "/sla/report/", "/sla/pending-abuse/"]


def header(html: str) -> tuple[str, list[str], list[tuple[str, bool]]]:
    """The page's title, its <h1>s' text, and the SLA navigation's links (current or not)."""
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    h1s = [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    ]
    nav = re.search(r'<nav class="perf-tabs" aria-label="SLA">(.*?)</nav>', html, re.S)
    assert nav is not None, "the SLA navigation is missing"
    links = [
        (href, "aria-current" in attrs)
        for href, attrs in re.findall(r'<a href="([^"]+)"([^>]*)>', nav.group(1))
    ]
    return title.group(1).strip(), h1s, links


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/sla/policies/", "SLA policies"),
        ("/sla/report/", "SLA report"),
        ("/sla/pending-abuse/", "Pending abuse audit"),
        ("/sla/policies/new/", "New policy"),
    ],
)
def test_every_sla_page_has_the_same_header(
    client: Client, admin_user: User, url: str, heading: str
) -> None:
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    title, h1s, links = header(response.content.decode())
    assert h1s == [heading]
    assert title.startswith(f"{heading} · ")
    assert title.endswith("Afterdesk")
    assert [href for href, _current in links] == TABS
    current = [href for href, is_current in links if is_current]
    assert current == [url if url in TABS else "/sla/policies/"]


def test_a_policy_page_names_the_policy_in_its_title_and_heading(
    client: Client, admin_user: User
) -> None:
    policy = Policy.objects.create(name="Amazon 24 h", position=1, targets={})
    client.force_login(admin_user)
    title, h1s, links = header(client.get(f"/sla/policies/{policy.pk}/").content.decode())
    assert h1s == ["Amazon 24 h"]
    assert title == "Amazon 24 h · SLA policies · Afterdesk"
    assert [href for href, current in links if current] == ["/sla/policies/"]
