"""A scorecard template edited in a form (docs/metrics.md, "Editing a template in a form"):
categories, KPIs, weights, targets and floors as rows, checked as they are typed (htmx, on
change), with each category's and KPI's share of the score and a preview of the scores the
draft gives over the last complete month. Saving stores a version exactly as the JSON editor
does (`template_save`); the JSON editor stays for bulk edits."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.forms import desk_zone, last_complete_day
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.selectors import period_bounds
from afterdesk.metrics.services import template_save
from afterdesk.metrics.template_builder import (
    KPI_FIELDS,
    SEGMENT_CHOICES,
    BuilderRows,
    definition_edit,
    definition_from_fields,
    fields_from_definition,
    form_field_of,
    weight_shares,
)
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, PRIORITIES, template_parse
from afterdesk.metrics.views.access import page_access
from afterdesk.metrics.views.scorecard_templates import RESERVED_IDS, SLUG

PREVIEW_ROWS = 15


def _field(fields: dict[str, str], name: str, error_field: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "id": f"tf-{name}",
        "value": fields.get(name, ""),
        "invalid": name == error_field,
    }


def _layout(fields: dict[str, str], rows: BuilderRows, error_field: str | None) -> dict[str, Any]:
    """The form's rows as the template draws them: each input's name, value and state."""

    def field(name: str) -> dict[str, Any]:
        return _field(fields, name, error_field)

    return {
        "top": [field(name) for name in ("id", "name", "min_samples", "default_category_target")],
        "first_reply": [(priority, field(f"frt-{priority}")) for priority in PRIORITIES],
        "categories": [
            {
                "index": index,
                "name": field(f"cat-{index}-name"),
                "weight": field(f"cat-{index}-weight"),
                "kpis": [
                    {
                        "index": k_index,
                        **{key: field(f"cat-{index}-kpi-{k_index}-{key}") for key in KPI_FIELDS},
                    }
                    for k_index in range(kpi_rows)
                ],
            }
            for index, kpi_rows in enumerate(rows.categories)
        ],
        "category_targets": [
            (index, field(f"ctarget-{index}-category"), field(f"ctarget-{index}-minutes"))
            for index in range(rows.category_targets)
        ],
        "category_weights": [
            (index, field(f"cweight-{index}-category"), field(f"cweight-{index}-weight"))
            for index in range(rows.category_weights)
        ],
        "overrides": [
            {
                "index": index,
                **{
                    key: field(f"ovr-{index}-{key}")
                    for key in ("key", "value", "kpi", "target", "floor")
                },
            }
            for index in range(rows.overrides)
        ],
    }


def _check(definition: dict[str, Any], template: ScorecardTemplate | None) -> None:
    """`template_parse` plus the pages' rules on the id (as the JSON editor)."""
    template_id = definition.get("id")
    if (
        isinstance(template_id, str)
        and template_id
        and (not SLUG.fullmatch(template_id) or template_id in RESERVED_IDS)
    ):
        raise ValidationError(
            "id must be letters, digits, - or _ (and not “new” or “import”)", field="id"
        )
    if template is not None and template_id != template.key:
        raise ValidationError(
            f"id must stay {template.key!r} (save under a new id with “New template”)",
            field="id",
        )
    template_parse(definition)


def _preview(definition: dict[str, Any]) -> dict[str, Any]:
    """The draft's scores over the last complete month, everyone scored under it."""
    day = last_complete_day("month")
    start, end = period_bounds(
        kind="month", containing=datetime.combine(day, time.min, tzinfo=desk_zone())
    )
    spec = template_parse(definition)
    rows = scorecard_compute(start=start, end=end, template=spec)
    return {
        "start": start,
        "end": end,
        "rows": rows[:PREVIEW_ROWS],
        "more": max(len(rows) - PREVIEW_ROWS, 0),
        "categories": [category.name for category in spec.categories],
    }


def _render(
    request: HttpRequest,
    *,
    template: ScorecardTemplate | None,
    fields: dict[str, str],
    rows: BuilderRows,
    definition: dict[str, Any],
    status: int = 200,
    error: ValidationError | None = None,
    partial: str = "",
    preview: bool = False,
) -> HttpResponse:
    context: dict[str, Any] = {
        "template": template,
        "kpi_ids": KPI_IDS,
        "segment_keys": SEGMENT_CHOICES,
        "section": "templates",
        "access": page_access(request, "configure"),
    }
    if error is None:
        try:
            _check(definition, template)
        except ValidationError as found:
            error = found
        else:
            context["shares"] = weight_shares(template_parse(definition))
            if preview:
                context["preview"] = _preview(definition)
    context["error"] = error
    context["form"] = _layout(fields, rows, form_field_of(error.field) if error else None)
    page = {
        "body": "metrics/partials/template_form_body.html",
        "status": "metrics/partials/template_form_status.html",
    }.get(partial, "metrics/pages/template_form.html")
    return render(request, page, context, status=status)


def _posted(post: QueryDict) -> dict[str, str]:
    return {key: post.get(key, "") for key in post}


@login_required
@require_http_methods(["GET", "POST"])
def template_form(request: HttpRequest, key: str = "") -> HttpResponse:
    """GET: the template's latest version (or an example) as a form. POST with `op`: a row
    added or removed (`add-…`, `remove-…`), the draft checked (`check`) or previewed
    (`preview`), nothing stored; POST without: saved as a new version, then its page."""
    access = page_access(request, "configure")
    template = get_object_or_404(ScorecardTemplate, key=key) if key else None
    if request.method == "GET":
        latest = template.versions.order_by("-number").first() if template else None
        definition = (
            dict(latest.definition)
            if latest
            else {**DEFAULT_TEMPLATE_JSON, "id": "my_template", "name": "My template"}
        )
        fields = fields_from_definition(definition)
        return _render(
            request,
            template=template,
            fields=fields,
            rows=BuilderRows.of(definition),
            definition=definition,
        )
    definition = definition_from_fields(_posted(request.POST))
    operation = request.POST.get("op", "")
    htmx = request.headers.get("HX-Request") == "true"
    if operation.startswith(("add-", "remove-")):
        definition = definition_edit(definition, operation)
        fields = fields_from_definition(definition)
        rows = BuilderRows.of(definition, operation)
        return _render(
            request,
            template=template,
            fields=fields,
            rows=rows,
            definition=definition,
            partial="body" if htmx else "",
        )
    fields = fields_from_definition(definition)
    rows = BuilderRows.of(definition)
    if operation in ("check", "preview"):
        return _render(
            request,
            template=template,
            fields=fields,
            rows=rows,
            definition=definition,
            partial="status" if htmx else "",
            preview=operation == "preview",
        )
    try:
        _check(definition, template)
        version = template_save(definition=definition, by=access.user)
    except ValidationError as error:
        return _render(
            request,
            template=template,
            fields=fields,
            rows=rows,
            definition=definition,
            status=422,
            error=error,
        )
    return redirect("metrics:template", key=version.template.key)
