from __future__ import annotations

import dataclasses

import pytest

from afterdesk.triage import Triage, priority_raise, triage_message
from afterdesk.triage.engine import MAX_CHARS, priority_for


@pytest.mark.parametrize(
    ("subject", "body", "language", "issue_type", "phrase"),
    [
        ("Kaputt", "Die Vase kam in Scherben an, der Karton war eingedrückt.", "de", "damaged",
         "Scherben"),
        ("", "Where is my order?? It has been three weeks now.", "en", "not_received",
         "Where is my order"),
        ("Talla", "Hola, las zapatillas me quedan grandes aunque pedí mi número de siempre.", "es",
         "size_issue", "me quedan grandes"),
        ("", "Il manque les vis dans le colis, impossible de monter l'étagère.", "fr",
         "missing_item", "Il manque"),
        ("", "Mi è arrivato il colore sbagliato, volevo il nero.", "it", "wrong_item",
         "colore sbagliato"),
        ("", "O carregador parou de funcionar depois de uma semana.", "pt", "quality_issue",
         "parou de funcionar"),
        ("", "注文した商品がまだ届いていません。", "ja", "not_received", "まだ届いていません"),
        ("", "收到的杯子已经碎了，箱子也压扁了。", "zh", "damaged", "已经碎了"),
    ],
)  # fmt: skip
def test_issue_type_and_its_reason(
    subject: str, body: str, language: str, issue_type: str, phrase: str
) -> None:
    result = triage_message(subject, body)
    assert (result.language, result.issue_type) == (language, issue_type)
    assert f"'{phrase}'" in result.issue_reason
    assert issue_type in result.issue_reason


def test_reasons_quote_the_buyers_own_words() -> None:
    # The lexicon's phrase is "beschadig*" (no accent, any ending); the reason shows the mail.
    result = triage_message("", "Hallo, die Lampe ist leider BESCHÄDIGT  angekommen.")
    assert "'BESCHÄDIGT  angekommen'" not in result.issue_reason  # white space made one
    assert "'BESCHÄDIGT angekommen' (de)" in result.issue_reason
    match = next(m for m in result.matches if m.label == "damaged")
    assert match.text == "BESCHÄDIGT  angekommen"
    assert match.phrase != match.text


def test_the_problem_outweighs_the_remedy_asked_for() -> None:
    result = triage_message("", "The mug arrived broken. Please refund me.")
    assert result.issue_type == "damaged"
    assert "refund_request" in result.issue_reason  # the loser is shown too


def test_a_negated_problem_does_not_count() -> None:
    result = triage_message("", "The box was not damaged at all, but you sent the wrong colour.")
    assert result.issue_type == "wrong_item"
    assert "ignored negated 'damaged'" in result.issue_reason


def test_nothing_matched_is_other_with_that_reason() -> None:
    result = triage_message("Hello", "Lorem ipsum dolor sit amet, consectetur adipiscing.")
    assert result.issue_type == "other"
    assert result.issue_reason.startswith("no issue phrase matched")
    assert (result.risk, result.risk_flags, result.priority) == (0, (), "normal")


def test_a_chargeback_threat_is_urgent_with_its_reason() -> None:
    result = triage_message(
        "Unacceptable",
        "SECOND TIME IT ARRIVES DAMAGED!!! I am calling my credit card company to reverse the "
        "charge.",
    )
    assert result.issue_type == "damaged"
    assert "chargeback" in result.risk_flags
    assert result.priority == "urgent"
    assert "'reverse the charge' (en)" in result.risk_reason
    assert result.risk_reason.endswith("priority urgent")


@pytest.mark.parametrize(
    ("body", "flag"),
    [
        ("Ich habe einen PayPal-Konfliktfall eröffnet.", "paypal_dispute"),
        ("Si no llega abro una reclamación de la garantía de la A a la Z.", "atoz_claim"),
        ("Mon avocat est informé, nous irons au tribunal.", "legal"),
        ("Lascerò una recensione negativa a questo negozio.", "bad_review"),
        ("我已经向银行申请拒付了。", "chargeback"),
        ("最悪です。詐欺じゃないですか。", "negative_sentiment"),
    ],
)
def test_risk_flags_in_several_languages(body: str, flag: str) -> None:
    result = triage_message("", body)
    assert flag in result.risk_flags
    assert result.priority in {"high", "urgent"}


def test_a_weak_hint_alone_raises_no_flag() -> None:
    # "everywhere" supports a review threat, it is not one.
    result = triage_message("", "There was glitter everywhere in the box, the lamp is cracked.")
    assert result.risk_flags == ()
    assert "no flag" in result.risk_reason


def test_capitals_and_exclamations_strengthen_negative_words_only() -> None:
    calm = triage_message("", "This is a terrible experience, the order is late.")
    loud = triage_message("", "THIS IS A TERRIBLE EXPERIENCE, THE ORDER IS LATE!!!")
    assert loud.risk > calm.risk
    assert "written in capitals" in loud.risk_reason
    happy = triage_message("", "THANK YOU SO MUCH FOR THE FAST DELIVERY!!!")
    assert happy.risk == 0


def test_an_a_to_z_claim_is_not_also_a_platform_claim() -> None:
    result = triage_message(
        "", "Si no llega abro una reclamación de la garantía de la A a la Z en Amazon."
    )
    assert "atoz_claim" in result.risk_flags
    assert "platform_claim" not in result.risk_flags


