from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.progress import progress_shown

# The benchmarks and their synthetic data live in the source checkout's `bench/` folder, not
# in the installed package: this command is only their entry point.
CHECKOUT = Path(settings.BASE_DIR).parent


def _bench_importable() -> None:
    if not (CHECKOUT / "bench" / "runner.py").is_file():
        raise CommandError(
            "the benchmarks live in the bench/ folder of a source checkout of Afterdesk; "
            "run `afterdesk bench` from one (see bench/README.md)"
        )
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


class Command(BaseCommand):
    help = (
        "Benchmarks: history import rate and peak RSS, inbox first-page latency. They run in "
        "child processes against throwaway databases (bench/out/, PostgreSQL afterdesk_bench), "
        "never the configured database. See bench/README.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for name in ("all", "import", "inbox", "metrics", "triage", "ingest", "pages"):
            sub = actions.add_parser(name)
            sub.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
            sub.add_argument("--out", type=Path, default=settings.BASE_DIR.parent / "bench/out")
            sub.add_argument(
                "--postgres-url", help="default: postgres://postgres@127.0.0.1:5432/afterdesk_bench"
            )
            sub.add_argument("--events", type=int, default=1_000_000, help="import file size")
            sub.add_argument(
                "--tickets",
                type=int,
                action="append",
                help="inbox table size (repeatable; default 100000 and 1000000)",
            )
            sub.add_argument("--repeat", type=int, default=200, help="inbox queries per size")
            sub.add_argument(
                "--metrics-tickets",
                type=int,
                default=1_000_000,
                help="tickets of the metrics benchmark (about 5 events each)",
            )
            sub.add_argument(
                "--rebuild-limit",
                type=int,
                default=200_000,
                help="tickets timed for `metrics rebuild` (0 = all)",
            )
            sub.add_argument(
                "--triage-rounds",
                type=int,
                default=20,
                help="times the labelled messages are triaged over (bench/triage.py)",
            )
            sub.add_argument(
                "--ingest-messages",
                type=int,
                default=5_000,
                help="generated .eml messages ingested (bench/ingest.py)",
            )
            sub.add_argument(
                "--ingest-batch",
                type=int,
                default=100,
                help="messages ingested per transaction (1: one by one; bench/ingest.py)",
            )
            sub.add_argument(
                "--keep-database",
                action="store_true",
                help="pages: fill on from what the database holds instead of recreating it",
            )
            sub.add_argument(
                "--quiet",
                action="store_true",
                help="no progress display (it shows only when stderr is a terminal)",
            )
        worker = actions.add_parser("_worker", help="internal: runs inside the bench database")
        worker.add_argument(
            "task", choices=("migrate", "import", "inbox", "metrics", "ingest", "pages")
        )
        worker.add_argument("--rebuild-limit", type=int, default=0)
        worker.add_argument("file", nargs="?", type=Path)
        worker.add_argument("--sizes", type=_sizes, default=[])
        worker.add_argument("--repeat", type=int, default=200)
        worker.add_argument("--statuses", action="append", default=[])
        worker.add_argument("--batch", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        _bench_importable()
        from bench.databases import DEFAULT_POSTGRES_URL, BenchError
        from bench.runner import (
            BenchOptions,
            run_import,
            run_inbox,
            run_metrics,
            run_pages,
            save_results,
        )

        if options["action"] == "_worker":
            self.stdout.write(json.dumps(self._worker(options)))
            return
        backends = ("sqlite", "postgres") if options["backend"] == "both" else (options["backend"],)
        bench = BenchOptions(
            out=options["out"].resolve(),
            backends=backends,
            events=options["events"],
            sizes=tuple(options["tickets"] or (100_000, 1_000_000)),
            repeat=options["repeat"],
            postgres_url=options["postgres_url"] or DEFAULT_POSTGRES_URL,
            metrics_tickets=options["metrics_tickets"],
            rebuild_limit=options["rebuild_limit"],
            # Each step a display of its own, ended before its figures are written to stdout.
            step=lambda description: progress_shown(
                self.stderr, quiet=options["quiet"], description=description
            ),
        )
        bench.out.mkdir(parents=True, exist_ok=True)
        write = self._write
        try:
            if options["action"] in ("all", "import"):
                run_import(bench, write)
            if options["action"] in ("all", "inbox"):
                run_inbox(bench, write)
            if options["action"] in ("all", "metrics"):
                run_metrics(bench, write)
            if options["action"] in ("all", "triage"):
                # In this process: triage is pure logic, no database to keep apart.
                from bench.triage import triage_lines, triage_measure

                result = triage_measure(rounds=options["triage_rounds"])
                bench.results.append(result)
                for line in triage_lines(result):
                    write(line)
            if options["action"] in ("all", "ingest"):
                from bench.ingest import run_ingest

                run_ingest(
                    bench,
                    write,
                    count=options["ingest_messages"],
                    batch=max(1, options["ingest_batch"]),
                )
            if options["action"] in ("all", "pages"):
                run_pages(bench, write, keep=options["keep_database"])
        except BenchError as exc:
            raise CommandError(str(exc)) from exc
        write(f"figures saved to {save_results(bench)}")

    def _write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _worker(self, options: dict[str, Any]) -> dict[str, Any]:
        # Imported here: the worker's settings point at the benchmark database.
        from bench import worker

        name = str(settings.DATABASES["default"]["NAME"])
        if not (name.endswith("_bench") or "_bench_" in name or name.endswith("bench.sqlite3")):
            # The worker drops, fills and times: only ever inside a benchmark database.
            raise CommandError(f"refusing to run a benchmark worker against {name!r}")
        if options["task"] == "migrate":
            return worker.migrate()
        if options["task"] == "import":
            if options["file"] is None:
                raise CommandError("_worker import needs a FILE")
            return worker.history_import_measure(path=options["file"])
        if options["task"] == "ingest":
            if options["file"] is None:
                raise CommandError("_worker ingest needs a FOLDER of .eml files")
            from bench.ingest import ingest_measure

            return ingest_measure(folder=options["file"], batch=max(1, options["batch"]))
        if options["task"] == "metrics":
            if options["file"] is None:
                raise CommandError("_worker metrics needs a FILE")
            return worker.metrics_run(
                path=options["file"],
                repeat=options["repeat"],
                rebuild_limit=options["rebuild_limit"],
            )
        if options["task"] == "pages":
            from bench.pages import pages_run

            return pages_run(sizes=options["sizes"], repeat=options["repeat"])
        return worker.inbox_run(
            sizes=options["sizes"], repeat=options["repeat"], statuses=options["statuses"]
        )
