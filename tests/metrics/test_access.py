"""The one access rule of the performance figures (`metrics.access`), as a role × object
matrix, then the same matrix through both surfaces: the pages answer a refusal with 403 and
an unknown agent with 404, the API with 403 and 422 (docs/api.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.metrics.access import (
    access_agent,
    access_for,
    access_require,
    access_rows,
)
from afterdesk.metrics.services import metrics_settings_update

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "agent", "other_agent", "qa_reviewer", "supervisor", "admin_user"]
# Another agent's figures: bo's for anna, anna's for everyone else.
OBJECTS = [
    "own figures",
    "other agent's figures",
    "unknown agent's figures",
    "every agent (manage)",
    "leaderboard, public off",
    "leaderboard, public on",
    "configure",
]
OK, DENIED, UNKNOWN = "ok", "denied", "unknown"
# What each role gets, in the order of OBJECTS.
# fmt: off
MATRIX = {
    "anonymous":   [DENIED, DENIED, DENIED,  DENIED, DENIED, DENIED, DENIED],
    "agent":       [OK,     DENIED, DENIED,  DENIED, DENIED, OK,     DENIED],
    "other_agent": [OK,     DENIED, DENIED,  DENIED, DENIED, OK,     DENIED],
    "qa_reviewer": [OK,     DENIED, DENIED,  DENIED, DENIED, OK,     DENIED],
    "supervisor":  [OK,     OK,     UNKNOWN, OK,     OK,     OK,     DENIED],
    "admin_user":  [OK,     OK,     UNKNOWN, OK,     OK,     OK,     OK],
}
# fmt: on
CASES = [
    pytest.param(role, thing, MATRIX[role][i], id=f"{role}-{thing}")
    for role in ROLES
    for i, thing in enumerate(OBJECTS)
]


def _viewer(request: pytest.FixtureRequest, role: str) -> User | AnonymousUser:
    request.getfixturevalue("agent")  # anna and bo exist for everyone
    request.getfixturevalue("other_agent")
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def _own(viewer: object) -> str:
    return getattr(viewer, "username", "") or "anna"


def _other(viewer: object) -> str:
    return "bo" if _own(viewer) == "anna" else "anna"


def _outcome(viewer: object, thing: str) -> str:
    """The rule's answer for `viewer` asking for `thing`."""
    try:
        if thing == "own figures":
            assert access_agent(access_for(viewer), _own(viewer)) == viewer
        elif thing == "other agent's figures":
            assert access_agent(access_for(viewer), _other(viewer)).username == _other(viewer)
        elif thing == "unknown agent's figures":
            access_agent(access_for(viewer), "ghost")
        elif thing == "every agent (manage)":
            access_require(viewer, "manage")
        elif thing.startswith("leaderboard"):
            metrics_settings_update(public_leaderboard=thing.endswith("on"))
            access_require(viewer, "leaderboard")
        else:
            access_require(viewer, "configure")
    except PermissionDenied as error:
        return DENIED if error.message else "denied without a reason"
    except NotFound as error:
        return UNKNOWN if error.field == "agent" else "not found, no field"
    return OK


@pytest.mark.parametrize(("role", "thing", "expected"), CASES)
def test_the_rule(request: pytest.FixtureRequest, role: str, thing: str, expected: str) -> None:
    assert _outcome(_viewer(request, role), thing) == expected


def test_another_agents_figures_are_refused_before_the_lookup(
    agent: User, django_assert_num_queries: Any
) -> None:
    access = access_for(agent)
    with django_assert_num_queries(0), pytest.raises(PermissionDenied):
        access_agent(access, "ghost")  # no query: agents cannot probe usernames


def test_no_username_is_oneself(agent: User, supervisor: User) -> None:
    assert access_agent(access_for(agent), None) == agent
    assert access_agent(access_for(supervisor), None) == supervisor


