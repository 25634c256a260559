"""The English texts of the returns' checks and conflicts (a refund over the order's balance,
a return in the wrong state, the settings' and the supplier file's errors), as msgids: the
services raise them in English (the API answers with them) and the return pages show them
through `RETURN_TEXT.shown` in the reader's language (`afterdesk.core.stored_text`)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from afterdesk.core.stored_text import StoredText

RETURN_TEXT = StoredText(
    (
        gettext_noop("action must be one of %(choices)s"),
        gettext_noop("%(name)s is required for this step"),
        gettext_noop("from and to are dates (YYYY-MM-DD)"),
        gettext_noop("to must be before 9999-12-31"),
        gettext_noop("the period ends before it starts"),
        gettext_noop("a period is at most ten years"),
        gettext_noop("reason must be one of %(choices)s"),
        gettext_noop("requested_resolution must be one of %(choices)s"),
        gettext_noop("line %(line)s is not a line of %(rma)s"),
        gettext_noop("return %(rma)s has no offer waiting for an answer"),
        gettext_noop("return %(rma)s has no retention offer"),
        gettext_noop("resolution must be one of %(choices)s (refunds go through the refund step)"),
        gettext_noop("QC result must be one of %(choices)s"),
        gettext_noop("window_days must be from 0 to 3650"),
        gettext_noop("restocking_fee_percent must be from 0 to 100"),
        gettext_noop("shipping_paid_by is buyer or seller"),
        gettext_noop("resolution must be one of %(choices)s"),
        gettext_noop("return %(rma)s is %(state)s; a %(resolution)s needs it %(allowed)s"),
        gettext_noop(
            "%(amount)s %(currency)s is more than the order's refundable balance of "
            "%(balance)s %(currency2)s"
        ),
        gettext_noop(
            "%(sku)s of %(rma)s was refunded already (%(amount)s %(currency)s, %(state)s)"
        ),
        gettext_noop("refund %(id)s of %(rma)s is %(state)s already"),
        gettext_noop("refund %(id)s is %(state)s, not waiting for a confirmation"),
        gettext_noop("a market is a code of at most %(count)s letters or digits (US, DE, EU)"),
        gettext_noop("no store %(id)s"),
        gettext_noop("no email step %(step)s"),
        gettext_noop("no reply template %(key)s"),
        gettext_noop("%(where)sa SKU has 1 to %(count)s characters"),
        gettext_noop("%(where)sa supplier has 1 to %(count)s characters"),
        gettext_noop("a SKU has 1 to %(count)s characters"),
        gettext_noop("a supplier has 1 to %(count)s characters"),
        gettext_noop("row %(row)s: "),
        gettext_noop("row %(row)s: %(sku)s is given two suppliers in the file"),
        gettext_noop("%(errors)s (and %(count)s more)"),
        gettext_noop("%(field)s must be a whole number"),
        gettext_noop(
            "form must be policy, policy_delete, emails, address, supplier, supplier_delete or "
            "suppliers_import"
        ),
        gettext_noop("%(value)s is not a number"),
    )
)


# The notes the return steps write into their `return_step` events (services/cases.py,
# services/refunds.py, services/policy.py), by step, as msgids: the event keeps English (the
# history format exports it) and the ticket's history shows it in the reader's language
# (`afterdesk.core.event_text`, filled in `ReturnsConfig.ready`). An agent's own note is
# shown as written; SKUs, titles and carriers too; reasons, resolutions and QC results by
# their labels.
_RESOLUTION_NOTE = (
    gettext_noop("%(resolution)s"),
    gettext_noop("%(resolution)s %(note)s"),
)
RETURN_STEP_NOTES: dict[str, tuple[str, ...]] = {
    "requested": (
        gettext_noop("%(count)s × %(sku)s"),
        gettext_noop("%(reason)s"),
        gettext_noop("wants %(resolution)s."),
        gettext_noop("wants %(resolution)s. %(note)s"),
    ),
    "policy_override": (
        gettext_noop("%(violations)s — %(note)s"),
        gettext_noop("outside the %(days)s-day return window: ordered %(date)s, %(age)s days ago"),
        gettext_noop("%(sku)s (%(title)s) is not returnable"),
        gettext_noop("%(sku)s (%(title)s) is in the non-returnable category %(prefix)s"),
    ),
    "approval_requested": _RESOLUTION_NOTE,
    "resolved": _RESOLUTION_NOTE,
    "inspected": (
        gettext_noop("%(sku)s: %(result)s"),
        gettext_noop("%(sku)s: %(result)s (%(note)s)"),
    ),
    "retention_offered": (gettext_noop("keep the goods with %(percent)s%% refunded"),),
    "retention_answered": (
        gettext_noop("accepted"),
        gettext_noop("declined"),
        gettext_noop("accepted: %(note)s"),
        gettext_noop("declined: %(note)s"),
    ),
    "manual_refund_due": (
        gettext_noop("refund it on %(platform)s, then confirm."),
        gettext_noop("refund it on %(platform)s, then confirm. %(note)s"),
        gettext_noop("reminder: the marketplace refund is not confirmed yet"),
    ),
}
_NOTE_LITERAL = ("note", "sku", "title", "prefix", "platform", "date")


def return_text_register() -> None:
    from afterdesk.core.event_text import event_text_register
    from afterdesk.returns.models import QcResult, Reason, Resolution
    from afterdesk.stores.phrases import STORE_TEXT

    choices: dict[str, dict[str, object]] = {
        "reason": dict(Reason.choices),
        "resolution": dict(Resolution.choices),
        "result": {code: label for code, label in QcResult.choices if code},
    }
    for step, msgids in RETURN_STEP_NOTES.items():
        event_text_register(
            "return_step", f"note.{step}", msgids, literal=_NOTE_LITERAL, choices=choices
        )
    # A refund the store refused: the connector's error (stores.phrases).
    event_text_register("return_step", "error", STORE_TEXT.msgids)
