"""The settings' checks that name a JSON path or list the accepted codes are raised in English
(the API answers with them) and shown in Chinese on the pages (afterdesk.core.rule_text)."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import User
from afterdesk.core.rule_text import RULE_TEXT
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from tests.bonuses.helpers import make_rule
from tests.bonuses.test_views import rule_form
from tests.stores.test_store_text import written_texts

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The checks of the settings pages' JSON and rules: scorecard templates, bonus rules, SLA
# policies, automation and routing rules (the services the forms hand their input to).
RULE_FILES = (
    "metrics/templates.py",
    "metrics/views/scorecard_templates.py",
    "bonuses/definition.py",
    "sla/services.py",
    "automations/conditions.py",
    "automations/actions.py",
    "automations/services.py",
    "routing/rules.py",
    "routing/services.py",
)


def test_every_check_of_the_settings_has_a_chinese_translation() -> None:
    root = Path(settings.BASE_DIR)
    texts = written_texts([root / name for name in RULE_FILES], {"ValidationError", "Conflict"})
    assert len(texts) > 60  # the sites were found
    with translation.override("zh-hans"):
        missing = [
            (where, text) for where, text in texts if not CHINESE.search(RULE_TEXT.shown(text))
        ]
    assert missing == [], missing
    with translation.override("en"):
        assert all(RULE_TEXT.shown(text) == text for _where, text in texts)


def _zh(client: Client, user: User) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(user)
    return client


def _shown(answer: Any, chinese: str, english: str) -> None:
    """The page names the error in Chinese and nowhere in English."""
    assert answer.status_code == 422
    html = unescape(answer.content.decode())
    assert chinese in html
    assert english not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "chinese", "english"),
    [
        (
            {"categories": [{"name": "x", "weight": 1, "kpis": [{"kpi": "nope", "weight": 1}]}]},
            "categories[0].kpis[0].kpi：未知 KPI 'nope'",
            "unknown KPI",
        ),
        ({"min_samples": 0}, "min_samples 必须是 ≥ 1 的整数", "must be an integer"),
        ({"id": "new"}, "id 只能包含字母、数字、- 或 _", "must be letters"),
    ],
)
def test_a_scorecard_templates_json_error_is_shown_in_chinese(
    client: Client, admin_user: User, changes: dict[str, Any], chinese: str, english: str
) -> None:
    data: dict[str, Any] = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="team_b", name="Team B")
    data.update(changes)
    answer = _zh(client, admin_user).post(
        reverse("metrics:template_new"), {"definition": json.dumps(data)}
    )
    _shown(answer, chinese, english)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "chinese", "english"),
    [
        (
            {"definition": json.dumps({"tiers": [{"name": "a", "min_total": 1, "amount": "x"}]})},
            "definition.tiers[0].amount 必须是数字",
            "must be a number",
        ),
        (
            {"definition": json.dumps({"tiers": [], "bonus": 1})},
            "definition.bonus 不是已知字段",
            "is not a known field",
        ),
    ],
)
def test_a_bonus_rules_definition_error_is_shown_in_chinese(
    client: Client, admin_user: User, changes: dict[str, Any], chinese: str, english: str
) -> None:
    make_rule()  # installs the template the form offers
    answer = _zh(client, admin_user).post(reverse("bonuses:rule_new"), rule_form(**changes))
    _shown(answer, chinese, english)
