from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.cli import load_template, parse_period, write_csv
from afterdesk.metrics.scorecards import scorecard_compute


class Command(BaseCommand):
    help = (
        "Score every agent with data in the period: under their own template "
        '(docs/metrics.md, "Positions and templates"), or everyone under --template (what-if).'
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--template",
            help="template JSON file or id: score everyone under it (default: each agent "
            "under their own template)",
        )
        parser.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
        parser.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")
        parser.add_argument("--format", choices=("json", "csv", "table"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = parse_period(options["start"], options["end"])
        template = load_template(options["template"]) if options["template"] else None
        scored = scorecard_compute(start=start, end=end, template=template)
        rows = [row.as_json() for row in scored]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        # Own templates differ in categories and KPIs: the columns are their union, in the
        # templates' order (KPIs in catalogue order), empty where a row's template has none.
        categories = list(dict.fromkeys(name for row in rows for name in row["categories"]))
        used = {kpi for row in rows if row["template"] for kpi in row["kpis"]}
        kpi_ids = template.kpi_ids if template else [k for k in KPI_IDS if k in used]
        lead = ["template", "rank", "agent", "total"]
        header = [*lead, *categories]
        header += [f"{kpi}{suffix}" for kpi in kpi_ids for suffix in ("", "_n", "_score")]
        table: list[list[object]] = []
        for row in rows:
            line: list[object] = [row["template"], row["rank"], row["agent"], row["total"]]
            line += [row["categories"].get(name) for name in categories]
            for kpi in kpi_ids:
                item = row["kpis"].get(kpi)
                line += [item["value"], item["n"], item["score"]] if item else [None] * 3
            table.append(line)
        if options["format"] == "csv":
            write_csv(self.stdout, header, table)
            return
        width = len(lead) + len(categories)
        # An agent without a template reads "-" in the template column, not a blank.
        self._table(header[:width], [[r[0] or "-", *r[1:width]] for r in table])

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
