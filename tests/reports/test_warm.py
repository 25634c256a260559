"""The background refresher of the weekly review's stored figures (reports.warm,
reports.tasks): after a change dated in a viewed review's weeks, the task computes its stale
figures again, and the next request computes nothing yet shows what a fresh computation gives."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from afterdesk.accounts.models import User
from afterdesk.metrics import stored
from afterdesk.metrics.models import StoredKpis
from afterdesk.reports import review as review_module
from afterdesk.reports.params import review_period
from afterdesk.reports.services import weekly_review
from afterdesk.reports.tasks import LOCK, reviews_warm_lock_flush, reviews_warm_periodic
from afterdesk.reports.trends import trend_weeks
from afterdesk.reports.warm import reviews_asked, reviews_warm, stale_in, warm_weeks

from .builders import PREVIOUS_START, WEEK_END, WEEK_START, review_template, solved, tier_history
from .builders import tier_templates as tier_templates_make
from .test_views import signed_in

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
NOW = WEEK_END + 2 * DAY + timedelta(hours=9)  # the Wednesday after: WEEK is the default review
SPAN = (trend_weeks(WEEK_END)[0][0], WEEK_END)


@pytest.fixture
def history() -> dict[str, User]:
    tier_templates_make()
    people = tier_history(WEEK_START + DAY)
    for name, minutes in (("a1", 600), ("b2", 20)):
        solved(people[name], created=PREVIOUS_START + DAY, reply_minutes=minutes, rating=4)
    solved(people["b2"], created=WEEK_START + 2 * DAY, reply_minutes=1500)  # a breach
    return people


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every KPI computation and breaches search made from now on, by name."""
    made: list[str] = []

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            made.append(name)
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(stored, "compute_kpis", counted("kpis", stored.compute_kpis))
    monkeypatch.setattr(
        review_module, "_breaches_find", counted("breaches", review_module._breaches_find)
    )
    return made


def page(user: User, **query: str) -> str:
    week = {"week": WEEK_START.date().isoformat(), **query}
    response = signed_in(user).get("/reports/weekly/", week)
    assert response.status_code == 200
    return response.content.decode()


def fresh(**kwargs: Any) -> str:
    """The review computed from nothing stored (the stored figures put back after)."""
    rows = list(StoredKpis.objects.all())
    StoredKpis.objects.all().delete()
    text = repr(weekly_review(start=WEEK_START, end=WEEK_END, **kwargs))
    StoredKpis.objects.all().delete()
    StoredKpis.objects.bulk_create(rows)
    return text


def test_the_weeks_warmed_are_the_current_one_and_four_before() -> None:
    weeks = warm_weeks(now=NOW)
    assert weeks[0] == (WEEK_END, WEEK_END + 7 * DAY)  # the current, incomplete week
    assert weeks[1] == (WEEK_START, WEEK_END)  # the default review: the last complete week
    assert [end - start for start, end in weeks] == [7 * DAY] * 5
    assert all(weeks[k][0] == weeks[k + 1][1] for k in range(4))


def test_a_change_is_computed_by_the_task_not_by_the_next_request(
    history: dict[str, User], supervisor: User, computations: list[str]
) -> None:
    page(supervisor)  # viewed: its figures stored
    assert computations.count("breaches") == 1
    assert [r.label for r in reviews_asked(now=NOW)] == ["2026-10-05 own templates"]
    assert not stale_in(*SPAN)
    assert reviews_warm(now=NOW) == []  # nothing stale: nothing computed
    # A late first reply in the week: a breach, lower figures; the week's figures are stale.
    late = solved(history["b1"], created=WEEK_START + 3 * DAY, reply_minutes=900, rating=1)
    assert stale_in(*SPAN)
    computations.clear()
    assert reviews_warm(now=NOW) == ["2026-10-05 own templates"]
    # Only what the change touched: the week (in the period, the leaderboard and the trends:
    # one computation) and its breaches; the previous week and the other trend weeks were read.
    assert sorted(computations) == ["breaches", "kpis"]
    assert not stale_in(*SPAN)
    computations.clear()
    shown = page(supervisor)
    assert computations == []  # the request read every figure from the store
    assert f"#{late.pk}<" in shown
    assert repr(weekly_review(start=WEEK_START, end=WEEK_END)) == fresh()
    assert reviews_warm(now=NOW) == []  # a second run does nothing


