"""The rule form (docs/automations.md, "Pages and API"): conditions and actions as rows, each
refused row saying why beside itself with the API's own message, rows added and removed with
htmx (and without JavaScript), a dry run of the rule as typed, and every shipped rule shown
and saved back unchanged."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from afterdesk.accounts.models import User
from afterdesk.automations.conditions import conditions_clean
from afterdesk.automations.defaults import defaults_install
from afterdesk.automations.demo import automations_demo_load
from afterdesk.automations.models import Rule
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


class FormValues(HTMLParser):
    """What a browser would post from the page's rule form (submit buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "password"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.data.append((a["name"], a.get("value", "on" if "checked" in a else "")))
        elif tag == "select":
            self._select, self._first_option, self._selected = a.get("name"), None, False
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.data.append((self._select, value))
                self._selected = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self._selected and not self._multiple and self._first_option is not None:
                self.data.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data


def posted(html: str) -> dict[str, list[str]]:
    start = html.index('id="rule-form"')
    form = html[start : html.index("</form>", start)]
    parser = FormValues()
    parser.feed(form)
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    return data


def row_html(html: str, row_id: str) -> str:
    start = html.index(f'id="{row_id}"')
    return (
        html[start : html.index('class="rule-row', start + 1)]
        if html.count('class="rule-row', start + 1)
        else html[start:]
    )


