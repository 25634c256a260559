"""`afterdesk bench triage`: buyer messages triaged per second on one core
(`afterdesk.triage.triage_message`, docs/triage.md), in this process: no database.

The messages are the labelled sets of tests/data/ (realistic buyer mail in eight languages,
short and long), triaged `rounds` times over in a shuffled order. The first call, which builds
the language detector and compiles the lexicons, is timed on its own.
"""

from __future__ import annotations

import json
import random
import resource
import time
from pathlib import Path
from statistics import median
from typing import Any

TRIAGE_TARGET_PER_SECOND = 1_000  # ≫ the ingest pipeline's 200 messages/s
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FILES = (
    "triage_messages.jsonl",
    "triage_messages_blind.jsonl",
    "triage_messages_blind_t.jsonl",
)


def _messages() -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    for name in FILES:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                messages.append((row.get("subject", ""), row["body"]))
    return messages


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def triage_measure(rounds: int = 20, seed: int = 7) -> dict[str, Any]:
    from afterdesk.triage import triage_message
    from afterdesk.triage.language import language_detect

    messages = _messages()
    rss_before = _rss_mb()
    started = time.perf_counter()
    triage_message(*messages[0])
    first_call_s = time.perf_counter() - started

    order = messages * rounds
    random.Random(seed).shuffle(order)
    each: list[float] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for subject, body in order:
        t0 = time.perf_counter()
        triage_message(subject, body)
        each.append(time.perf_counter() - t0)
    seconds = time.perf_counter() - started
    # CPU time: what the messages cost on one core, apart from the time spent waiting for one
    # on a busy machine (wall clock above).
    cpu_seconds = time.process_time() - cpu_started

    # The language detector alone, the same messages: the part of the cost lingua takes.
    cpu_started = time.process_time()
    for subject, body in order:
        language_detect(body if len(body.strip()) >= 40 else f"{subject}\n{body}")
    language_cpu_seconds = time.process_time() - cpu_started

    each.sort()
    chars = sum(len(subject) + len(body) for subject, body in messages) / len(messages)
    return {
        "kind": "triage",
        "messages": len(order),
        "distinct_messages": len(messages),
        "mean_chars": round(chars),
        "seconds": seconds,
        "messages_per_second": len(order) / seconds,
        "cpu_seconds": cpu_seconds,
        "messages_per_cpu_second": len(order) / cpu_seconds,
        "p50_ms": median(each) * 1000,
        "p95_ms": each[int(len(each) * 0.95) - 1] * 1000,
        "max_ms": each[-1] * 1000,
        "language_only_per_cpu_second": len(order) / language_cpu_seconds,
        "first_call_seconds": first_call_s,
        "rss_growth_mb": _rss_mb() - rss_before,
    }


def triage_lines(result: dict[str, Any]) -> list[str]:
    rate = result["messages_per_cpu_second"]
    verdict = "met" if rate >= TRIAGE_TARGET_PER_SECOND else "MISSED"
    return [
        f"triage  {result['messages']:,} messages ({result['distinct_messages']} distinct, "
        f"{result['mean_chars']} characters on average): {rate:,.0f} messages per CPU second "
        f"on one core  [target ≥ {TRIAGE_TARGET_PER_SECOND:,}/s: {verdict}]; wall clock "
        f"{result['seconds']:.1f} s, {result['messages_per_second']:,.0f} messages/s",
        f"  per message p50 {result['p50_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms, "
        f"max {result['max_ms']:.2f} ms (wall clock); language detection alone: "
        f"{result['language_only_per_cpu_second']:,.0f} messages per CPU second",
        f"  first call (builds the detector, compiles the lexicons) "
        f"{result['first_call_seconds']:.2f} s; peak RSS grew {result['rss_growth_mb']:.0f} MB",
    ]
