"""`python -m bench.load.run` (`make load`): the load test, on loopback only, in a throwaway
data directory (and, with DATABASE_URL, a throwaway PostgreSQL database whose name ends in
`_load`). See bench/README.md, "Load test".

1. migrate, collectstatic and `afterdesk demo` into the new database; the agents and their
   tokens (bench.load.prepare); a synthetic history file to import during the run;
2. gunicorn (several sync workers, 127.0.0.1 only) and `afterdesk worker`, as docs/deploy.md
   runs them;
3. locust, headless, with a fixed number of agents for a fixed time (bench/load/locustfile.py);
   meanwhile `afterdesk history import` of the file, and the alert sweep queued to the worker
   every few seconds (bench.load.sweeps);
4. verification: no failed request, the import and every sweep succeeded, nothing lost or
   doubled (bench.load.verify), no worker timeout or traceback in gunicorn's log; p95 per action.

Exit code 0 only when all of that holds. Figures: printed, and in OUT/<backend>/report.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "load-test-agent-password"  # noqa: S105 - throwaway agents in a throwaway database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", type=int, default=90, help="seconds of load")
    parser.add_argument("--tickets", type=int, default=3000, help="demo tickets")
    parser.add_argument("--import-tickets", type=int, default=20000, help="0: no import")
    parser.add_argument("--import-after", type=float, default=15, help="seconds into the run")
    parser.add_argument("--sweep-every", type=float, default=15)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--task-workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load")
    options = parser.parse_args()
    report = run(options)
    print(json.dumps(report, indent=1))
    raise SystemExit(0 if report["ok"] else 1)


def run(options: argparse.Namespace) -> dict[str, Any]:
    database_url = os.environ.get("DATABASE_URL", "")
    backend = "postgresql" if database_url.startswith("postgres") else "sqlite"
    out = (options.out / backend).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "HUEY_IMMEDIATE", "SECRET_KEY"}
    }
    env.update(
        AFTERDESK_DATA_DIR=str(out / "data"),
        DJANGO_SETTINGS_MODULE="afterdesk.settings",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if backend == "postgresql":
        postgres_recreate(database_url)
        env["DATABASE_URL"] = database_url
    timings: dict[str, float] = {}

    def step(name: str, *command: str) -> None:
        started = time.monotonic()
        print(f"== {name}", file=sys.stderr, flush=True)
        with (out / "setup.log").open("a") as log:
            subprocess.run(command, cwd=ROOT, env=env, stdout=log, check=True)  # noqa: S603
        timings[name] = round(time.monotonic() - started, 1)

    afterdesk = (sys.executable, "-m", "afterdesk.cli")
    step("migrate", *afterdesk, "migrate", "-v0")
    step("collectstatic", *afterdesk, "collectstatic", "--noinput", "-v0")
    step("demo", *afterdesk, "demo", "--tickets", str(options.tickets))
    agents = out / "agents.json"
    prepare = ("bench.load.prepare", str(agents), "--agents", str(options.users))
    step("agents", sys.executable, "-m", *prepare, "--password", PASSWORD)
    history = out / "import.jsonl"
    if options.import_tickets:
        script = synthetic_script(history, options.import_tickets)
        step("history file", sys.executable, "-c", script)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    logs = {name: (out / f"{name}.log").open("w") for name in ("gunicorn", "worker", "locust")}
    gunicorn = start(
        [
            str(BIN / "gunicorn"),
            "afterdesk.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={options.web_workers}",
            "--timeout=60",
            "--graceful-timeout=20",
            f"--access-logfile={out / 'access.log'}",
        ],
        env,
        logs["gunicorn"],
    )
    worker = start(
        [*afterdesk, "worker", "--workers", str(options.task_workers)], env, logs["worker"]
    )
    background: list[subprocess.Popen[str]] = [gunicorn, worker]
    try:
        wait_ready(f"{host}/accounts/login/", gunicorn)
        run_id = uuid.uuid4().hex[:8]
        markers = out / "markers.json"
        locust_env = {
            **env,
            "LOAD_RUN_ID": run_id,
            "LOAD_AGENTS": str(agents),
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_MARKERS_OUT": str(markers),
        }
        started = time.monotonic()
        locust = start(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "load" / "locustfile.py"),
                "--headless",
                f"--users={options.users}",
                f"--spawn-rate={options.spawn_rate}",
                f"--run-time={options.time}s",
                f"--host={host}",
                f"--csv={out / 'locust'}",
                "--stop-timeout=15",
                "--only-summary",
                "--exit-code-on-error=0",
            ],
            locust_env,
            logs["locust"],
        )
        background.append(locust)
        sweeps = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bench.load.sweeps",
                f"--every={options.sweep_every}",
                f"--duration={max(options.time - 10, 1)}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        background.append(sweeps)
        loads: list[float] = []
        sampling = threading.Event()
        sampler = threading.Thread(target=load_sample, args=(loads, sampling), daemon=True)
        sampler.start()
        time.sleep(options.import_after)
        import_started = time.monotonic()
        imported = subprocess.run(  # noqa: S603
            [*afterdesk, "history", "import", str(history)]
            if options.import_tickets
            else ["true"],  # --import-tickets 0: no import
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        import_seconds = round(time.monotonic() - import_started, 1)
        import_inside_run = time.monotonic() - started < options.time
        sweep_out, sweep_err = sweeps.communicate(timeout=options.time + 300)
        locust.wait(timeout=options.time + 120)
        sampling.set()
        sampler.join()
    finally:
        for process in reversed(background):
            stop(process)
        for log in logs.values():
            log.close()

    verified = json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.load.verify", str(markers), run_id],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    actions = locust_stats(out / "locust_stats.csv")
    failures = locust_failures(out / "locust_failures.csv")
    server_log = (out / "gunicorn.log").read_text()
    server_problems = [
        line
        for line in server_log.splitlines()
        if "WORKER TIMEOUT" in line or "Traceback" in line or "[ERROR]" in line
    ]
    try:
        sweep_report = json.loads(sweep_out.strip().splitlines()[-1])
    except (IndexError, ValueError):
        sweep_report = {"sweeps": [], "errors": [sweep_err[-2000:] or "no output"]}
    total = actions.get("Aggregated", {})
    report: dict[str, Any] = {
        "backend": backend,
        "users": options.users,
        "seconds": options.time,
        "web_workers": options.web_workers,
        "task_workers": options.task_workers,
        "setup_seconds": timings,
        # The machine's 1-minute load average every 2 s of the run: other jobs count too.
        "load_average": {
            "min": min(loads, default=0),
            "mean": round(sum(loads) / max(len(loads), 1), 2),
            "max": max(loads, default=0),
        },
        "actions": actions,
        "requests": total.get("requests", 0),
        "failed_requests": total.get("failures", 0),
        "failures": failures,
        "history_import": {
            "tickets": options.import_tickets,
            "exit_code": imported.returncode,
            "seconds": import_seconds,
            "finished_inside_the_run": import_inside_run,
            "summary": imported.stdout.strip().splitlines()[:3],
            "errors": imported.stderr.strip().splitlines()[-5:],
        },
        "alert_sweeps": {
            "count": len(sweep_report["sweeps"]),
            "seconds": [run["seconds"] for run in sweep_report["sweeps"]],
            "errors": sweep_report["errors"],
        },
        "server_problems": server_problems[:20],
        "writes": verified,
    }
    report["ok"] = (
        report["failed_requests"] == 0
        and total.get("requests", 0) > 0
        and imported.returncode == 0
        and not sweep_report["errors"]
        and bool(sweep_report["sweeps"])
        and not server_problems
        and verified["ok"]
        and verified["unacknowledged"] == 0
    )
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(markdown(report), file=sys.stderr)
    return report


def load_sample(loads: list[float], done: threading.Event) -> None:
    while not done.wait(2):
        loads.append(round(os.getloadavg()[0], 2))


def postgres_recreate(url: str) -> None:
    """Drop and create the load test's database: only one whose name ends in `_load`."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_load"):
        raise SystemExit(f"the load test drops its database: the name must end in _load: {name!r}")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def synthetic_script(path: Path, tickets: int) -> str:
    return (
        "import django; django.setup()\n"
        "from pathlib import Path\n"
        "from bench.synthetic import write_synthetic_history\n"
        f"print(write_synthetic_history(Path({str(path)!r}), tickets={tickets}, seed=7), "
        "'events')\n"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str], log: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see its log")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within 120 s")


def locust_stats(path: Path) -> dict[str, dict[str, Any]]:
    actions: dict[str, dict[str, Any]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            actions[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
                "per_second": round(float(row["Requests/s"]), 2),
            }
    return actions


def locust_failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            {"name": row["Name"], "error": row["Error"][:300], "count": row["Occurrences"]}
            for row in csv.DictReader(handle)
        ]


def _number(value: str) -> float | None:
    try:
        return round(float(value), 1)
    except ValueError:  # "N/A"
        return None


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| action | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in sorted(report["actions"].items(), key=lambda item: item[0] == "Aggregated"):
        lines.append(
            f"| {name} | {row['requests']} | {row['failures']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
