"""Scorecard templates: list, versions, create/edit as JSON, import a file, export a version.
Managers read; only admins write. Saving goes through metrics.services.template_save, which
validates with template_parse and adds a version only when the definition changed."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from afterdesk.core.errors import ValidationError
from afterdesk.core.exports import attachment
from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.metrics.forms import TemplateImportForm, TemplateJsonForm
from afterdesk.metrics.models import ScorecardTemplate, ScorecardTemplateVersion
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from afterdesk.metrics.views.access import Access, page_access

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
RESERVED_IDS = frozenset({"new", "import"})  # path segments of the template pages


def _pretty(definition: object) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False)


def _latest(template: ScorecardTemplate) -> ScorecardTemplateVersion | None:
    return template.versions.order_by("-number").first()


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "manage")
    templates = ScorecardTemplate.objects.prefetch_related("versions")
    context = {
        "access": access,
        "templates": templates,
        "import_form": TemplateImportForm(),
        "section": "templates",
    }
    return render(request, "metrics/pages/template_list.html", context)


@login_required
@require_GET
def template_detail(request: HttpRequest, key: str) -> HttpResponse:
    """The template's versions, newest first; `?version=N` shows that version's JSON."""
    access = page_access(request, "manage")
    template = get_object_or_404(ScorecardTemplate, key=key)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    shown = versions[0] if versions else None
    if (wanted := request.GET.get("version", "")).isdigit():
        shown = next((v for v in versions if v.number == int(wanted)), None) or shown
    context = {
        "access": access,
        "template": template,
        "versions": versions,
        "shown": shown,
        "shown_json": _pretty(shown.definition) if shown else "",
        "section": "templates",
    }
    return render(request, "metrics/pages/template_detail.html", context)


def _save(
    request: HttpRequest,
    access: Access,
    form: forms.Form,
    field: str,
    template: ScorecardTemplate | None,
) -> HttpResponse:
    """Validate and save; a refused definition re-renders the form with the reason, 422."""
    if form.is_valid():
        definition: dict[str, Any] = form.cleaned_data[field]
        try:
            template_id = definition.get("id")
            if isinstance(template_id, str) and (
                not SLUG.fullmatch(template_id) or template_id in RESERVED_IDS
            ):
                raise ValidationError(
                    "id must be letters, digits, - or _ (and not “new” or “import”)", field="id"
                )
            if template is not None and template_id != template.key:
                raise ValidationError(
                    f"id must stay {template.key!r} (save under a new id with “New template”)",
                    field="id",
                )
            version = template_save(definition=definition, by=access.user)
        except ValidationError as error:
            form.add_error(
                None,
                f"{error.field}: {RULE_TEXT.shown(error.message)}"
                if error.field
                else RULE_TEXT.shown(error.message),
            )
        else:
            return redirect("metrics:template", key=version.template.key)
    context = {
        "access": access,
        "form": form if isinstance(form, TemplateJsonForm) else TemplateJsonForm(),
        "import_form": form if isinstance(form, TemplateImportForm) else TemplateImportForm(),
        "template": template,
        "section": "templates",
    }
    return render(request, "metrics/pages/template_edit.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "configure")
    if request.method == "POST":
        return _save(request, access, TemplateJsonForm(request.POST), "definition", None)
    example = {**DEFAULT_TEMPLATE_JSON, "id": "my_template", "name": "My template"}
    context = {
        "access": access,
        "form": TemplateJsonForm(initial={"definition": _pretty(example)}),
        "import_form": TemplateImportForm(),
        "template": None,
        "section": "templates",
    }
    return render(request, "metrics/pages/template_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, key: str) -> HttpResponse:
    access = page_access(request, "configure")
    template = get_object_or_404(ScorecardTemplate, key=key)
    if request.method == "POST":
        return _save(request, access, TemplateJsonForm(request.POST), "definition", template)
    latest = _latest(template)
    initial = _pretty(latest.definition) if latest else ""
    context = {
        "access": access,
        "form": TemplateJsonForm(initial={"definition": initial}),
        "template": template,
        "section": "templates",
    }
    return render(request, "metrics/pages/template_edit.html", context)


@login_required
@require_POST
def template_import(request: HttpRequest) -> HttpResponse:
    """A JSON file: a new template, or a new version of the template with its id."""
    access = page_access(request, "configure")
    return _save(request, access, TemplateImportForm(request.POST, request.FILES), "file", None)


@login_required
@require_GET
def template_export(request: HttpRequest, key: str, number: int) -> HttpResponse:
    page_access(request, "manage")
    version = get_object_or_404(
        ScorecardTemplateVersion.objects.select_related("template"),
        template__key=key,
        number=number,
    )
    return attachment(
        _pretty(version.definition) + "\n",
        content_type="application/json; charset=utf-8",
        filename=f"{key}-v{number}.json",
    )
