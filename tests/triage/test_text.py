from __future__ import annotations

import json
from pathlib import Path

import pytest

from afterdesk.triage.text import has_cjk, has_kana, normalize, normalize_mapped

DATA = Path(__file__).resolve().parent.parent / "data"


def test_latin_accents_and_case_are_folded() -> None:
    assert normalize("Beschädigt ANGEKOMMEN") == "beschadigt angekommen"
    assert normalize("Ça n'a pas été livré") == "ca n'a pas ete livre"
    assert normalize("Größe") == "grosse"


def test_japanese_voiced_marks_are_kept() -> None:
    # Stripping combining marks everywhere would turn が into か.
    assert normalize("届きません。ガラスが") == "届きません。ガラスが"


def test_full_width_forms_and_typographic_apostrophes_become_plain() -> None:
    assert normalize("ＸＸＬ サイズ") == "xxl サイズ"
    assert normalize("I haven’t received it") == "i haven't received it"


def test_spaces_collapse_but_line_breaks_stay() -> None:
    assert normalize("  a \t b \n\n  c  ") == "a b\nc"


def test_script_checks() -> None:
    assert has_cjk("包裹")
    assert has_cjk("届く")
    assert not has_cjk("paquete")
    assert has_kana("届く")
    assert not has_kana("包裹")


@pytest.mark.parametrize(
    "text",
    ["  Ça\tva \n\n bien  ", "e\u0301te\u0301", "か\u3099ラス", "ＸＸＬ\u3000サイズ", "Straße",
     "ﬁne", "a\r\nb", "İstanbul", "", "\n\n"],
)  # fmt: skip
def test_the_mapped_normalisation_is_the_same_text(text: str) -> None:
    normalized, origins = normalize_mapped(text)
    assert normalized == normalize(text)
    assert len(origins) == len(normalized)
    assert origins == sorted(origins)


def test_the_mapped_normalisation_agrees_on_every_labelled_message() -> None:
    for name in ("triage_messages.jsonl", "triage_messages_blind.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = f"{row['subject']}\n{row['body']}"
            assert normalize_mapped(text)[0] == normalize(text), row["id"]


def test_origins_lead_back_to_the_original_words() -> None:
    text = "Die Ware ist  BESCHÄDIGT angekommen"
    normalized, origins = normalize_mapped(text)
    start = normalized.index("beschadigt")
    end = start + len("beschadigt angekommen")
    assert text[origins[start] : origins[end - 1] + 1] == "BESCHÄDIGT angekommen"
