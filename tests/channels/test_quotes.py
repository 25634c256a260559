"""Folding quoted history and signatures away from the new text, in several languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from afterdesk.channels.quotes import _cut_at, fold_reply

CASES = [
    (
        "Yes please.\n\nOn Tue, 1 Dec 2026 at 10:00, Shop <s@shop.example> wrote:\n> Refund?\n",
        "Yes please.",
    ),
    (
        "Ja.\n\nAm 01.12.2026 um 10:00 schrieb Shop <s@shop.example>:\n> Erstattung?\n",
        "Ja.",
    ),
    (
        "Oui.\n\nLe mar. 1 déc. 2026 à 10:00, Shop <s@shop.example> a écrit :\n> Remboursement ?\n",
        "Oui.",
    ),
    (
        "Sí.\n\nEl mar, 1 dic 2026 a las 10:00, Shop (<s@shop.example>) escribió:\n> ¿Reembolso?\n",
        "Sí.",
    ),
    (
        "Sì.\n"
        "\n"
        "Il giorno mar 1 dic 2026 alle ore 10:00 Shop <s@shop.example> ha scritto:\n"
        "> Rimborso?\n",
        "Sì.",
    ),
    (
        "好的。\n\n在 2026年12月1日 10:00，Shop <s@shop.example> 写道：\n> 退款？\n",
        "好的。",
    ),
    (
        "好的。\n\nShop <s@shop.example> 於 2026年12月1日 週二 上午10:00 寫道：\n> 退款？\n",
        "好的。",
    ),
    (
        "はい。\n\n2026年12月1日(火) 10:00 Shop <s@shop.example>:\n> 返金しますか？\n",
        "はい。",
    ),
    (
        "はい。\n\nShop さんは書きました:\n> 返金しますか？\n",
        "はい。",
    ),
    (
        "OK.\n\n-----Original Message-----\nFrom: Shop\nSent: Tuesday\nTo: Buyer\n\nRefund?\n",
        "OK.",
    ),
    (
        "OK.\n\n-------- Ursprüngliche Nachricht --------\nVon: Shop\n",
        "OK.",
    ),
    (
        "OK.\n\n-----Message d'origine-----\nDe : Shop\n",
        "OK.",
    ),
    (
        "OK.\n"
        "\n"
        "From: Shop <s@shop.example>\n"
        "Sent: Tuesday, December 1, 2026 10:00\n"
        "To: Buyer\n"
        "Subject: Refund\n"
        "\n"
        "Refund?\n",
        "OK.",
    ),
    (
        "OK.\n"
        "\n"
        "发件人: Shop <s@shop.example>\n"
        "发送时间: 2026年12月1日 10:00\n"
        "收件人: Buyer\n"
        "主题: 退款\n",
        "OK.",
    ),
    (
        "OK.\n\nDe: Shop <s@shop.example>\nEnviado: martes\nPara: Buyer\n",
        "OK.",
    ),
    (
        "Thanks!\n\n> earlier\n> lines\n",
        "Thanks!",
    ),
    (
        "Thanks!\n\n-- \nJane Doe\nShop owner\n",
        "Thanks!",
    ),
    (
        "Thanks!\n\nSent from my iPhone\n",
        "Thanks!",
    ),
    (
        "Danke!\n\nVon meinem iPhone gesendet\n",
        "Danke!",
    ),
    (
        "谢谢！\n\n发自我的iPhone\n",
        "谢谢！",
    ),
    (
        "ありがとう\n\niPhoneから送信\n",
        "ありがとう",
    ),
]


@pytest.mark.parametrize(("text", "new"), CASES)
def test_history_and_signatures_are_folded_and_kept(text: str, new: str) -> None:
    folded = fold_reply(text)
    assert folded.new == new
    assert folded.whole == text


def test_inline_answers_between_quotes_stay_new_text() -> None:
    text = "> Which size?\nM please.\n> Which colour?\nBlue.\n"
    assert fold_reply(text).new == text.rstrip()
    assert fold_reply(text).folded == "\n"


def test_a_mail_that_is_only_history_is_not_folded() -> None:
    text = "-----Original Message-----\nFrom: Shop\nSent: Tuesday\n\nRefund?\n"
    assert fold_reply(text).new == text.rstrip()


def test_text_without_history_is_whole() -> None:
    text = "On second thought, I will keep it.\nThanks"
    assert fold_reply(text).new == text


class _CountingLines(list[str]):
    """Lines that count how many of them are read (by index, slice or iteration)."""

    reads = 0

    def __getitem__(self, key: Any) -> Any:
        item = super().__getitem__(key)
        _CountingLines.reads += len(item) if isinstance(key, slice) else 1
        return item

    def __iter__(self) -> Iterator[str]:
        for item in super().__iter__():
            _CountingLines.reads += 1
            yield item


def test_a_long_quote_before_an_answer_is_read_a_bounded_number_of_times() -> None:
    """A quoted run followed by new text was read again from each quoted line: 20,000 quoted
    lines took a minute (a mail could stall the ingester). Now each line is read a few times."""
    lines = _CountingLines(["Hi\n", *["> quoted\n"] * 5000, "my answer\n"])
    _CountingLines.reads = 0
    assert _cut_at(lines) is None
    assert _CountingLines.reads < 10 * len(lines)
