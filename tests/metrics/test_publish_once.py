"""Publishing is idempotent per template and period: a second publish (by the API, the page,
or concurrently) returns the first, frozen scorecard; the database holds one per template and
period, and the migration that brought the rule in keeps the earliest of existing copies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.metrics.models import PublishedScorecard
from afterdesk.metrics.services import Publication, scorecard_publish
from tests.metrics.api.conftest import OCTOBER, Api, ApiAs

START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="tests")[1]) if user else Api()

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["template", "own_template"])
def test_publishing_a_period_again_returns_the_first_one(
    api_as: ApiAs, supervisor: User, how: str
) -> None:
    api = api_as(supervisor)
    first = api.post("/api/scorecards/publish", {how: "first_line", **OCTOBER})
    assert first.status_code == 201
    assert first.json()["already_published"] is False
    for _ in range(3):
        again = api.post("/api/scorecards/publish", {how: "first_line", **OCTOBER})
        assert again.status_code == 200
        body = again.json()
        assert body["already_published"] is True
        assert body["id"] == first.json()["id"]
        assert "already published" in body["message"]
        assert body["rows"] == first.json()["rows"]
    assert PublishedScorecard.objects.count() == 1
    # Another period is another scorecard.
    november = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    assert api.post("/api/scorecards/publish", {how: "first_line", **november}).status_code == 201
    assert PublishedScorecard.objects.count() == 2


@pytest.mark.django_db
def test_the_page_takes_a_second_publish_to_the_first_with_a_message(
    client: Client, supervisor: User
) -> None:
    client.force_login(supervisor)
    form = {"period": "week", "date": "2026-10-01", "template": "first_line"}
    first = client.post(reverse("metrics:publish"), form)
    second = client.post(reverse("metrics:publish"), form)
    published = PublishedScorecard.objects.get()
    url = reverse("metrics:published", args=[published.pk])
    assert first["Location"] == second["Location"] == url
    page = client.get(url).content.decode()
    assert "already published" in page


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_for_a_template_kind_and_period() -> None:
    from django.db import IntegrityError, transaction

    first = scorecard_publish(template_key="first_line", start=START, end=END).scorecard
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedScorecard.objects.create(
            template_version=first.template_version,
            template=first.template,
            scope=first.scope,
            period_start=START,
            period_end=END,
            rows=[],
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_publishes_of_one_period_write_one_scorecard() -> None:
    """Threads, each with its own database connection, publish the same period at once."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, where a second writer "
            "fails at once with 'database table is locked' instead of waiting for the first; "
            "the interleaving test below covers the same path on SQLite"
        )
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    results: list[Publication] = []
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            barrier.wait()
            results.append(scorecard_publish(template_key="first_line", start=START, end=END))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert PublishedScorecard.objects.count() == 1
    assert sum(result.created for result in results) == 1
    assert {result.scorecard.pk for result in results} == {PublishedScorecard.objects.get().pk}


@pytest.mark.django_db
def test_a_publish_that_loses_the_race_returns_the_winner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic interleaving: another publish of the same period commits while this one
    computes its rows (between its look-up and its insert)."""
    from afterdesk.metrics import services

    real_compute = services.scorecard_compute
    winner: list[PublishedScorecard] = []

    def compute_while_another_publishes(**kwargs: Any) -> Any:
        rows = real_compute(**kwargs)
        if not winner:
            monkeypatch.setattr(services, "scorecard_compute", real_compute)
            winner.append(
                scorecard_publish(template_key="first_line", start=START, end=END).scorecard
            )
        return rows

    monkeypatch.setattr(services, "scorecard_compute", compute_while_another_publishes)
    loser = scorecard_publish(template_key="first_line", start=START, end=END)
    assert (loser.scorecard.pk, loser.created) == (winner[0].pk, False)
    assert PublishedScorecard.objects.count() == 1


# --------------------------------------------------------------------- the data migration


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_drops_the_copies_and_keeps_the_earliest() -> None:
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("metrics")
    old_apps = _migrate([("metrics", "0006_reply_waits")])
    try:
        old_published = old_apps.get_model("metrics", "PublishedScorecard")
        old_version = old_apps.get_model("metrics", "ScorecardTemplateVersion")
        first_line = old_version.objects.get(template__key="first_line", number=1)
        other = old_version.objects.exclude(template__key="first_line").order_by("pk").first()
        january = datetime(2027, 1, 1, tzinfo=UTC)
        made = [
            (first_line, END, [{"agent": "anna"}]),  # published 3 times: 2 copies
            (first_line, END, [{"agent": "anna"}]),
            (first_line, END, [{"agent": "anna"}]),
            (first_line, END, [{"agent": "anna"}, {"agent": "bo"}]),  # another kind: kept
            (other, END, [{"agent": "anna"}]),  # another template
            (first_line, january, [{"agent": "anna"}]),  # another period
        ]
        ids = [
            old_published.objects.create(
                template_version=version, period_start=START, period_end=end, rows=rows
            ).pk
            for version, end, rows in made
        ]
    finally:
        _migrate(leaf)
    kept = PublishedScorecard.objects.order_by("pk")
    assert [p.pk for p in kept] == [ids[0], ids[3], ids[4], ids[5]]
    assert [p.template.key for p in kept] == [
        "first_line",
        "first_line",
        other.template.key,
        "first_line",
    ]
    assert {p.scope for p in kept} == {None}
    # A publish of the period adopts the earliest copy made with its version, once.
    again = scorecard_publish(template_key="first_line", start=START, end=END)
    assert (again.scorecard.pk, again.created, again.scorecard.scope) == (ids[0], False, "what_if")
    group = scorecard_publish(own_template="first_line", start=START, end=END)
    assert (group.scorecard.pk, group.created) == (ids[3], False)
    assert PublishedScorecard.objects.count() == 4
