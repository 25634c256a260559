"""The automations API: one access rule (admins write, supervisors read, others 403), bad
input a 422 naming the field, the dry run and the firing log."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.automations.models import Rule
from tests.automations.conftest import MakeTicket

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Tag Spanish",
    "trigger": "ticket_created",
    "conditions": {"languages": ["es"]},
    "actions": [{"type": "tag", "tags": ["es"]}],
}


def test_rules_crud_enable_and_access(
    api_as: Any, admin_user: User, supervisor: User, agent: User
) -> None:
    assert api_as(agent).get("/api/automations/rules").status_code == 403
    assert api_as(supervisor).post("/api/automations/rules", RULE).status_code == 403
    admin = api_as(admin_user)
    created = admin.post("/api/automations/rules", RULE)
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    assert (
        api_as(supervisor).get(f"/api/automations/rules/{rule_id}").json()["name"] == RULE["name"]
    )
    off = admin.post(f"/api/automations/rules/{rule_id}/enable", {"enabled": False})
    assert off.json()["enabled"] is False
    changed = admin.put(f"/api/automations/rules/{rule_id}", {**RULE, "max_per_ticket": 1})
    assert changed.json()["max_per_ticket"] == 1
    assert admin.post("/api/automations/rules", RULE).status_code == 409
    assert admin.delete(f"/api/automations/rules/{rule_id}").status_code == 204
    assert admin.get(f"/api/automations/rules/{rule_id}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trigger": "sometimes"}, "trigger"),
        ({"conditions": {"priorities": ["huge"]}}, "priorities"),
        ({"actions": [{"type": "launch"}]}, "actions"),
        ({"actions": [{"type": "webhook", "url": "ftp://x.example/"}]}, "url"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api_as: Any, admin_user: User, change: dict[str, Any], field: str
) -> None:
    answer = api_as(admin_user).post("/api/automations/rules", {**RULE, **change})
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert not Rule.objects.exists()


def test_a_webhook_secret_is_never_shown(api_as: Any, admin_user: User) -> None:
    hook = {
        **RULE,
        "actions": [{"type": "webhook", "url": "https://hooks.example.com/x", "secret": "k"}],
    }
    body = api_as(admin_user).post("/api/automations/rules", hook).json()
    assert body["actions"] == [
        {"type": "webhook", "url": "https://hooks.example.com/x", "has_secret": True}
    ]
    # Saved again without the secret: the stored one is kept.
    again = api_as(admin_user).put(
        f"/api/automations/rules/{body['id']}",
        {**RULE, "actions": [{"type": "webhook", "url": "https://hooks.example.com/y"}]},
    )
    assert again.json()["actions"][0]["has_secret"] is True


def test_dry_run_and_firing_log(
    api_as: Any,
    admin_user: User,
    supervisor: User,
    make_ticket: MakeTicket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rule_id = api_as(admin_user).post("/api/automations/rules", RULE).json()["id"]
    make_ticket(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        spanish = make_ticket(language="es")
    dry = api_as(supervisor).get(f"/api/automations/rules/{rule_id}/dry-run").json()
    # Fired once already, under its limit of 3: it would still touch it.
    assert dry["total"] == 1
    assert dry["tickets"][0]["ticket_id"] == spanish.pk
    assert dry["tickets"][0]["already"] == 1
    log = api_as(supervisor).get("/api/automations/firings", rule=rule_id).json()
    assert [(f["ticket_id"], f["state"], f["actions"]) for f in log] == [
        (spanish.pk, "done", ["tagged es"])
    ]
    assert api_as(supervisor).get("/api/automations/firings", ticket=spanish.pk).json() == log


def test_coupon_pools(api_as: Any, admin_user: User, supervisor: User) -> None:
    admin = api_as(admin_user)
    pool = admin.post("/api/automations/coupon-pools", {"name": "thanks"}).json()
    added = admin.post(
        f"/api/automations/coupon-pools/{pool['id']}/codes", {"codes": ["A1", "B2", "A1"]}
    )
    assert (added.json()["free"], added.json()["issued"]) == (2, 0)
    bad = admin.post(f"/api/automations/coupon-pools/{pool['id']}/codes", {"codes": ["two words"]})
    assert bad.status_code == 422
    assert api_as(supervisor).get("/api/automations/coupon-pools").json()[0]["free"] == 2
    assert (
        api_as(supervisor).post("/api/automations/coupon-pools", {"name": "x"}).status_code == 403
    )
