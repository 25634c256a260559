from __future__ import annotations

from afterdesk.triage.text import has_cjk, has_kana, normalize


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
