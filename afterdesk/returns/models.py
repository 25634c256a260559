"""Return cases (docs/returns.md): the case and its lines, the refunds made for it, and the
return policies it is checked against. Return addresses are the replies app's
(`replies.ReturnAddress`), not kept twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Order, OrderLine, Store
from afterdesk.routing.models import ApprovalRequest
from afterdesk.tickets.models import Ticket


class ShippingPaidBy(models.TextChoices):
    BUYER = "buyer", _("The buyer")
    SELLER = "seller", _("The seller")


class ReturnPolicy(models.Model):
    """The rules a return is checked against: per store and market; `store` None is the
    default for every store, `market` "" every market of its store. The most specific one
    applies (store + market, then store, then market, then the default)."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    market = models.CharField(max_length=10, blank=True)
    window_days = models.PositiveIntegerField(default=30)
    shipping_paid_by = models.CharField(
        max_length=10, choices=ShippingPaidBy.choices, default=ShippingPaidBy.BUYER
    )
    restocking_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # Order lines carry no product category, so a category is matched as a SKU prefix.
    non_returnable_categories = models.JSONField(default=list, blank=True)
    non_returnable_skus = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "market"],
                condition=models.Q(store__isnull=False),
                name="uniq_return_policy_store",
            ),
            models.UniqueConstraint(
                fields=["market"],
                condition=models.Q(store__isnull=True),
                name="uniq_return_policy_default",
            ),
        ]

    def __str__(self) -> str:
        return f"return policy {self.store or 'every store'} {self.market or 'every market'}"


class Reason(models.TextChoices):
    SIZE_ISSUE = "size_issue", _("Size issue")
    QUALITY_ISSUE = "quality_issue", _("Quality issue")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    OTHER = "other", _("Other")


class Resolution(models.TextChoices):
    """What the buyer asks for, and what the case ended with."""

    REFUND = "refund", _("Refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    REFUND_NO_RETURN = "refund_no_return", _("Refund without return")
    EXCHANGE = "exchange", _("Exchange shipped")
    RESHIP = "reship", _("Reship")
    KEPT_PARTIAL_REFUND = "kept_partial_refund", _("Kept with partial refund")
    KEPT_NO_REFUND = "kept_no_refund", _("Kept without refund")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The `return` event's outcome of each resolution (docs/metrics.md, "Return outcomes").
RESOLUTION_OUTCOME = {
    Resolution.REFUND: "return_refund",
    Resolution.PARTIAL_REFUND: "return_refund",
    Resolution.REFUND_NO_RETURN: "refund_no_return",
    Resolution.EXCHANGE: "exchange",
    Resolution.RESHIP: "reship",
    Resolution.KEPT_PARTIAL_REFUND: "kept_partial_refund",
    Resolution.KEPT_NO_REFUND: "kept_no_refund",
    Resolution.WITHDRAWN: "withdrawn",
}


class State(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LABEL_SENT = "label_sent", _("Label sent")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REFUNDING = "refunding", _("Refund in progress")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    RESOLVED = "resolved", _("Resolved")


class Retention(models.TextChoices):
    NONE = "", _("No offer")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ReturnCase(models.Model):
    rma = models.CharField(max_length=20, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="return_cases")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_cases")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    requested_resolution = models.CharField(max_length=20, choices=Resolution.choices)
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    policy_note = models.TextField(blank=True, help_text="Why the policy let it through")
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_note = models.TextField(blank=True)
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retention = models.CharField(max_length=10, choices=Retention.choices, blank=True)
    retention_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    carrier = models.CharField(max_length=50, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True, db_index=True)
    # What the return label cost the seller, in the order's currency (the analytics' cost of
    # returns); None when not known.
    label_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.rma


class QcResult(models.TextChoices):
    PENDING = "", _("Not inspected")
    RESELLABLE = "resellable", _("Resellable")
    DAMAGED = "damaged", _("Damaged")
    USED = "used", _("Used")
    MISSING = "missing", _("Missing")


class ReturnLine(models.Model):
    case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    qc_result = models.CharField(max_length=12, choices=QcResult.choices, blank=True)
    qc_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.quantity} × {self.order_line_id}"


class RefundState(models.TextChoices):
    PENDING = "pending", _("Sent to the platform")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")
    MANUAL_DUE = "manual_due", _("To be refunded on the marketplace")


class Refund(models.Model):
    """One refund of a case. A return line is refunded at most once: `RefundedLine` is unique
    by return line among the refunds that have not failed (`released` marks a failed one's);
    the order's refundable balance bounds the amounts."""

    case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    resolution = models.CharField(max_length=20, choices=Resolution.choices)
    state = models.CharField(max_length=12, choices=RefundState.choices, db_index=True)
    platform_refund_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.amount} {self.currency} ({self.state})"


class RefundedLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    return_line = models.ForeignKey(ReturnLine, on_delete=models.CASCADE, related_name="+")
    # False while the refund stands or may stand; True once it failed, so the line may be
    # refunded again (the unique constraint holds only the standing ones).
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_line"],
                condition=models.Q(released=False),
                name="uniq_refunded_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.refund_id}: {self.return_line_id}"


class EmailStep(models.TextChoices):
    """The steps that may email the buyer (docs/returns.md, "Emails to the buyer")."""

    REQUESTED = "requested", _("Return requested")
    APPROVED = "approved", _("Return approved")
    REJECTED = "rejected", _("Return rejected")
    LABEL_SENT = "label_sent", _("Return label sent")
    RECEIVED = "received", _("Parcel received")
    INSPECTED = "inspected", _("Items inspected")
    RETENTION_OFFERED = "retention_offered", _("Offer to keep the item")
    REFUNDED = "refunded", _("Refunded")
    RESOLVED = "resolved", _("Resolved without a refund")


class StepEmail(models.Model):
    """Which reply template emails the buyer at a step, and whether it is on. A step without
    a row, or with no template, sends nothing."""

    step = models.CharField(max_length=20, choices=EmailStep.choices, unique=True)
    template = models.ForeignKey(
        "replies.ReplyTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.step}: {self.template_id} ({'on' if self.enabled else 'off'})"


class MarketReturnAddress(models.Model):
    """Where buyers of a market send returns: a local warehouse (US, EU, JP…) or the way back
    to China. It wins over the replies app's store and default addresses on the RMA
    instructions."""

    market = models.CharField(max_length=10, unique=True)
    warehouse = models.CharField(max_length=100)
    address = models.TextField()

    class Meta:
        ordering = ["market"]

    def __str__(self) -> str:
        return f"{self.market}: {self.warehouse}"


class SkuSupplier(models.Model):
    """Who supplies a SKU, for the return analytics by supplier: order lines carry a SKU and
    a title but no supplier, so the desk keeps this small map (docs/returns.md, "Suppliers")."""

    sku = models.CharField(max_length=100, unique=True)
    supplier = models.CharField(max_length=200)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku}: {self.supplier}"