def test_a_misdetected_language_falls_back_to_every_lexicon() -> None:
    # lingua reads this Italian as English; the Italian lexicon still decides the issue.
    result = triage_message(
        "Come si collega?", "Salve, come collego la cassa al portatile via bluetooth?"
    )
    assert result.issue_type == "usage_question"
    assert "(it)" in result.issue_reason


def test_the_result_is_frozen_and_carries_every_match() -> None:
    result = triage_message("", "The parcel arrived damaged, I will leave a 1 star review.")
    assert isinstance(result, Triage)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.priority = "low"  # type: ignore[misc]
    assert {m.label for m in result.matches} >= {"damaged", "bad_review"}


def test_priority_bands() -> None:
    assert [priority_for(r) for r in (0, 39, 40, 69, 70, 100)] == [
        "normal", "normal", "high", "high", "urgent", "urgent",
    ]  # fmt: skip


def test_triage_only_ever_raises_a_priority() -> None:
    assert priority_raise("normal", "urgent") == "urgent"
    assert priority_raise("urgent", "high") == "urgent"
    assert priority_raise("low", "normal") == "normal"
    assert priority_raise("high", "bogus") == "high"


def test_a_huge_message_is_read_from_its_start_and_its_reason_stays_short() -> None:
    sentence = "The box arrived damaged. "
    result = triage_message("", sentence * 50_000)  # 1.25 MB
    assert result.issue_type == "damaged"
    assert len(result.matches) == MAX_CHARS // len(sentence)
    assert f"'arrived damaged' (en) ×{MAX_CHARS // len(sentence)}" in result.issue_reason
    assert len(result.issue_reason) < 200


@pytest.mark.parametrize(
    "body",
    [
        "Que legal, chegou rápido e bem embalado!",  # pt "legal" = great
        "Como funciona o processo de devolução?",  # pt "processo" = process
        "Le pantalon est un peu trop court pour moi.",  # fr "court" = short
        "Die Anzeige des Thermometers zeigt nichts mehr an.",  # de "Anzeige" = display
        "Das Gericht brennt in der neuen Pfanne sofort an.",  # de "Gericht" = dish
        "Ho diritto alla garanzia legale di due anni?",  # it "garanzia legale" = warranty
        "El consumo de batería del reloj es muy alto.",  # es "consumo" = consumption
    ],
)
def test_everyday_words_that_look_like_threats_raise_no_flag(body: str) -> None:
    result = triage_message("", body)
    assert result.risk_flags == ()
    assert result.priority == "normal"


@pytest.mark.parametrize(
    ("body", "flag"),
    [
        ("Just so you know, I've asked my credit card company to reverse the payment. "
         "The parcel never came.", "chargeback"),
        ("He abierto una reclamación en Mercado Libre porque el producto nunca llegó.",
         "platform_claim"),
        ("Ich habe bei PayPal einen Konflikt eröffnet, die Ware kam nie an.", "paypal_dispute"),
        ("商品が届かないので、カード会社に支払いの取り消しを依頼しました。", "chargeback"),
        ("东西一直没收到，我已经联系信用卡银行申请拒付了。", "chargeback"),
    ],
)  # fmt: skip
def test_a_claim_already_filed_is_a_dispute(body: str, flag: str) -> None:
    result = triage_message("", body)
    assert result.issue_type == "dispute"
    assert flag in result.risk_flags
    assert result.issue_reason.startswith("claim already filed: ")
    assert f"({flag})" in result.issue_reason


@pytest.mark.parametrize(
    "body",
    [
        "The parcel never came. If it's not here by Friday I'll ask my credit card company to "
        "reverse the payment.",
        "El producto nunca llegó. Si no me contestáis abro una reclamación en Mercado Libre.",
        "Die Ware kam nie an. Wenn bis Montag nichts passiert, eröffne ich einen Konflikt bei "
        "PayPal.",
        "商品が届きません。今週中に届かなければカード会社に支払いの取り消しを依頼します。",
        "东西一直没收到，再不发货我就去银行申请拒付。",
    ],
)
def test_a_threatened_claim_stays_on_the_underlying_issue(body: str) -> None:
    result = triage_message("", body)
    assert result.issue_type == "not_received"
    assert result.risk_flags  # the threat is still flagged
    assert "claim already filed" not in result.issue_reason


@pytest.mark.parametrize(
    "body",
    [
        "You cancelled the order weeks ago and the money still hasn't arrived on my card.",
        "Die Erstattung ist immer noch nicht angekommen.",
        "退款一直没收到。",
    ],
)
def test_a_delivery_phrase_said_of_the_money_is_about_the_refund(body: str) -> None:
    result = triage_message("", body)
    assert result.issue_type == "refund_request"
    assert "said of the money" in result.issue_reason


def test_a_refund_asked_for_after_a_missing_parcel_stays_not_received() -> None:
    result = triage_message("", "I never received the parcel and I want a refund now.")
    assert result.issue_type == "not_received"
    assert "said of the money" not in result.issue_reason


def test_a_word_found_by_several_lexicons_counts_once() -> None:
    # Too short to tell the language: every lexicon is read, and most of them know "Amazon"
    # as a weak hint of a marketplace claim (25 points); eight of them must not make a flag.
    result = triage_message("", "Amazon!!")
    assert result.language == ""
    assert result.risk_flags == ()
    assert result.risk_reason.count("'Amazon'") == 1
