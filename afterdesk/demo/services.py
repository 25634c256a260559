"""`demo_load`: the demo dataset into the database.

The ticket history (calendars, agents, tickets and all their events) goes through the same
door as any customer's history: it is written as a JSON Lines file and loaded with
`metrics.history.history_import`. Stores, customers, orders and parcels are not part of the
history format, so they are written directly and the imported tickets linked to them.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

from afterdesk.accounts.models import Role, User
from afterdesk.automations.demo import automations_demo_load
from afterdesk.commerce.models import Store
from afterdesk.core.errors import Conflict, DomainError
from afterdesk.core.progress import NO_PROGRESS, Progress
from afterdesk.demo.catalog import AGENTS, DEMO_ADMIN, DEMO_PASSWORD, STORES, TEAMS
from afterdesk.demo.commerce import CommerceCounts, commerce_create, stores_upsert
from afterdesk.demo.generator import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEFAULT_TICKETS,
    DemoDataset,
    generate,
)
from afterdesk.history.importer import history_import
from afterdesk.metrics.stored import changes_record_all
from afterdesk.qa.demo import qa_demo_load
from afterdesk.replies.demo import replies_demo_load
from afterdesk.returns.demo import returns_demo_load
from afterdesk.routing.demo import routing_demo_load
from afterdesk.tickets.models import Ticket
from afterdesk.training.demo import training_demo_load


class DemoImportFailed(DomainError):
    """The generated history did not import: a bug in the generator or the importer."""

    status = 500


@dataclass
class DemoSummary:
    dataset: DemoDataset
    commerce: CommerceCounts
    statuses: dict[str, int]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        data, shop = self.dataset, self.commerce
        first = min((t.line["created_at"] for t in data.tickets), default="-")[:10]
        languages = len({t.line["language"] for t in data.tickets})
        categories = len({t.line["category"] for t in data.tickets})
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(self.statuses.items()))
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
        return [
            f"Demo data loaded in {self.seconds:.1f} s ({steps}).",
            f"  seed {data.seed}, tickets created {first} … {data.base.date().isoformat()}",
            f"  {shop.stores} stores, {len(data.agents)} agents in {len(TEAMS)} teams, "
            f"{len(data.calendars)} business-hours calendars",
            f"  {len(data.tickets)} tickets in {languages} languages and {categories} "
            f"categories, {data.event_count} events",
            f"  tickets by status: {statuses}",
            f"  {shop.customers} customers, {shop.orders} orders ({shop.order_lines} lines), "
            f"{shop.shipments} shipments, {shop.tracking_events} tracking events",
            f"Login: admin / {DEMO_PASSWORD} (agents: their id, e.g. lena.schmidt, same password)",
        ]


def demo_reset() -> dict[str, int]:
    """Delete every ticket (with its events and messages) and every store (with its
    customers, orders and parcels). Users, teams and calendars stay: the demo replaces them."""
    deleted = {"tickets": Ticket.objects.count(), "stores": Store.objects.count()}
    with transaction.atomic():
        Ticket.objects.all().delete()
        Store.objects.all().delete()
        changes_record_all()  # the stored KPI figures (metrics.stored) no longer hold
    return deleted


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    tickets: int = DEFAULT_TICKETS,
    days: int = DEFAULT_DAYS,
    base: datetime | None = None,
    history_path: Path | None = None,
    progress: Progress = NO_PROGRESS,
) -> DemoSummary:
    """Generate the demo and load it. Refuses a database that already has tickets. Each
    step (generation, the history file, the import's, the orders) is a stage of `progress`."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if Ticket.objects.exists():
        raise Conflict(
            f"the database already has {Ticket.objects.count()} tickets; the demo loads only "
            "into an empty one (`afterdesk demo --reset` deletes tickets and stores first)"
        )
    dataset = generate(seed=seed, tickets=tickets, days=days, base=base, progress=progress)
    timings["generate"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="afterdesk-demo-") as folder:
        path = history_path or Path(folder) / "demo-history.jsonl"
        dataset.write_history(path, progress=progress)
        with transaction.atomic():
            stores = stores_upsert(specs=STORES)
            mark = time.perf_counter()
            report = history_import(path, progress=progress)
            timings["import"] = time.perf_counter() - mark
            if report.errors:
                shown = "; ".join(f"line {line}: {message}" for line, message in report.errors[:5])
                raise DemoImportFailed(f"the demo history did not import: {shown}")
            mark = time.perf_counter()
            progress.stage("Customers, orders, parcels")
            _agents_finish()
            commerce = commerce_create(dataset=dataset, stores=stores)
            timings["commerce"] = time.perf_counter() - mark
            # Reply templates, macros and SOPs in six languages (docs/replies.md).
            replies_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
            # The shipped automations, all on, with their templates and codes (docs/automations.md).
            automations_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
            # The return emails of each step and the return addresses per market
            # (docs/returns.md, "Emails to the buyer").
            returns_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
            # Routing rules, agents' skills, shifts and presence (docs/routing.md).
            routing_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
            # A QA rubric, a weekly sampling assignment and last week's queue (docs/qa.md).
            qa_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
            # A course, an exam and the certification it earns, with an allowance
            # (docs/training.md, "Demo").
            training_demo_load(admin=User.objects.get(username=DEMO_ADMIN))
    statuses = Counter(
        Ticket.objects.filter(external_id__startswith="DM-").values_list("status", flat=True)
    )
    return DemoSummary(
        dataset=dataset,
        commerce=commerce,
        statuses=dict(statuses),
        seconds=time.perf_counter() - started,
        timings=timings,
    )


def _agents_finish() -> None:
    """One argon2 hash of the demo password, shared by every demo user; `admin` gets admin
    access (an import never gives it, docs/history.md; a later import keeps it) and may open
    the Django admin."""
    hashed = make_password(DEMO_PASSWORD)
    User.objects.filter(username__in=[agent.username for agent in AGENTS]).update(
        password=hashed, is_active=True
    )
    User.objects.filter(username=DEMO_ADMIN).update(
        role=Role.ADMIN, is_staff=True, is_superuser=True
    )