def test_each_scoring_viewed_is_warmed(
    history: dict[str, User], supervisor: User, computations: list[str]
) -> None:
    template = review_template()
    page(supervisor, template="review_test")
    page(supervisor, own_template="tier_a")
    asked = sorted(r.label for r in reviews_asked(now=NOW))
    assert asked == ["2026-10-05 own_template=tier_a", "2026-10-05 template=review_test"]
    solved(history["a1"], created=WEEK_START + 4 * DAY, reply_minutes=30, rating=5)
    assert sorted(reviews_warm(now=NOW)) == asked
    computations.clear()
    page(supervisor, template="review_test")
    page(supervisor, own_template="tier_a")
    assert computations == []
    what_if = weekly_review(start=WEEK_START, end=WEEK_END, template=template)
    assert repr(what_if) == fresh(template=template)
    own = weekly_review(start=WEEK_START, end=WEEK_END, own_template="tier_a")
    assert repr(own) == fresh(own_template="tier_a")


def test_reviews_never_viewed_are_not_computed(history: dict[str, User]) -> None:
    """Nothing stored: nothing asked for, nothing computed (an idle desk costs nothing)."""
    assert reviews_asked(now=NOW) == []
    assert reviews_warm(now=NOW) == []
    assert StoredKpis.objects.count() == 0


def test_weeks_older_than_the_warmed_ones_are_left_to_the_request(
    history: dict[str, User], supervisor: User
) -> None:
    page(supervisor)
    later = NOW + 5 * 7 * DAY  # WEEK is now six weeks back
    assert reviews_asked(now=later) == []


def test_a_crash_keeps_what_was_stored_and_the_next_run_finishes(
    history: dict[str, User],
    supervisor: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page(supervisor)
    solved(history["b1"], created=WEEK_START + 3 * DAY, reply_minutes=900)
    solved(history["b1"], created=PREVIOUS_START + 3 * DAY, reply_minutes=900)  # two weeks
    real = stored.compute_kpis
    calls: list[int] = []

    def crashing(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(stored, "compute_kpis", crashing)
    with caplog.at_level(logging.ERROR, logger="afterdesk.reports.warm"):
        assert reviews_warm(now=NOW) == []  # logged, not raised: the other reviews go on
    assert "weekly review refresh failed: 2026-10-05 own templates" in caplog.text
    assert stale_in(*SPAN)
    kept = StoredKpis.objects.filter(period_start=PREVIOUS_START, period_end=WEEK_START)
    assert kept.count() == 1  # the first figure computed is stored (its own statement)
    monkeypatch.setattr(stored, "compute_kpis", real)
    assert reviews_warm(now=NOW) == ["2026-10-05 own templates"]
    assert not stale_in(*SPAN)
    assert repr(weekly_review(start=WEEK_START, end=WEEK_END)) == fresh()


def test_the_periodic_task_and_the_command(
    history: dict[str, User], supervisor: User, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both run the refresher for now: here the review of the last complete week."""
    start, _end = review_period({})
    page(supervisor, week=start.date().isoformat())
    solved(history["a1"], created=start + DAY, reply_minutes=30)
    assert reviews_warm_periodic.call_local() == 1
    assert reviews_warm_periodic.call_local() == 0  # twice: no harm, nothing to do
    solved(history["a1"], created=start + 2 * DAY, reply_minutes=40)
    call_command("reports", "warm")
    assert "1 review(s) computed again" in capsys.readouterr().out
    call_command("reports", "warm")
    assert "0 review(s) computed again" in capsys.readouterr().out


def test_a_lock_left_by_a_killed_worker_is_cleared_at_start(
    history: dict[str, User], supervisor: User
) -> None:
    from huey.contrib.djhuey import HUEY

    start, _end = review_period({})
    page(supervisor, week=start.date().isoformat())
    solved(history["a1"], created=start + DAY, reply_minutes=30)
    lock = HUEY.lock_task(LOCK)
    lock.__enter__()  # a worker killed while holding it never releases it
    assert reviews_warm_periodic.call_local() == 0
    reviews_warm_lock_flush()
    assert reviews_warm_periodic.call_local() == 1


def test_the_worker_runs_the_refresher_every_minute() -> None:
    from tests.core.test_schedule import _schedule

    assert _schedule()["reviews_warm_periodic"] == 60
