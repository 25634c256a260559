"""The language a survey speaks: the ticket's, else the buyer's, among the ones its texts are
translated into (docs/surveys.md, "Languages")."""

from __future__ import annotations

# Django language codes; the buyer-facing strings have catalogues for each (zh-hans in the
# desk's own catalogue, the others in afterdesk/surveys/locale).
SURVEY_LANGUAGES = ("en", "zh-hans", "es", "de", "fr", "ja")
DEFAULT_LANGUAGE = "en"


def survey_language(*codes: str) -> str:
    """The first of `codes` (BCP 47 or Django style, any case: "zh-CN", "de_AT", "ja") that a
    survey can speak; English when none can. Every Chinese is answered in Simplified Chinese,
    the only Chinese the survey is written in."""
    for code in codes:
        primary = code.strip().lower().replace("_", "-").split("-", 1)[0]
        if not primary:
            continue
        if primary == "zh":
            return "zh-hans"
        if primary in SURVEY_LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE
