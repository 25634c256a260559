from __future__ import annotations

import pytest

from afterdesk.triage.lexicon import (
    ISSUE_TYPES,
    NEGATABLE,
    RISK_FLAGS,
    LexiconError,
    lexicon_parse,
    lexicons,
)
from afterdesk.triage.text import normalize

LATIN = """
name = "Test"
negations = ["not", "no"]
clause_breaks = ["but"]

[issue.damaged]
"damag*" = 3
"arrived .. broken" = 4

[issue.refund_request]
"received .. refund" = 2

[risk.atoz_claim]
"a-to-z" = 80
"""

CJK = """
script = "cjk"
negations = ["没有"]
negations_after = ["はありません"]

[issue.damaged]
"破损" = 3
"破損" = 3
"""


def labels(lexicon_source: str, text: str, cjk: bool = False) -> list[tuple[str, bool]]:
    lexicon = lexicon_parse("xx", lexicon_source)
    hits = [*lexicon.issue_hits(normalize(text)), *lexicon.risk_hits(normalize(text))]
    return [(hit.entry.phrase, hit.negated) for hit in hits]


def test_a_star_matches_any_ending_and_whole_words_only() -> None:
    assert labels(LATIN, "It was DAMAGED.") == [("damag*", False)]
    assert labels(LATIN, "It was undamaged.") == []


def test_a_gap_spans_up_to_three_words() -> None:
    assert labels(LATIN, "arrived completely broken") == [("arrived .. broken", False)]
    assert labels(LATIN, "arrived broken") == [("arrived .. broken", False)]
    assert labels(LATIN, "arrived on a very sunny day, broken") == []


def test_a_hyphen_matches_a_space_a_hyphen_or_nothing() -> None:
    for text in ("an A-to-z claim", "an a to z claim", "an atoz claim", "an A-to-Z claim"):
        assert labels(LATIN, text) == [("a-to-z", False)], text


def test_a_negation_before_a_phrase_in_the_same_clause_cancels_it() -> None:
    assert labels(LATIN, "The box was not damaged") == [("damag*", True)]
    # A comma or a contrast word ends the negation's reach.
    assert labels(LATIN, "Not what I hoped, damaged") == [("damag*", False)]
    assert labels(LATIN, "no receipt but it is damaged") == [("damag*", False)]
    # Too far before the phrase.
    assert labels(LATIN, "not sure why the lid got damaged") == [("damag*", False)]


def test_a_negation_does_not_cancel_a_refund_phrase() -> None:
    assert "refund_request" not in NEGATABLE
    assert labels(LATIN, "I have not received my refund") == [("received .. refund", False)]


def test_cjk_phrases_match_inside_text_and_negations_on_either_side() -> None:
    assert labels(CJK, "杯子破损了") == [("破损", False)]
    assert labels(CJK, "外箱没有破损") == [("破损", True)]
    assert labels(CJK, "箱に破損はありませんでした") == [("破損", True)]
    assert labels(CJK, "破損して届きました") == [("破損", False)]


def test_a_phrase_inside_a_longer_match_counts_once_but_overlaps_count() -> None:
    source = LATIN + '\n[issue.not_received]\n"not received" = 3\n'
    found = labels(source, "I have not received the refund")
    assert ("not received", False) in found
    assert ("received .. refund", False) in found


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[issue.lost]\n'x' = 1", "unknown label"),
        ("[issue.damaged]\n'x' = 0", "positive number"),
        ("[issue.damaged]\n'x' = true", "positive number"),
        ("[issue.damaged]\n'x' = 'heavy'", "positive number"),
        ("[issue.damaged]\n' ' = 1", "empty phrase"),
        ("[issue]\ndamaged = 1", "phrase = weight"),
        ("[issue.damaged\n", "lexicons/xx.toml"),
    ],
)
def test_a_bad_lexicon_is_refused_with_where_and_why(source: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        lexicon_parse("xx", source)


def test_the_shipped_lexicons_load_and_cover_every_issue_type() -> None:
    shipped = lexicons()
    assert set(shipped) == {"en", "es", "de", "fr", "it", "pt", "ja", "zh"}
    for language, lexicon in shipped.items():
        issue_labels = {entry.label for entry in lexicon.issue_entries}
        risk_labels = {entry.label for entry in lexicon.risk_entries}
        assert issue_labels == set(ISSUE_TYPES), language
        assert risk_labels == set(RISK_FLAGS), language
        assert lexicon.cjk == (language in {"ja", "zh"})


def test_claim_cues_are_whole_words_in_latin_text() -> None:
    lexicon = lexicon_parse("xx", 'claim_filed = ["i have"]\nclaim_threat = ["if"]\n' + LATIN)
    assert lexicon.claim_filed.search(normalize("I have opened a case"))
    assert not lexicon.claim_filed.search(normalize("Chi haves"))
    assert lexicon.claim_threat.search(normalize("if not"))
    assert not lexicon.claim_threat.search(normalize("a gift"))


def test_claim_cues_must_be_a_list_of_words() -> None:
    with pytest.raises(LexiconError, match="claim_filed must be a list of words"):
        lexicon_parse("xx", 'claim_filed = "i have"\n' + LATIN)
