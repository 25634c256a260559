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
