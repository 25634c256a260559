"""GET /api/alerts and POST /api/alerts/{id}/acknowledge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.alerts.models import Alert, AlertKind, Severity
from tests.api.conftest import ApiClient

from .conftest import NOW, make_alert

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]


@pytest.fixture
def alerts(agent: User, team: Team) -> list[Alert]:
    return [
        make_alert(agent=agent, message="anna complaints", figures={"value": 0.5, "n": 4}),
        make_alert(kind=AlertKind.SLA_DROP, team=team, severity=Severity.CRITICAL),
        make_alert(message="seen", acknowledged_at=NOW),
    ]


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_list_filters(
    who: str, request: pytest.FixtureRequest, api_as: ApiAs, alerts: list[Alert]
) -> None:
    api = api_as(request.getfixturevalue(who))
    body = api.get("/api/alerts").json()
    assert body["count"] == 3
    assert body["items"][0]["id"] == alerts[2].pk  # newest first (same time: higher id)
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[alerts[0].pk] == {
        "id": alerts[0].pk,
        "kind": "complaint_rate_jump",
        "severity": "warning",
        "message": "anna complaints",
        "figures": {"value": 0.5, "n": 4},
        "ticket": None,
        "agent": "anna",
        "team": None,
        "period_start": None,
        "period_end": None,
        "created_at": "2026-10-14T12:00:00Z",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "notified_at": None,
    }
    assert by_id[alerts[1].pk]["team"] == "EU"
    sla = api.get("/api/alerts", kind="sla_drop").json()
    assert [i["id"] for i in sla["items"]] == [alerts[1].pk]
    open_only = api.get("/api/alerts", acknowledged="false").json()
    assert {i["id"] for i in open_only["items"]} == {alerts[0].pk, alerts[1].pk}
    seen = api.get("/api/alerts", acknowledged="true").json()
    assert [i["id"] for i in seen["items"]] == [alerts[2].pk]
    page = api.get("/api/alerts", limit=1, offset=1).json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (3, 1, 1, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "nope"}, "kind"),
        ({"acknowledged": "maybe"}, "acknowledged"),
        ({"limit": 0}, "limit"),
    ],
)
def test_list_invalid_filter_is_422(
    api_as: ApiAs, supervisor: User, params: dict[str, object], field: str
) -> None:
    response = api_as(supervisor).get("/api/alerts", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.usefixtures("alerts")
@pytest.mark.parametrize(("who", "status"), [(None, 401), ("agent", 403), ("qa_reviewer", 403)])
def test_list_permissions(
    who: str | None, status: int, request: pytest.FixtureRequest, api_as: ApiAs
) -> None:
    user = request.getfixturevalue(who) if who else None
    assert api_as(user).get("/api/alerts").status_code == status


def test_acknowledge(
    api_as: ApiAs, supervisor: User, admin_user: User, alerts: list[Alert]
) -> None:
    response = api_as(supervisor).post(f"/api/alerts/{alerts[0].pk}/acknowledge")
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_by"] == "sam"
    assert body["acknowledged_at"] is not None
    again = api_as(admin_user).post(f"/api/alerts/{alerts[0].pk}/acknowledge").json()
    assert (again["acknowledged_by"], again["acknowledged_at"]) == ("sam", body["acknowledged_at"])


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/api/alerts/{id}/acknowledge", 401),
        ("agent", "/api/alerts/{id}/acknowledge", 403),
        ("supervisor", "/api/alerts/987654/acknowledge", 404),
        ("supervisor", "/api/alerts/0/acknowledge", 422),
    ],
)
def test_acknowledge_errors(
    who: str | None,
    path: str,
    status: int,
    request: pytest.FixtureRequest,
    api_as: ApiAs,
    alerts: list[Alert],
) -> None:
    user = request.getfixturevalue(who) if who else None
    response = api_as(user).post(path.format(id=alerts[0].pk))
    assert response.status_code == status
    alerts[0].refresh_from_db()
    assert alerts[0].acknowledged_at is None


def test_list_escalation_alerts(api_as: ApiAs, supervisor: User, team: Team) -> None:
    figures = {"kpi": "escalation_rate", "value": 0.5, "escalations": 2, "handled": 4}
    alert = make_alert(
        kind=AlertKind.TEAM_ESCALATION_RATE_HIGH, team=team, figures=figures, message="EU"
    )
    make_alert(kind=AlertKind.ESCALATION_RATE_HIGH, message="anna")
    body = api_as(supervisor).get("/api/alerts", kind="team_escalation_rate_high").json()
    assert [(i["id"], i["kind"], i["team"], i["figures"]) for i in body["items"]] == [
        (alert.pk, "team_escalation_rate_high", "EU", figures)
    ]
