"""Scorecard templates through the API: list, detail, versions, save (admins), export."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.accounts.models import User
from afterdesk.metrics.models import ScorecardTemplate, ScorecardTemplateVersion
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from tests.metrics.api.conftest import OCTOBER, ApiAs

pytestmark = pytest.mark.django_db


def team_lead_template() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["id"], data["name"] = "team_lead", "Team lead"
    return data


def test_list_has_presets_with_latest_version(api_as: ApiAs, agent: User) -> None:
    response = api_as(agent).get("/api/scorecard-templates")
    assert response.status_code == 200
    items = {t["key"]: t for t in response.json()}
    assert {"first_line", "second_line", "minor_language", "after_sales_specialist"} <= set(items)
    assert items["first_line"]["is_preset"] is True
    assert items["first_line"]["latest_version"] == 1
    assert items["first_line"]["name"] == "First-line agent"


def test_saving_creates_a_template_then_new_versions(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    api = api_as(admin_user)
    data = team_lead_template()
    response = api.client.post(
        "/api/scorecard-templates?role=supervisor",
        data,
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 201
    assert response.json() == {
        "key": "team_lead",
        "name": "Team lead",
        "version": 1,
        "created": True,
    }

    unchanged = api.post("/api/scorecard-templates", data)
    assert unchanged.status_code == 200
    assert unchanged.json()["version"] == 1
    assert unchanged.json()["created"] is False

    data["categories"][0]["weight"] = 40
    changed = api.post("/api/scorecard-templates", data)
    assert (changed.status_code, changed.json()["version"]) == (201, 2)

    detail = api_as(agent).get("/api/scorecard-templates/team_lead").json()
    assert detail["role"] == "supervisor"
    assert detail["is_preset"] is False
    assert detail["latest_version"] == 2
    assert detail["definition"]["categories"][0]["weight"] == 40
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["created_by"] == "ada"

    first = api_as(agent).get("/api/scorecard-templates/team_lead/versions/1").json()
    assert first["number"] == 1
    assert first["definition"]["categories"][0]["weight"] == 35
    assert first["key"] == "team_lead"

    # A scorecard uses the latest version and says so.
    scorecard = api.get("/api/scorecards", template="team_lead", **OCTOBER).json()
    assert scorecard["template"] == {"key": "team_lead", "name": "Team lead", "version": 2}


def test_saving_a_preset_key_adds_a_version(api_as: ApiAs, admin_user: User) -> None:
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["min_samples"] = 3
    response = api_as(admin_user).post("/api/scorecard-templates", data)
    assert (response.status_code, response.json()["version"]) == (201, 2)
    assert ScorecardTemplate.objects.get(key="first_line").is_preset is True


def _broken(path: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = team_lead_template()
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("categories.0.weight", -3, "categories[0].weight"),
        ("categories.1.kpis.0.kpi", "speed", "categories[1].kpis[0].kpi"),
        ("categories.1.kpis.0.target", KeyError, "categories[1].kpis[0].target"),
        ("categories.2.kpis.0.weight", "heavy", "categories[2].kpis[0].weight"),
        ("categories.1.name", "efficiency", "categories[1].name"),
        ("min_samples", 0, "min_samples"),
        ("default_category_target", KeyError, "default_category_target"),
        ("first_reply_target.asap", 10, "first_reply_target.asap"),
        ("category_weights.dispute", 0, "category_weights.dispute"),
        ("id", "", "id"),
        ("id", "team lead/1", "id"),
        ("name", "x" * 151, "name"),
        ("name", "bad\x00name", "name"),
        ("categories.0.name", "eff\x00", "categories[0].name"),
        ("categories", [], "categories"),
    ],
)
def test_invalid_templates_are_422_naming_the_field(
    api_as: ApiAs, admin_user: User, path: str, value: Any, field: str
) -> None:
    response = api_as(admin_user).post("/api/scorecard-templates", _broken(path, value))
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not ScorecardTemplate.objects.filter(key="team_lead").exists()


def test_a_body_that_is_not_an_object_is_rejected(api_as: ApiAs, admin_user: User) -> None:
    api = api_as(admin_user)
    response = api.client.post(
        "/api/scorecard-templates", "[1, 2]", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 422
    response = api.client.post(
        "/api/scorecard-templates",
        "{not json",
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["agent", "qa_reviewer", "supervisor"])
def test_only_admins_save_templates(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str
) -> None:
    api = api_as(request.getfixturevalue(role))
    response = api.post("/api/scorecard-templates", team_lead_template())
    assert response.status_code == 403
    assert not ScorecardTemplate.objects.filter(key="team_lead").exists()


def test_export_is_a_json_download(api_as: ApiAs, admin_user: User, agent: User) -> None:
    api_as(admin_user).post("/api/scorecard-templates", team_lead_template())
    changed = team_lead_template()
    changed["min_samples"] = 2
    api_as(admin_user).post("/api/scorecard-templates", changed)
    api = api_as(agent)
    response = api.get("/api/scorecard-templates/team_lead/export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="team_lead-v2.json"'
    assert json.loads(response.content) == changed
    first = api.get("/api/scorecard-templates/team_lead/export", version=1)
    assert json.loads(first.content) == team_lead_template()
    assert first["Content-Disposition"] == 'attachment; filename="team_lead-v1.json"'


def test_unknown_templates_and_versions_are_404(api_as: ApiAs, agent: User) -> None:
    api = api_as(agent)
    assert api.get("/api/scorecard-templates/nope").status_code == 404
    assert api.get("/api/scorecard-templates/first_line/versions/9").status_code == 404
    assert api.get("/api/scorecard-templates/nope/export").status_code == 404
    assert api.get("/api/scorecard-templates/first_line/export", version=9).status_code == 404
    response = api.get("/api/scorecard-templates/first_line/versions/0")
    assert response.status_code == 422
    assert ScorecardTemplateVersion.objects.filter(template__key="nope").count() == 0


def test_template_list_runs_a_fixed_number_of_queries(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    api = api_as(agent)
    with CaptureQueriesContext(connection) as before:
        api.get("/api/scorecard-templates")
    for index in range(3):
        data = team_lead_template()
        data["id"] = f"extra_{index}"
        api_as(admin_user).post("/api/scorecard-templates", data)
    with CaptureQueriesContext(connection) as after:
        response = api.get("/api/scorecard-templates")
    assert len(response.json()) >= 10
    assert len(after) == len(before)
