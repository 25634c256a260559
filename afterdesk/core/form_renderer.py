"""The forms' renderer (settings.FORM_RENDERER): Django's template renderer, except for the
drop-down lists, which it writes in Python.

A `<select>` rendered by Django's widget templates costs two template includes per option: with
200 agents in a desk's "Assignee" list that was ~60 ms of the inbox page and most of the
ticket page on the benchmark machine (docs/benchmarks.md, "Inbox and ticket pages"). The HTML
written here is byte for byte what `django/forms/widgets/select.html` and `select_option.html`
write (tests/core/test_form_renderer.py compares them); a widget with other templates, or an
option label that is not text (which a template would localise), goes through the templates.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """What `django/forms/widgets/attrs.html` writes."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _select_html(widget: dict[str, Any]) -> str | None:
    """The select as the templates write it; None when only they know how."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            label = option["label"]
            if option.get("template_name") != OPTION or not isinstance(label, str | Promise):
                return None
            value = conditional_escape(str(option["value"]))
            parts.append(
                f'\n  <option value="{value}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(str(label))}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastSelectRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT:
            html = _select_html(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 - every value above is escaped
        return super().render(template_name, context, request)
