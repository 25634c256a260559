from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from afterdesk.accounts.models import User
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.cli import load_template, parse_period, write_csv
from afterdesk.metrics.kpis import compute_kpis, kpis_as_json


class Command(BaseCommand):
    help = "Every KPI (value and n) for every agent with data in the period (docs/metrics.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--template", help="template JSON file or built-in id")
        parser.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
        parser.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = parse_period(options["start"], options["end"])
        template = load_template(options["template"])
        values = compute_kpis(start=start, end=end, template=template)
        names = dict(User.objects.filter(pk__in=values).values_list("pk", "username"))
        rows: list[dict[str, Any]] = sorted(
            ({"agent": names[a], "kpis": kpis_as_json(v)} for a, v in values.items()),
            key=lambda row: str(row["agent"]),
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        header = ["agent"] + [f"{kpi}{suffix}" for kpi in KPI_IDS for suffix in ("", "_n")]
        table: list[list[object]] = [
            [row["agent"]] + [row["kpis"][kpi][key] for kpi in KPI_IDS for key in ("value", "n")]
            for row in rows
        ]
        write_csv(self.stdout, header, table)
