from __future__ import annotations

import pytest

from afterdesk.triage import language
from afterdesk.triage.language import detector, language_detect


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("注文した商品が届きません", "ja"),
        ("我的包裹还没到", "zh"),
        ("주문한 상품이 아직 도착하지 않았습니다", "ko"),
        ("لم يصل طلبي بعد، أرجو المساعدة", "ar"),
        ("Мой заказ до сих пор не пришёл", "ru"),
    ],
)
def test_an_unambiguous_script_decides(text: str, code: str) -> None:
    assert language_detect(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hallo, mein Paket ist leider beschädigt angekommen, bitte um Ersatz.", "de"),
        ("Bonjour, je n'ai toujours pas reçu ma commande, pouvez-vous vérifier ?", "fr"),
        ("Hola, el pedido llegó roto y quiero que me devuelvan el dinero.", "es"),
        ("Buongiorno, il pacco non è ancora arrivato, potete controllare?", "it"),
        ("Olá, o meu pedido ainda não chegou, podem verificar por favor?", "pt"),
        ("Hi, my order still hasn't arrived, could you check the tracking?", "en"),
        ("Dzień dobry, moja paczka jeszcze nie dotarła, proszę o sprawdzenie.", "pl"),
    ],
)
def test_latin_text_goes_to_lingua(text: str, code: str) -> None:
    guess = language_detect(text)
    assert guess.code == code
    assert guess.reason.startswith(f"lingua: {code}")


@pytest.mark.parametrize("text", ["Thanks!", "ok", "#113-4829301-2231", "Re: 2231 ???"])
def test_short_text_is_unknown_rather_than_a_guess(text: str) -> None:
    guess = language_detect(text)
    assert guess.code == ""
    assert "too short" in guess.reason


def test_an_ambiguous_text_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    # Spanish and Portuguese share most of these words: lingua cannot be sure.
    monkeypatch.setattr(language, "MIN_CONFIDENCE", 0.999)
    guess = language_detect("a mesa chegou com problema no transporte")
    assert guess.code == ""
    assert guess.reason.startswith("ambiguous")
    assert guess.runners_up  # its lexicons are still matched


def test_the_detector_is_built_once() -> None:
    assert detector() is detector()
