"""Stored KPI figures (metrics.stored): always what a fresh `compute_kpis` gives; a change
dated in a period makes exactly that period's figures computed again."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.models import FactsChange, StoredKpis, TicketFacts
from afterdesk.metrics.services import facts_refresh, template_save
from afterdesk.metrics.stored import (
    ALL_DAYS,
    KpiStore,
    changes_compact,
    changes_record,
    day_of,
    day_versions,
    period_days,
    stored_kpis_prune,
)
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, default_template, template_parse
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import UserFactory
from tests.reports.builders import solved

pytestmark = pytest.mark.django_db

W1 = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
W2 = W1 + timedelta(days=7)
W3 = W2 + timedelta(days=7)
DAY = timedelta(days=1)


def store() -> KpiStore:
    return KpiStore(start=W1, end=W3)


def kpis(kpi_store: KpiStore, start: datetime, end: datetime) -> dict[int, dict]:
    return kpi_store.compute_kpis(start=start, end=end, template=default_template())


def fresh(start: datetime, end: datetime) -> dict[int, dict]:
    return compute_kpis(start=start, end=end, template=default_template())


@pytest.fixture
def agents() -> tuple[User, User]:
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
    solved(anna, created=W1 + DAY, reply_minutes=30, rating=5)
    solved(bo, created=W1 + 2 * DAY, reply_minutes=300, rating=2, priority="high")
    solved(anna, created=W2 + DAY, reply_minutes=45, rating=4)
    return anna, bo


@pytest.mark.usefixtures("agents")
def test_stored_figures_equal_a_fresh_computation() -> None:
    first = store()
    computed = {period: kpis(first, *period) for period in ((W1, W2), (W2, W3), (W1, W3))}
    assert first.computed == 3
    assert StoredKpis.objects.count() == 3
    again = store()
    for (start, end), values in computed.items():
        stored = kpis(again, start, end)
        assert stored == values == fresh(start, end)
        assert stored  # there are figures to compare
    assert again.computed == 0  # every period came from the store


def test_a_change_in_a_week_invalidates_exactly_that_week(agents: tuple[User, User]) -> None:
    anna, _bo = agents
    warm = store()
    before = {period: kpis(warm, *period) for period in ((W1, W2), (W2, W3))}
    solved(anna, created=W2 + 3 * DAY, reply_minutes=10, rating=1)  # a second ticket in W2
    later = store()
    assert kpis(later, W1, W2) == before[(W1, W2)]
    assert later.computed == 0  # W1 untouched: stored
    second = kpis(later, W2, W3)
    assert later.computed == 1  # W2 computed again
    assert second == fresh(W2, W3) != before[(W2, W3)]
    assert second[anna.pk]["handled_volume"].n == 2


def test_a_late_event_changes_the_week_it_dates(agents: tuple[User, User]) -> None:
    """A rating given in W2 of a ticket solved in W1: W2's csat changes, and so may anything
    of the ticket's days; both are computed again and equal a fresh computation."""
    _anna, bo = agents
    warm = store()
    kpis(warm, W1, W2), kpis(warm, W2, W3)
    ticket = Ticket.objects.filter(subject__endswith="for bo").get()
    services.csat_record(ticket=ticket, rating=5, at=W2 + 4 * DAY)
    later = store()
    assert kpis(later, W1, W2) == fresh(W1, W2)
    assert kpis(later, W2, W3) == fresh(W2, W3)
    assert later.computed == 2
    assert fresh(W2, W3)[bo.pk]["csat_rate"].n == 1


def test_a_reopen_takes_the_solve_out_of_its_old_week(agents: tuple[User, User]) -> None:
    anna, _bo = agents
    warm = store()
    solved_before = kpis(warm, W1, W2)[anna.pk]["resolution_time"].n
    ticket = Ticket.objects.filter(subject__endswith="for anna").order_by("created_at").first()
    assert ticket is not None
    services.ticket_set_status(ticket=ticket, by=anna, status="open", at=W2 + 5 * DAY)
    later = store()
    figures = kpis(later, W1, W2)
    assert figures == fresh(W1, W2)
    assert figures[anna.pk]["resolution_time"].n == solved_before - 1


