"""A scorecard template edited in a form: the fields spell the JSON definition exactly, rows
are added and removed, a refusal lands on its field, the draft is checked and previewed, and
saving stores the same version the JSON editor would."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.services import template_save
from afterdesk.metrics.template_builder import (
    definition_from_fields,
    fields_from_definition,
    form_field_of,
)
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON

from .conftest import HTMX, login, solved_ticket

NEW = "/performance/templates/new/form/"


def _example(**changes: Any) -> dict[str, Any]:
    definition = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    definition.update(id="night_shift", name="Night shift", **changes)
    definition["segment_overrides"] = [
        {"segment": {"shift": "night"}, "kpi": "csat_rate", "target": 0.95, "floor": 0.7}
    ]
    return definition


def test_the_fields_spell_the_definition_exactly() -> None:
    definition = _example()
    assert definition_from_fields(fields_from_definition(definition)) == definition


def test_typed_numbers_keep_their_json_type_and_text_stays_text() -> None:
    fields = fields_from_definition(_example())
    fields.update({"cat-0-weight": " 7 ", "cat-0-kpi-1-target": "0,5", "cat-1-weight": "lots"})
    definition = definition_from_fields(fields)
    assert definition["categories"][0]["weight"] == 7
    assert definition["categories"][0]["kpis"][1]["target"] == 0.5
    assert definition["categories"][1]["weight"] == "lots"  # template_parse names the field


@pytest.mark.parametrize(
    ("parse_field", "form_field"),
    [
        ("categories[1].kpis[0].weight", "cat-1-kpi-0-weight"),
        ("categories[0].kpis[2].kpi", "cat-0-kpi-2-kpi"),
        ("categories[2].weight", "cat-2-weight"),
        ("categories[0].kpis", "cat-0-name"),
        ("first_reply_target.high", "frt-high"),
        ("segment_overrides[0].segment", "ovr-0-key"),
        ("min_samples", "min_samples"),
        ("categories", None),
    ],
)
def test_a_refusal_lands_on_the_field_it_names(parse_field: str, form_field: str | None) -> None:
    assert form_field_of(parse_field) == form_field


@pytest.mark.django_db
def test_an_admin_saves_a_new_template_from_the_form(admin_user: User) -> None:
    client = login(Client(), admin_user)
    assert 'name="cat-0-kpi-0-kpi"' in client.get(NEW).content.decode()

    response = client.post(NEW, fields_from_definition(_example()))

    assert response.status_code == 302
    template = ScorecardTemplate.objects.get(key="night_shift")
    assert response["Location"] == f"/performance/templates/{template.key}/"
    assert template.versions.get().definition == _example()


@pytest.mark.django_db
def test_a_bad_weight_is_refused_on_its_field_and_nothing_is_stored(admin_user: User) -> None:
    client = login(Client(), admin_user)
    fields = fields_from_definition(_example())
    fields["cat-1-kpi-0-weight"] = "-3"

    response = client.post(NEW, fields)

    assert response.status_code == 422
    page = response.content.decode()
    assert "categories[1].kpis[0].weight must be a number &gt; 0" in page
    assert 'name="cat-1-kpi-0-weight" value="-3" aria-label="Weight" aria-invalid="true"' in page
    assert not ScorecardTemplate.objects.filter(key="night_shift").exists()


@pytest.mark.django_db
def test_rows_are_added_and_removed_keeping_what_was_typed(admin_user: User) -> None:
    client = login(Client(), admin_user)
    fields = fields_from_definition(_example())
    fields["name"] = "Typed, not saved"

    added = client.post(NEW, {**fields, "op": "add-kpi-2"}, **HTMX).content.decode()
    assert 'name="cat-2-kpi-1-kpi"' in added  # an empty second KPI row in "cost"
    assert 'value="Typed, not saved"' in added
    assert 'id="template-form"' in added
    assert "<h1>" not in added

    removed = client.post(NEW, {**fields, "op": "remove-category-0"}, **HTMX).content.decode()
    assert 'value="quality"' in removed
    assert 'value="efficiency"' not in removed
    assert not ScorecardTemplate.objects.filter(key="night_shift").exists()


@pytest.mark.django_db
def test_the_draft_is_checked_as_it_is_typed_with_each_share(admin_user: User) -> None:
    client = login(Client(), admin_user)
    fields = fields_from_definition(_example())

    valid = client.post(NEW, {**fields, "op": "check"}, **HTMX).content.decode()
    assert 'id="template-status"' in valid
    assert "The template is valid." in valid
    assert "<strong>efficiency</strong> 35 %" in valid
    assert "first_reply_time_business 60 %" in valid

    fields["cat-0-kpi-0-kpi"] = "speed"
    invalid = client.post(NEW, {**fields, "op": "check"}, **HTMX).content.decode()
    assert "unknown KPI &#x27;speed&#x27;" in invalid


@pytest.mark.django_db
def test_the_preview_scores_the_agents_of_the_last_complete_month(
    admin_user: User, agent: User
) -> None:
    for day in range(5):
        solved_ticket(agent, 20, 5, at=datetime(2026, 11, 3 + day, 9, tzinfo=UTC))
    client = login(Client(), admin_user)

    page = client.post(
        NEW, {**fields_from_definition(_example()), "op": "preview"}, **HTMX
    ).content.decode()

    assert "month from 2026-11-01" in page
    assert "<td>anna</td>" in page


@pytest.mark.django_db
def test_editing_keeps_the_id_and_adds_a_version(admin_user: User) -> None:
    template_save(definition=_example(), by=admin_user)
    client = login(Client(), admin_user)
    url = "/performance/templates/night_shift/form/"
    fields = fields_from_definition(_example())
    assert 'value="night_shift" readonly' in client.get(url).content.decode()

    renamed = client.post(url, {**fields, "id": "other"})
    fields["cat-0-weight"] = "40"
    saved = client.post(url, fields)

    assert renamed.status_code == 422
    assert "id must stay" in renamed.content.decode()
    assert saved.status_code == 302
    versions = ScorecardTemplate.objects.get(key="night_shift").versions.order_by("number")
    assert [v.definition["categories"][0]["weight"] for v in versions] == [35, 40]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "agent"])
def test_only_admins_edit_templates(request: pytest.FixtureRequest, who: str) -> None:
    client = login(Client(), request.getfixturevalue(who))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, fields_from_definition(_example())).status_code == 403
    assert not ScorecardTemplate.objects.filter(key="night_shift").exists()
