from __future__ import annotations

import argparse
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from afterdesk.core.demo_guard import (
    DEMO_REFUSED_MESSAGE,
    DemoDecision,
    demo_decision,
    demo_refused,
)


class Command(BaseCommand):
    help = (
        "Migrate and serve the web app with the background task consumer in the same process; "
        "with --demo, load the demo data into an empty database first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--demo",
            action="store_true",
            help="load the demo data (published passwords) into an empty database; "
            "refused with DEBUG off unless --force-demo",
        )
        parser.add_argument(
            "--force-demo",
            action="store_true",
            help="allow --demo with DEBUG off (a machine of your own, as `make run` does)",
        )
        # The demo used to be the default; --no-demo is accepted (and changes nothing) so that
        # existing scripts keep working.
        parser.add_argument("--no-demo", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        requested = options["demo"] and not options["no_demo"]
        guard = {"requested": requested, "forced": options["force_demo"], "debug": settings.DEBUG}
        if demo_refused(**guard):
            raise CommandError(DEMO_REFUSED_MESSAGE)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Django's user model, not accounts': core sits below every app.
        User = get_user_model()

        decision = demo_decision(**guard, database_empty=not User.objects.exists())
        demo_loaded_now = decision is DemoDecision.LOAD
        if demo_loaded_now:
            self.stderr.write("Empty database: loading the demo data (about half a minute)…")
            call_command("demo")  # prints the demo login itself
        self._start_consumer()
        from waitress import serve

        from afterdesk.wsgi import application

        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"Afterdesk is running on {url}")
        if decision is DemoDecision.NOT_EMPTY and User.objects.filter(username="admin").exists():
            self.stdout.write(
                "Demo login: admin / afterdesk-demo (agents: their id, same password)"
            )
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            # waitress drops every X-Forwarded-* header unless told otherwise; with proxies
            # configured, afterdesk.core.proxy keeps them from those proxies only.
            clear_untrusted_proxy_headers=not settings.AFTERDESK_TRUSTED_PROXIES,
        )

    def _start_consumer(self) -> None:
        from huey.contrib.djhuey import HUEY

        consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=True)
        # The consumer's own signal handlers belong to the main thread, which waitress owns.
        consumer._set_signal_handlers = lambda: None
        threading.Thread(target=consumer.run, name="huey-consumer", daemon=True).start()