@pytest.mark.usefixtures("agents")
def test_recomputed_facts_without_a_change_give_the_same_figures() -> None:
    """`afterdesk metrics rebuild` (facts_refresh) records its tickets' days: the figures are
    computed again, and are the same."""
    warm = store()
    before = kpis(warm, W1, W2)
    facts_refresh(ticket_ids=Ticket.objects.values_list("pk", flat=True))
    later = store()
    assert kpis(later, W1, W2) == before
    assert later.computed == 1


@pytest.mark.usefixtures("agents")
def test_template_parameters_are_part_of_the_key() -> None:
    """Another first-reply target is other figures (sla_first_reply_rate), never the stored
    ones of the old target."""
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["first_reply_target"] = {**data["first_reply_target"], "high": 600}
    template_save(definition=data)
    strict, lenient = default_template(), template_parse(data)
    kpi_store = store()
    a = kpi_store.compute_kpis(start=W1, end=W2, template=strict)
    b = kpi_store.compute_kpis(start=W1, end=W2, template=lenient)
    assert kpi_store.computed == 2
    assert a == fresh(W1, W2)
    assert b == compute_kpis(start=W1, end=W2, template=lenient) != a


@pytest.mark.usefixtures("agents")
def test_a_deleted_user_changes_every_day() -> None:
    """(An agent with events cannot be deleted; facts and reply waits would lose theirs.)"""
    warm = store()
    kpis(warm, W1, W2)
    UserFactory(username="gone").delete()
    later = store()
    assert kpis(later, W1, W2) == fresh(W1, W2)
    assert later.computed == 1
    assert FactsChange.objects.filter(day=ALL_DAYS).exists()


@pytest.mark.usefixtures("agents")
def test_a_change_while_computing_is_not_used_again() -> None:
    """The versions are read before the figures are computed: a change committed after
    that read leaves the stored figures behind the current versions."""
    kpi_store = store()
    kpis(kpi_store, W2, W3)  # reads the versions of W1–W3
    anna = User.objects.get(username="anna")
    solved(anna, created=W1 + 3 * DAY, reply_minutes=5)  # committed after the read
    kpis(kpi_store, W1, W2)  # computed now (with the change), stored at the old versions
    later = store()
    assert kpis(later, W1, W2) == fresh(W1, W2)
    assert later.computed == 1


def test_days_and_versions() -> None:
    assert day_of(datetime(2026, 10, 5, 23, 59, tzinfo=UTC)) == date(2026, 10, 5)
    assert day_of(datetime(1969, 12, 31, 23, 0, tzinfo=UTC)) == date(1969, 12, 31)
    # Wall-clock weeks of another zone span eight UTC days; the end is excluded.
    assert period_days(W1, W2) == (date(2026, 10, 5), date(2026, 10, 11))
    changes_record([date(2026, 10, 5), date(2026, 10, 5), date(2026, 10, 12)])
    changes_record([date(2026, 10, 5)])
    assert day_versions(date(2026, 10, 5), date(2026, 10, 11)) == {date(2026, 10, 5): 2}
    changes_record([ALL_DAYS])
    versions = day_versions(date(2026, 10, 1), date(2026, 10, 31))
    assert versions == {date(2026, 10, 5): 2, date(2026, 10, 12): 1, ALL_DAYS: 1}
    assert changes_compact() == 1  # the two rows of the 5th become one
    assert FactsChange.objects.count() == 3
    assert day_versions(date(2026, 10, 1), date(2026, 10, 31)) == versions


@pytest.mark.usefixtures("agents")
def test_old_stored_figures_are_pruned() -> None:
    kpis(store(), W1, W2)
    assert stored_kpis_prune(now=datetime.now(UTC)) == 0
    assert stored_kpis_prune(now=datetime.now(UTC) + timedelta(days=91)) == 1


def test_a_period_outside_the_store_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        kpis(store(), W1 - DAY, W2)


def test_the_database_records_the_days_in_the_facts_statement() -> None:
    """facts_store hands the days to the facts' upsert; the trigger (migration 0011) records
    them and keeps nothing in the row."""
    anna = UserFactory(username="anna")
    before = FactsChange.objects.count()
    solved(anna, created=W1 + DAY, reply_minutes=30)
    days = set(FactsChange.objects.values_list("day", flat=True))
    assert date(2026, 10, 6) in days
    assert FactsChange.objects.count() > before
    assert not TicketFacts.objects.filter(changed_days__isnull=False).exists()