ANNA = {"agent": "anna", "total": 90, "rank": 1, "kpis": {"csat_rate": 1}}
BO = {"agent": "bo", "total": 80, "rank": 2, "kpis": {"csat_rate": 0.5}}
ANNA_RANK = {"agent": "anna", "total": 90, "rank": 1}
BO_RANK = {"agent": "bo", "total": 80, "rank": 2}


@pytest.mark.parametrize(
    ("role", "public", "expected"),
    [
        ("agent", False, [ANNA]),
        ("agent", True, [ANNA, BO_RANK]),
        ("qa_reviewer", False, []),
        ("qa_reviewer", True, [ANNA_RANK, BO_RANK]),
        ("supervisor", False, [ANNA, BO]),
        ("admin_user", True, [ANNA, BO]),
    ],
)
def test_scorecard_rows(
    request: pytest.FixtureRequest, role: str, public: bool, expected: list[dict[str, Any]]
) -> None:
    """Managers: every row whole; anyone else: their own row whole and, while the leaderboard
    is public, the others' agent, total and rank only."""
    metrics_settings_update(public_leaderboard=public)
    access = access_for(request.getfixturevalue(role))
    assert access_rows(access, [ANNA, BO]) == expected


# --------------------------------------------------------------------- both surfaces

# Each object: the page and the API call that ask for it.
# ("{own}"/"{other}": the viewer's username, another agent's).
PAGE_CALLS: dict[str, str] = {
    "own figures": "/performance/agents/{own}/",
    "other agent's figures": "/performance/agents/{other}/",
    "unknown agent's figures": "/performance/agents/ghost/",
    "every agent (manage)": reverse("metrics:segments"),
    "leaderboard, public off": reverse("metrics:leaderboard"),
    "leaderboard, public on": reverse("metrics:leaderboard"),
    "configure": reverse("metrics:settings"),
}
PERIOD = {"period": "week", "date": "2026-10-01"}
API_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "own figures": ("get", "/api/kpis", {**PERIOD, "agent": "{own}"}),
    "other agent's figures": ("get", "/api/kpis", {**PERIOD, "agent": "{other}"}),
    "unknown agent's figures": ("get", "/api/kpis", {**PERIOD, "agent": "ghost"}),
    "every agent (manage)": ("get", "/api/segments", {**PERIOD, "dimension": "language"}),
    "leaderboard, public off": ("get", "/api/leaderboards/agents", PERIOD),
    "leaderboard, public on": ("get", "/api/leaderboards/agents", PERIOD),
    "configure": ("put", "/api/metrics-settings", {"public_leaderboard": True}),
}
PAGE_STATUS = {OK: 200, DENIED: 403, UNKNOWN: 404}
API_STATUS = {OK: 200, DENIED: 403, UNKNOWN: 422}


@pytest.mark.parametrize(("role", "thing", "expected"), CASES)
def test_both_surfaces_follow_the_rule(
    request: pytest.FixtureRequest, role: str, thing: str, expected: str
) -> None:
    viewer = _viewer(request, role)
    names = {"own": _own(viewer), "other": _other(viewer)}
    public = thing == "leaderboard, public on"
    api = Client()
    if isinstance(viewer, User):
        _token, raw = api_token_create(user=viewer, name="tests")
        api = Client(headers={"Authorization": f"Bearer {raw}"})
        page = Client()
        page.force_login(viewer)
    url = PAGE_CALLS[thing].format(**names)
    method, path, data = API_CALLS[thing]
    data = {key: str(value).format(**names) for key, value in data.items()}
    metrics_settings_update(public_leaderboard=public)
    if role == "anonymous":  # signed out: the login page, the API 401 (before the rule)
        assert Client().get(url).status_code == 302
        assert api.get(path, data).status_code == 401
        return
    assert page.get(url).status_code == PAGE_STATUS[expected]
    if method == "get":
        response = api.get(path, data)
    else:
        response = api.put(path, {"public_leaderboard": public}, content_type="application/json")
    assert response.status_code == API_STATUS[expected], response.content
    if expected == UNKNOWN:
        assert response.json()["field"] == "agent"
