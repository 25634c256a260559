"""`python -m bench.load.verify MARKERS.json RUN_ID`: nothing lost, nothing doubled.

Reads the markers the simulated agents wrote (bench/load/locustfile.py) and the messages stored
with them, and prints a JSON verdict: every acknowledged reply and note (HTTP 201) is stored
exactly once, as the right kind of message on the right ticket, with its event; any marker
stored twice, or stored without having been acknowledged, is listed.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def main() -> None:
    markers_path, run_id = Path(sys.argv[1]), sys.argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterdesk.settings")
    import django

    django.setup()
    from afterdesk.tickets.models import Message

    sent: dict[str, Any] = json.loads(markers_path.read_text())
    pattern = re.compile(rf"load-{re.escape(run_id)}-[\w.]+-\d+")
    stored: Counter[str] = Counter()
    where: dict[str, tuple[str, int, str, str]] = {}
    rows = Message.objects.filter(body_text__contains=f"load-{run_id}-").values_list(
        "body_text", "kind", "ticket_id", "event__kind", "event__subtype"
    )
    for body, kind, ticket, event_kind, event_subtype in rows:
        for marker in pattern.findall(body):
            stored[marker] += 1
            where[marker] = (kind, ticket, event_kind, event_subtype)
    acknowledged = {row["marker"]: row for row in sent["acknowledged"]}
    missing = sorted(m for m in acknowledged if stored[m] == 0)
    doubled = sorted(m for m, n in stored.items() if n > 1)
    wrong = sorted(
        m
        for m, row in acknowledged.items()
        if m in where
        and (where[m][0], where[m][1], where[m][2], where[m][3])
        != (row["kind"], row["ticket"], "message", row["kind"])
    )
    unacknowledged_stored = sorted(m for m in stored if m not in acknowledged)
    verdict = {
        "acknowledged": len(acknowledged),
        "acknowledged_replies": sum(1 for r in acknowledged.values() if r["kind"] == "reply"),
        "acknowledged_notes": sum(1 for r in acknowledged.values() if r["kind"] == "note"),
        "unacknowledged": len(sent["unacknowledged"]),
        "stored": sum(stored.values()),
        "missing": missing[:20],
        "doubled": doubled[:20],
        "wrong_kind_or_ticket": wrong[:20],
        "stored_without_acknowledgement": unacknowledged_stored[:20],
        "ok": not (missing or doubled or wrong) and len(stored) >= len(acknowledged),
    }
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
