"""What the ticket UI calls a triage's issue types, risk flags and languages (translated); the
codes are `tickets.events.TRIAGE_ISSUE_TYPES` and `TRIAGE_RISK_FLAGS`."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ISSUE_TYPE_LABELS: dict[str, Promise] = {
    "not_received": _("Not received"),
    "size_issue": _("Size issue"),
    "quality_issue": _("Quality issue"),
    "wrong_item": _("Wrong item"),
    "missing_item": _("Missing item"),
    "damaged": _("Damaged"),
    "usage_question": _("Usage question"),
    "return_request": _("Return request"),
    "refund_request": _("Refund request"),
    "dispute": _("Dispute"),
    "presale_question": _("Pre-sale question"),
    "other": _("Other"),
}
RISK_FLAG_LABELS: dict[str, Promise] = {
    "chargeback": _("Chargeback threat"),
    "atoz_claim": _("A-to-z claim"),
    "paypal_dispute": _("PayPal dispute"),
    "platform_claim": _("Platform claim"),
    "legal": _("Legal threat"),
    "bad_review": _("Bad review threat"),
    "negative_sentiment": _("Strong negative sentiment"),
}
# The languages triage detects (`triage.language.SELLER_LANGUAGES`), offered when an agent
# corrects one.
LANGUAGE_LABELS: dict[str, Promise] = {
    "en": _("English"),
    "es": _("Spanish"),
    "de": _("German"),
    "fr": _("French"),
    "it": _("Italian"),
    "pt": _("Portuguese"),
    "nl": _("Dutch"),
    "pl": _("Polish"),
    "sv": _("Swedish"),
    "ja": _("Japanese"),
    "zh": _("Chinese"),
    "ko": _("Korean"),
    "ar": _("Arabic"),
    "tr": _("Turkish"),
    "ru": _("Russian"),
}


def issue_type_label(code: str) -> str:
    return str(ISSUE_TYPE_LABELS.get(code, code))


def risk_flag_label(code: str) -> str:
    return str(RISK_FLAG_LABELS.get(code, code))


def language_label(code: str) -> str:
    return str(LANGUAGE_LABELS.get(code, code)) if code else "—"
