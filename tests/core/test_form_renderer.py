"""The forms' renderer writes drop-down lists in Python: byte for byte what Django's widget
templates write (afterdesk/core/form_renderer.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from afterdesk.core.form_renderer import FastSelectRenderer


class ModelLike:
    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name

    def __str__(self) -> str:
        return self.name


CHOICES: list[Any] = [
    ("", "Anyone"),
    ("me", "Me & my <team>"),
    (3, 'O\'Brien "Bob"'),
    ("safe", mark_safe("<b>bold</b>")),
    ("Group <1>", [("a", "Á"), ("b", "日本語")]),
]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "me"),
        (forms.Select(choices=CHOICES, attrs={"class": "x", "required": True}), 3),
        (forms.Select(choices=CHOICES, attrs={"disabled": False, "data-q": "a&b"}), None),
        (forms.SelectMultiple(choices=CHOICES), ["a", "b"]),
        (forms.NullBooleanSelect(), True),
        (forms.Select(choices=[]), ""),
        (forms.Select(choices=[(1, 2)]), 1),  # a label that is not text: the templates
    ],
)
def test_select_renders_as_the_templates_do(widget: forms.Widget, value: Any) -> None:
    attrs = {"id": "id_field"}
    fast = widget.render("field", value, attrs=attrs, renderer=FastSelectRenderer())
    slow = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())
    assert fast == slow


def test_model_choice_field_renders_as_the_templates_do(db: None) -> None:
    from afterdesk.accounts.models import Team

    Team.objects.create(name="EN <Tier 1>")
    Team.objects.create(name="Returns")
    field = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    team = Team.objects.get(name="Returns")
    fast = field.widget.render("team", team.pk, renderer=FastSelectRenderer())
    slow = field.widget.render("team", team.pk, renderer=DjangoTemplates())
    assert fast == slow
    assert f'<option value="{team.pk}" selected>Returns</option>' in fast


def test_the_project_uses_it() -> None:
    assert settings.FORM_RENDERER == "afterdesk.core.form_renderer.FastSelectRenderer"
