"""Fold quoted history and signatures away from the new text of a reply (kept, not lost).

`fold_reply(text)` cuts the text at the first line where the quoted history or the signature
begins: an attribution line ("On … wrote:", "Am … schrieb …:", "在…写道：", …), an Outlook
header block ("-----Original Message-----", "From: … / Sent: …" and its translations), a run
of "> " lines, the signature delimiter "-- " or a mobile client's "Sent from my iPhone".
Everything from there on is the folded part; both parts together are the whole text. When
the cut would leave no new text (a buyer who only forwarded something), nothing is folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One line that starts the quoted history, in the languages buyers write in.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        (?:On|Il|Op|Em|El|Le|Am|Den|På|W\sdniu)\b.{0,300}?
            (?:wrote|ha\sscritto|schreef|escreveu|escribió|a\sécrit|schrieb|skrev|napisał)
            .{0,120}:\s*$
      | .{0,300}(?:写道|寫道)\s*[:：]?\s*$
      | .{0,300}(?:書きました|のメッセージ)\s*[:：]?\s*$
      | .{0,200}님이\s*작성\S*\s*[:：]?\s*$
      | \d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}.{0,200}@.{0,200}[:：]\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Separator lines of Outlook, Thunderbird, Apple Mail and webmail, in several languages.
_SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\sMessage|Ursprüngliche\sNachricht|Message\sd'origine|
            Mensaje\soriginal|Messaggio\soriginale|Mensagem\soriginal|Oorspronkelijk\sbericht|
            原始邮件|原始郵件|原始信件|元のメッセージ|Forwarded\smessage|Weitergeleitete\sNachricht|
            Message\stransféré|Mensaje\sreenviado)\s*-{2,}
      | _{20,}
      | Begin\sforwarded\smessage:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# An Outlook header block: a "From:" line followed within three lines by a second header.
_BLOCK_FROM = re.compile(
    r"^\s*\**(?:From|Von|De|Da|Van|Från|发件人|寄件者|差出人|보낸\s?사람)\s*\**\s*[:：]",
    re.IGNORECASE,
)
_BLOCK_NEXT = re.compile(
    r"^\s*\**(?:Sent|Date|To|Subject|Gesendet|Datum|An|Betreff|Envoyé|Date|À|Objet|Enviado|"
    r"Fecha|Para|Asunto|Inviato|Data|A|Oggetto|Verzonden|Aan|Onderwerp|发送时间|日期|收件人|"
    r"主题|寄件日期|收件者|主旨|送信日時|宛先|件名|보낸\s?날짜|받는\s?사람|제목)\s*\**\s*[:：]",
    re.IGNORECASE,
)
# Mobile clients' signatures.
_MOBILE = re.compile(
    r"""^\s*(?:
        Sent\sfrom\smy\s\S.{0,40}
      | Sent\sfrom\s(?:Mail|Outlook|Yahoo\sMail)\b.{0,40}
      | Get\sOutlook\sfor\s\S.{0,30}
      | Von\smeinem\s\S.{0,30}\sgesendet
      | Envoyé\sde\smon\s\S.{0,30}
      | Enviado\sdesde\smi\s\S.{0,30}
      | Inviato\sda\s\S.{0,30}
      | Enviado\sdo\smeu\s\S.{0,30}
      | (?:从我的|發自我的|发自我的|来自我的)\s?\S{1,20}(?:发送|傳送)?
      | \S{1,20}から送信
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class FoldedText:
    """`new` + `folded` is the whole text (`new` without trailing white space)."""

    new: str
    folded: str

    @property
    def whole(self) -> str:
        return self.new + self.folded


def _cut_at(lines: list[str]) -> int | None:
    """The index of the line where the quoted history or the signature begins."""
    quoted_to_end = _quoted_to_end(lines)
    for index, line in enumerate(lines):
        stripped = line.rstrip("\r\n")
        if stripped in ("-- ", "--", "—"):
            return index
        if _SEPARATOR.match(stripped) or _MOBILE.match(stripped):
            return index
        if _ATTRIBUTION.match(stripped):
            return index
        # An attribution wrapped onto a second line: "On Mon, 1 Dec 2026 at 10:00, Ann\n<a@b>
        # wrote:" — the pair read as one line.
        if index + 1 < len(lines) and len(stripped) < 300:
            joined = stripped + " " + lines[index + 1].strip()
            if (
                _ATTRIBUTION.match(joined)
                and not _ATTRIBUTION.match(lines[index + 1].strip())
                and re.match(r"^\s*(?:On|Am|Le|El|Il|Op|Em)\b", stripped, re.IGNORECASE)
            ):
                return index
        if _BLOCK_FROM.match(stripped) and any(
            _BLOCK_NEXT.match(following) for following in lines[index + 1 : index + 4]
        ):
            return index
        if stripped.startswith(">") and quoted_to_end[index]:
            return index
    return None


def _quoted_to_end(lines: list[str]) -> list[bool]:
    """For each line, whether from there on the text is quoted lines (blank lines and a
    closing signature aside): an inline answer between quotes is new text, not history. One
    pass from the end (a long quote followed by an answer must not cost its square)."""
    result = [True] * len(lines)
    following = True  # what the first line after this one that is neither blank nor quoted says
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith(">"):
            following = _cut_at_signature(stripped)
        result[index] = following
    return result


def _cut_at_signature(stripped: str) -> bool:
    return stripped in ("--",) or bool(_MOBILE.match(stripped))


def fold_reply(text: str) -> FoldedText:
    """Split `text` into the new text and the folded history/signature (see the module)."""
    lines = text.splitlines(keepends=True)
    cut = _cut_at(lines)
    new = "".join(lines[:cut]) if cut is not None else text
    if not new.strip():  # only history: nothing is folded
        new, cut = text, None
    kept = new.rstrip()
    if cut is None:
        return FoldedText(new=kept, folded=text[len(kept) :])
    return FoldedText(new=kept, folded=new[len(kept) :] + "".join(lines[cut:]))
