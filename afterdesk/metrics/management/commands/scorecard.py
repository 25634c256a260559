from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from afterdesk.metrics.cli import load_template, parse_period, write_csv
from afterdesk.metrics.scorecards import scorecard_compute


class Command(BaseCommand):
    help = "Score every agent with data in the period against a template (METRICS.md §5, §6)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--template", required=True, help="template JSON file or id")
        parser.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
        parser.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")
        parser.add_argument("--format", choices=("json", "csv", "table"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = parse_period(options["start"], options["end"])
        template = load_template(options["template"])
        rows = [row.as_json() for row in scorecard_compute(start=start, end=end, template=template)]
        kpi_ids = template.kpi_ids
        categories = [c.name for c in template.categories]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        header = ["rank", "agent", "total", *categories]
        header += [f"{kpi}{suffix}" for kpi in kpi_ids for suffix in ("", "_n", "_score")]
        table: list[list[object]] = []
        for row in rows:
            line: list[object] = [row["rank"], row["agent"], row["total"]]
            line += [row["categories"][name] for name in categories]
            for kpi in kpi_ids:
                item = row["kpis"][kpi]
                line += [item["value"], item["n"], item["score"]]
            table.append(line)
        if options["format"] == "csv":
            write_csv(self.stdout, header, table)
            return
        self._table(
            ["rank", "agent", "total", *categories], [r[: 3 + len(categories)] for r in table]
        )

    def _table(self, header: list[str], rows: list[list[object]]) -> None:
        cells = [header] + [[_cell(c) for c in row] for row in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        for row in cells:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )


def _cell(value: object) -> str:
    """Scores as reported: two decimals; missing as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
