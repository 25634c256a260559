from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = StringIO()
    call_command("triage", *args, stdout=out)
    return out.getvalue()


def test_measure_prints_both_splits_per_language() -> None:
    output = run("measure")
    assert "== tuning:" in output
    assert "== held-out:" in output
    for language in ("en", "es", "de", "fr", "it", "pt", "ja", "zh", "all"):
        assert f"\n{language} " in output
    assert "chargeback" in output
    assert "presale_question" in output


def test_measure_a_file_with_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps({"id": "en-b1", "lang": "en", "subject": "", "body": "Hello there, lovely day.",
                    "issue_type": "damaged", "risk_flags": []}) + "\n"
    )  # fmt: skip
    output = run("measure", "--file", str(path), "--split", "all", "--errors")
    assert "== all: 1 messages ==" in output
    assert "en-b1: issue other (want damaged)" in output


def test_measure_refuses_a_missing_or_bad_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("measure", "--file", str(tmp_path / "none.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    with pytest.raises(CommandError, match="line 1"):
        run("measure", "--file", str(bad))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(CommandError, match="no messages"):
        run("measure", "--file", str(empty))


def test_message_prints_the_triage_as_json() -> None:
    body = "Mein Paket ist beschädigt angekommen, bitte Ersatz."
    output = run("message", "--subject", "Paket", body)
    result = json.loads(output)
    assert result["language"] == "de"
    assert result["issue_type"] == "damaged"
    assert "beschadigt" in result["issue_reason"] or "beschädigt" in result["issue_reason"]
