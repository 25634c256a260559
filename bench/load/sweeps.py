"""`python -m bench.load.sweeps --every S --duration S`: the alert sweep, every S seconds.

Runs the worker's periodic task (alerts.tasks.alerts_sweep_periodic: the sweep in a
transaction, then the alert email queued to the worker) every S seconds, where huey's scheduler
runs it every 15 minutes. It runs here, in a process of its own beside the web and task
workers, because huey keeps no result of a periodic task that a caller could wait for; this
way each sweep's time and failure are seen. Prints one JSON line with each sweep's wall time
and the alerts it created; a failed sweep is an error (exit code 1).
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=float, default=15)
    parser.add_argument("--duration", type=float, default=60)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterdesk.settings")
    import django

    django.setup()
    from afterdesk.alerts.tasks import alerts_sweep_periodic

    runs: list[dict[str, float | int]] = []
    errors: list[str] = []
    end = time.monotonic() + options.duration
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            created = alerts_sweep_periodic.call_local()
            runs.append({"seconds": round(time.monotonic() - started, 3), "created": created})
        except Exception as exc:  # a failed sweep: report it
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(max(0.0, options.every - (time.monotonic() - started)))
    print(json.dumps({"sweeps": runs, "errors": errors}))
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
