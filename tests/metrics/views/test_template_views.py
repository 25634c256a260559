"""Scorecard templates: list, versions, create/edit as JSON, import, export; admins write."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.metrics.models import ScorecardTemplate, ScorecardTemplateVersion
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from tests.metrics.views.conftest import INLINE_SCRIPT, login

pytestmark = pytest.mark.django_db

TEMPLATES = reverse("metrics:templates")
NEW = reverse("metrics:template_new")
IMPORT = reverse("metrics:template_import")


def definition(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="team_b", name="Team B")
    data.update(changes)
    return data


def post_json(client: Client, url: str, data: object) -> Any:
    text = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, {"definition": text})


def test_template_list_marks_presets_for_managers(
    client: Client, supervisor: User, agent: User
) -> None:
    assert login(client, agent).get(TEMPLATES).status_code == 403
    response = login(client, supervisor).get(TEMPLATES)
    html = response.content.decode()
    assert response.status_code == 200
    assert "First-line agent" in html
    assert "preset" in html
    assert NEW not in html  # supervisors read only
    assert not INLINE_SCRIPT.search(html)


@pytest.mark.parametrize("url", [NEW, reverse("metrics:template_edit", args=["first_line"])])
def test_supervisors_cannot_write_templates(client: Client, supervisor: User, url: str) -> None:
    login(client, supervisor)
    assert client.get(url).status_code == 403
    assert post_json(client, url, definition()).status_code == 403
    upload = SimpleUploadedFile("t.json", json.dumps(definition()).encode())
    assert client.post(IMPORT, {"file": upload}).status_code == 403
    assert not ScorecardTemplate.objects.filter(key="team_b").exists()


def test_admin_creates_then_edits_a_template_into_versions(
    client: Client, admin_user: User
) -> None:
    login(client, admin_user)
    assert client.get(NEW).status_code == 200
    created = post_json(client, NEW, definition())
    assert created.status_code == 302
    assert created["Location"] == reverse("metrics:template", args=["team_b"])
    edit = reverse("metrics:template_edit", args=["team_b"])
    assert "&quot;team_b&quot;" in client.get(edit).content.decode()
    assert post_json(client, edit, definition(min_samples=3)).status_code == 302
    assert post_json(client, edit, definition(min_samples=3)).status_code == 302  # unchanged
    versions = ScorecardTemplateVersion.objects.filter(template__key="team_b")
    assert sorted(versions.values_list("number", flat=True)) == [1, 2]
    latest = template_version_latest(key="team_b")
    assert latest.definition["min_samples"] == 3
    assert latest.created_by == admin_user
    detail = client.get(reverse("metrics:template", args=["team_b"]), {"version": "1"})
    html = detail.content.decode()
    assert "v1" in html
    assert "v2" in html
    assert "&quot;min_samples&quot;: 5" in html  # version 1 shown


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "Not valid JSON"),
        ("[1, 2]", "A template must be a JSON object."),
        (definition(categories=[{"name": "x", "weight": -3, "kpis": []}]), "categories[0].weight"),
        (definition(min_samples=0), "min_samples"),
        (definition(id="has space"), "id: id must be letters"),
        (definition(id="new"), "id: id must be letters"),
        ({k: v for k, v in definition().items() if k != "default_category_target"}, "default_"),
    ],
)
def test_invalid_templates_are_422_naming_the_field(
    client: Client, admin_user: User, payload: object, message: str
) -> None:
    response = post_json(login(client, admin_user), NEW, payload)
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ScorecardTemplate.objects.filter(key="team_b").exists()


def test_edit_cannot_change_the_id(client: Client, admin_user: User) -> None:
    login(client, admin_user)
    edit = reverse("metrics:template_edit", args=["first_line"])
    response = post_json(client, edit, definition(id="other"))
    assert response.status_code == 422
    assert "id: id must stay" in response.content.decode()
    assert client.get(reverse("metrics:template_edit", args=["ghost"])).status_code == 404


def test_import_a_template_file(client: Client, admin_user: User) -> None:
    login(client, admin_user)
    upload = SimpleUploadedFile(
        "team_b.json", json.dumps(definition()).encode(), content_type="application/json"
    )
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 302
    assert template_version_latest(key="team_b").number == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{oops", "Not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b" " * (256 * 1024 + 1), "larger than 256 KB"),
        (json.dumps(definition(min_samples=0)).encode(), "min_samples"),
    ],
)
def test_import_errors_are_422(
    client: Client, admin_user: User, content: bytes, message: str
) -> None:
    upload = SimpleUploadedFile("t.json", content)
    response = login(client, admin_user).post(IMPORT, {"file": upload})
    assert response.status_code == 422
    assert message in response.content.decode()


def test_import_without_a_file_is_422(client: Client, admin_user: User) -> None:
    assert login(client, admin_user).post(IMPORT, {}).status_code == 422


def test_export_downloads_a_versions_json(client: Client, supervisor: User, agent: User) -> None:
    url = reverse("metrics:template_export", args=["first_line", 1])
    assert login(client, agent).get(url).status_code == 403
    response = login(client, supervisor).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="first_line-v1.json"'
    assert json.loads(response.content) == template_version_latest(key="first_line").definition
    missing = reverse("metrics:template_export", args=["first_line", 9])
    assert client.get(missing).status_code == 404


def test_template_detail_unknown_is_404(client: Client, supervisor: User) -> None:
    assert (
        login(client, supervisor).get(reverse("metrics:template", args=["ghost"])).status_code
        == 404
    )
