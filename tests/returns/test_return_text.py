"""The returns' checks and conflicts are raised in English (the API answers with them) and
shown in Chinese on the return pages (afterdesk.returns.phrases)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from afterdesk.accounts.models import User
from afterdesk.returns.phrases import RETURN_TEXT
from tests.stores.test_store_text import written_texts

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The returns' code a page shows the errors of (the API and the access checks aside).
RETURN_FILES = (
    "actions.py",
    "analytics.py",
    "services/cases.py",
    "services/refunds.py",
    "services/policy.py",
    "services/settings.py",
    "services/suppliers.py",
    "setting_views.py",
    "views.py",
)


def test_every_check_of_the_returns_has_a_chinese_translation() -> None:
    root = Path(settings.BASE_DIR) / "returns"
    texts = written_texts([root / name for name in RETURN_FILES], {"ValidationError", "Conflict"})
    assert len(texts) > 25  # the sites were found
    with translation.override("zh-hans"):
        missing = [(at, text) for at, text in texts if not CHINESE.search(RETURN_TEXT.shown(text))]
    assert missing == [], missing
    with translation.override("en"):
        assert all(RETURN_TEXT.shown(text) == text for _at, text in texts)


def test_a_supplier_files_errors_are_shown_one_by_one() -> None:
    text = (
        "row 2: a SKU has 1 to 100 characters; row 3: MUG is given two suppliers in the file"
        " (and 2 more)"
    )
    with translation.override("zh-hans"):
        assert RETURN_TEXT.shown(text) == (
            "第 2 行：SKU 须为 1 到 100 个字符; 第 3 行：文件中为 MUG 指定了两个供应商（另有 2 个）"
        )


@pytest.mark.django_db
def test_the_analytics_period_error_is_shown_in_chinese(supervisor: User) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(supervisor)
    answer = client.get("/returns/analytics/", {"from": "2026-02-01", "to": "2026-01-01"})
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "期间的结束早于开始" in text
    assert "ends before it starts" not in text
