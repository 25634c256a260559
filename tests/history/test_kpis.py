"""`history export` → `history import` into an empty database → identical `kpis` output
(docs/metrics.md, "Commands"), on a synthetic history with calendars, reopens, transfers and
ratings."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from afterdesk.accounts.models import Team
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from bench.synthetic import write_synthetic_history
from tests.history.helpers import flush_history

pytestmark = pytest.mark.django_db
PERIOD = ["--from", "2020-01-01T00:00:00Z", "--to", "2030-01-01T00:00:00Z"]


def kpis_output(*extra: str) -> str:
    out = StringIO()
    call_command("kpis", *PERIOD, *extra, stdout=out)
    return out.getvalue()


def test_export_then_import_into_an_empty_database_gives_identical_kpis(tmp_path: Path) -> None:
    source = tmp_path / "source.jsonl"
    write_synthetic_history(source, tickets=150, agents=8, seed=7)
    assert not history_import(source).errors
    before_json, before_csv = kpis_output(), kpis_output("--format", "csv")
    assert before_json.count('"agent"') >= 5  # the comparison is about real figures

    exported = io.StringIO()
    history_export(exported)
    flush_history()
    Team.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(exported.getvalue(), encoding="utf-8")
    assert not history_import(copy).errors

    assert kpis_output() == before_json
    assert kpis_output("--format", "csv") == before_csv
