"""A serialized_rollback test restores the migrations' rows (the scorecard presets) also once
the worker's Playwright runs: Playwright leaves an event loop running in the main thread,
after which Django hands out new connection objects (tests/browser.py, chromium)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from afterdesk.metrics.models import ScorecardTemplate
from tests.browser import BROWSER_TEST

pytestmark = BROWSER_TEST  # transactional: each test ends with a flush

PRESETS = {"first_line", "second_line", "minor_language", "new_agent", "after_sales_specialist"}


def presets() -> set[str]:
    return set(ScorecardTemplate.objects.values_list("key", flat=True)) & PRESETS


def test_the_presets_are_there_before_the_browser_starts() -> None:
    assert presets() == PRESETS


@pytest.mark.parametrize("round_", [1, 2])
def test_the_presets_are_restored_with_the_browser_running(
    page: Page, live_server: Any, round_: int
) -> None:
    # Round 1 starts Chromium after the flush of the test above; round 2 restores after the
    # flush of round 1, with Playwright already running. Both failed before the fix.
    assert presets() == PRESETS
    page.goto(live_server.url + "/accounts/login/")


def test_the_presets_are_restored_after_a_browser_test() -> None:
    assert presets() == PRESETS