@pytest.fixture
def admin(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def test_every_shipped_rule_shows_as_rows_and_saves_back_unchanged(
    admin: Client, admin_user: User
) -> None:
    defaults_install(Rule)
    automations_demo_load(admin=admin_user)  # the demo's templates, pool and codes
    rules = list(Rule.objects.exclude(default_key=""))
    assert len(rules) == 3
    for rule in rules:
        page = admin.get(f"/automations/rules/{rule.pk}/").content.decode()
        assert 'class="rule-row action-row' in page
        data = posted(page)
        assert admin.post(f"/automations/rules/{rule.pk}/", data).status_code == 302, page
        again = Rule.objects.get(pk=rule.pk)
        assert (again.trigger, again.conditions, again.actions, again.enabled) == (
            rule.trigger,
            conditions_clean(rule.conditions),  # as the API stores them: lists sorted
            rule.actions,
            rule.enabled,
        )


def test_conditions_and_actions_from_rows(admin: Client) -> None:
    from afterdesk.replies.models import ReplyTemplate

    ReplyTemplate.objects.create(key="closing", name="Closing")
    data = {
        "name": "Pending 72 h without a buyer reply",
        "trigger": "time",
        "enabled": "on",
        "position": "1",
        "max_per_ticket": "1",
        "time_status": "pending",
        "time_hours": "72",
        "time_without_buyer_reply": "on",
        "c-0-field": "channel",
        "c-0-op": "in",
        "c-0-value": ["email", "marketplace"],
        "c-1-field": "order_value",
        "c-1-op": "gte",
        "c-1-value": "100",
        "c-2-field": "customer_tag",
        "c-2-op": "is_not",
        "c-2-value": "vip",
        "c-3-field": "tags",
        "c-3-op": "in",
        "c-3-value": "Late, fragile",
        "a-0-type": "reply",
        "a-0-template": "closing",
        "a-0-status": "solved",
        "a-1-type": "notify",
        "a-1-to": "supervisors, boss@shop.example",
        "a-1-subject": "Closed after 72 h",
        "a-1-body": "",
        "a-2-type": "survey",
        "a-2-delay_hours": "24",
    }
    assert admin.post("/automations/rules/new/", data).status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == {
        "channels": ["email", "marketplace"],
        "order_value_min": "100",
        "vip": False,
        "tags": ["fragile", "late"],
    }
    assert rule.actions == [
        {"type": "reply", "template": "closing", "status": "solved"},
        {
            "type": "notify",
            "to": ["supervisors", "boss@shop.example"],
            "subject": "Closed after 72 h",
            "body": "",
        },
        {"type": "survey", "delay_hours": 24},
    ]
    assert (rule.time_status, rule.time_hours, rule.time_without_buyer_reply) == (
        "pending",
        72,
        True,
    )


def test_each_refused_row_says_why_beside_itself_with_the_api_message(
    admin: Client, api_as: Any, admin_user: User
) -> None:
    data = {
        "name": "Broken",
        "trigger": "ticket_created",
        "position": "0",
        "max_per_ticket": "3",
        "c-0-field": "channel",
        "c-0-op": "in",
        "c-0-value": "email",
        "c-1-field": "order_value",
        "c-1-op": "gte",
        "c-1-value": "lots",
        "c-2-field": "risk",
        "c-2-op": "gte",
        "c-2-value": "",
        "a-0-type": "tag",
        "a-0-tags": "ok",
        "a-1-type": "webhook",
        "a-1-url": "ftp://hooks.example.com/x",
        "a-1-secret": "k",
        "a-2-type": "reply",
        "a-2-template": "",
    }
    page = admin.post("/automations/rules/new/", data)
    assert page.status_code == 422
    html = page.content.decode()
    assert "row-error" not in row_html(html, "c-0")
    assert "order_value_min must be a number" in row_html(html, "c-1")
    assert "Give a value, or remove the row." in row_html(html, "c-2")
    assert "form-errors" not in row_html(html, "a-0")
    assert "the webhook URL must be an http:// or https:// URL" in row_html(html, "a-1")
    assert "a reply action needs template" in row_html(html, "a-2")
    assert 'value="lots"' in html  # what was typed stays
    assert not Rule.objects.exists()
    # The API refuses the same webhook with the same words: one check for both.
    answer = api_as(admin_user).post(
        "/api/automations/rules",
        {
            "name": "Broken",
            "trigger": "ticket_created",
            "actions": [{"type": "webhook", "url": "ftp://hooks.example.com/x", "secret": "k"}],
        },
    )
    assert answer.status_code == 422, answer.json()
    assert answer.json()["message"] == "the webhook URL must be an http:// or https:// URL"


def test_a_webhook_keeps_its_secret_when_the_rows_move(admin: Client, make_rule: MakeRule) -> None:
    rule = make_rule(
        "ticket_created",
        [
            {"type": "tag", "tags": ["x"]},
            {"type": "webhook", "url": "https://hooks.example.com/x", "secret": "k"},
        ],
        name="Hook",
    )
    token = rule.actions[1]["secret_token"]
    page = admin.get(f"/automations/rules/{rule.pk}/").content.decode()
    assert token not in page
    data = posted(page)
    for name in [n for n in data if n.startswith("a-0-")]:
        del data[name]  # the tag row removed: the webhook is now the first action
    assert admin.post(f"/automations/rules/{rule.pk}/", data).status_code == 302
    rule.refresh_from_db()
    assert rule.actions == [
        {"type": "webhook", "url": "https://hooks.example.com/x", "secret_token": token}
    ]


def test_rows_are_added_changed_and_removed_with_htmx(
    admin: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from tests.factories import StoreFactory

    StoreFactory(name="Berlin shop")
    admin.get("/automations/rules/new/")
    with django_assert_num_queries(3):  # session, user, the stores (the field's choices)
        row = admin.get(
            "/automations/rules/condition-row/", {"index": "ab12", "c-ab12-field": "store"}, **HX
        )
    html = row.content.decode()
    assert 'id="c-ab12"' in html
    assert 'name="c-ab12-value" multiple' in html
    money = admin.get(
        "/automations/rules/condition-row/", {"index": "ab12", "c-ab12-field": "order_value"}, **HX
    )
    assert "at least" in money.content.decode()
    assert "at most" in money.content.decode()
    new = admin.get("/automations/rules/condition-row/", **HX).content.decode()
    assert re.search(r'id="c-[0-9a-f]{8}"', new)
    with django_assert_num_queries(3):  # session, user, the reply templates
        action = admin.get(
            "/automations/rules/action-row/", {"index": "x1", "a-x1-type": "reply"}, **HX
        )
    assert 'name="a-x1-template"' in action.content.decode()
    removed = admin.get("/automations/rules/action-row/", {"remove": "1"}, **HX)
    assert removed.status_code == 200
    assert removed.content == b""
    # Without JavaScript the same buttons post the form and get it back with the change.
    data = {"name": "R", "trigger": "ticket_created", "a-0-type": "tag", "a-0-tags": "x"}
    more = admin.post("/automations/rules/new/", {**data, "do": "add-condition"}).content.decode()
    assert more.count('class="rule-row condition-row') == 1
    fewer = admin.post("/automations/rules/new/", {**data, "do": "remove-0"}).content.decode()
    assert 'class="rule-row action-row' not in fewer
    assert not Rule.objects.exists()


def test_the_dry_run_of_the_rule_as_typed(
    admin: Client,
    make_ticket: MakeTicket,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    make_ticket(subject="Paquete perdido", language="es")
    make_ticket(subject="Lost parcel", language="en")
    data = {
        "name": "Spanish",
        "trigger": "ticket_created",
        "position": "0",
        "max_per_ticket": "3",
        "c-0-field": "language",
        "c-0-op": "in",
        "c-0-value": "es",
        "a-0-type": "tag",
        "a-0-tags": "es",
    }
    admin.post("/automations/rules/preview/", data, **HX)
    # session, user, the count, the tickets
    with django_assert_num_queries(4):
        dry = admin.post("/automations/rules/preview/", data, **HX)
    html = dry.content.decode()
    assert "1 ticket would be touched now" in html
    assert "Paquete perdido" in html
    assert "Lost parcel" not in html
    assert html.count('class="dry-run-ticket"') == 1
    bad = admin.post("/automations/rules/preview/", {**data, "a-0-tags": ""}, **HX)
    assert "fix them first" in bad.content.decode()
    page = admin.post("/automations/rules/new/", {**data, "do": "dry-run"}).content.decode()
    assert "Paquete perdido" in page
    assert 'value="Spanish"' in page
    assert not Rule.objects.exists()  # nothing saved


def test_the_form_page_has_pinned_queries(
    admin: Client, make_rule: MakeRule, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    rule = make_rule(
        "ticket_created",
        [
            {"type": "assign", "team": "", "agent": "", "unassign": True},
            {"type": "tag", "tags": ["a"]},
        ],
        conditions={"stores": [], "priorities": ["high"]},
        name="Pinned",
    )
    admin.get(f"/automations/rules/{rule.pk}/")
    # session, user, the rule, the send-as agents, the assign row's agents and teams
    with django_assert_num_queries(6):
        page = admin.get(f"/automations/rules/{rule.pk}/")
    assert page.status_code == 200


def test_the_form_is_for_admins(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)
    assert client.get("/automations/rules/condition-row/", **HX).status_code == 403
    assert client.get("/automations/rules/action-row/", **HX).status_code == 403
    assert client.post("/automations/rules/preview/", {}, **HX).status_code == 403


def test_the_form_in_chinese(admin: Client) -> None:
    page = admin.get("/automations/rules/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "添加条件" in page
    assert "添加动作" in page
    row = admin.get(
        "/automations/rules/condition-row/",
        {"index": "z1", "c-z1-field": "order_value"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **HX,
    ).content.decode()
    assert "至少" in row
