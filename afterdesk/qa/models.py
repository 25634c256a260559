"""Quality reviews (docs/qa.md): rubrics, sampling assignments and their queues, reviews with
their ratings and pinned comments, disputes, calibration sessions and the settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.tickets.models import Message, Ticket, TicketEvent


class Scale(models.TextChoices):
    BINARY = "binary", _("Yes / no")
    THREE = "1-3", _("1 to 3")
    FIVE = "1-5", _("1 to 5")


# (lowest, highest) selectable value of each scale; a rating's score is its place between them.
SCALE_RANGE: dict[str, tuple[int, int]] = {"binary": (0, 1), "1-3": (1, 3), "1-5": (1, 5)}


class Check(models.TextChoices):
    """The automatic checks (`qa.checks`) a category may be pre-filled from."""

    NONE = "", _("None")
    GREETING = "greeting", _("Greeting and sign-off present")
    FOLLOW_UP = "follow_up", _("Promised follow-up kept")
    TEMPLATE = "template", _("No template variables left unrendered")
    LANGUAGE = "language", _("Reply in the buyer's language")
    FIRST_REPLY_SLA = "first_reply_sla", _("First reply within SLA")
    SENTIMENT = "sentiment", _("Buyer sentiment not worsening")


class QaSettings(models.Model):
    """One row (pk 1): whether agents may review their own conversations, and how many days
    an agent has to dispute a review before it becomes final and counts in `qa_score`."""

    self_review = models.BooleanField(default=False)
    dispute_days = models.PositiveIntegerField(default=7)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "QA settings"


class Rubric(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="categories")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    scale = models.CharField(max_length=10, choices=Scale.choices, default=Scale.FIVE)
    critical = models.BooleanField(default=False)
    allow_na = models.BooleanField(default=True)
    auto_check = models.CharField(max_length=20, choices=Check.choices, blank=True)

    class Meta:
        ordering = ["rubric", "position", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def low(self) -> int:
        return SCALE_RANGE[self.scale][0]

    @property
    def high(self) -> int:
        return SCALE_RANGE[self.scale][1]

    @property
    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1))


class Cycle(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class Assignment(models.Model):
    """Sample `per_agent` conversations of each agent every cycle, among those the filters keep,
    for the reviewers to grade with the rubric (docs/qa.md, "Sampling")."""

    name = models.CharField(max_length=100, unique=True)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="assignments")
    cycle = models.CharField(max_length=10, choices=Cycle.choices, default=Cycle.WEEKLY)
    per_agent = models.PositiveIntegerField(default=2)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="qa_assignments")
    # team id, channel, category, csat_max, risk_min, min_messages, reopened (docs/qa.md)
    filters = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SampleItem(models.Model):
    """One sampled conversation in a reviewer's queue; unique per assignment, cycle and ticket,
    so sampling the same cycle twice adds nothing."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="items")
    cycle_start = models.DateField()
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_samples")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_sampled"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_queue"
    )
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "cycle_start", "ticket"], name="qa_sample_once"
            )
        ]
        indexes = [models.Index(fields=["reviewer", "done"], name="qa_queue")]

    def __str__(self) -> str:
        return f"sample of {self.ticket_id} for {self.reviewer_id}"


class Calibration(models.Model):
    """Several reviewers grade the same conversations blind (docs/qa.md, "Calibration")."""

    name = models.CharField(max_length=100)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="calibrations")
    tickets = models.ManyToManyField(Ticket, related_name="qa_calibrations")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="qa_calibrations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the agent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPUTED = "disputed", _("Disputed")
    UPHELD = "upheld", _("Dispute: upheld")
    AMENDED = "amended", _("Dispute: amended")
    FINAL = "final", _("Final (no dispute in time)")
    CALIBRATION = "calibration", _("Calibration")


class Review(models.Model):
    """A reviewer's grading of one conversation for one agent. A regular review writes its
    `qa_review` event once, when it is final (`event`); a calibration review never does."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_reviews")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews_received"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews_given"
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="reviews")
    sample = models.OneToOneField(
        SampleItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="review"
    )
    calibration = models.ForeignKey(
        Calibration, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    score = models.FloatField()
    critical_failed = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    state = models.CharField(max_length=15, choices=ReviewState.choices)
    created_at = models.DateTimeField()
    dispute_reason = models.TextField(blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    # The score before a supervisor amended it (null when never amended).
    original_score = models.FloatField(null=True, blank=True)
    event = models.OneToOneField(
        TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["calibration", "ticket", "reviewer"],
                name="qa_calibration_once",
                condition=models.Q(calibration__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["agent", "-created_at"], name="qa_review_agent"),
            models.Index(fields=["state", "created_at"], name="qa_review_state"),
        ]

    def __str__(self) -> str:
        return f"review of {self.ticket_id} for {self.agent_id}: {self.score:.1f}"


class Rating(models.Model):
    """One category's rating in a review; `value` null is N/A."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["category__position", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "category"], name="qa_rating_once")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.value}"


class PinnedComment(models.Model):
    """A reviewer's comment on one message of the conversation."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pins")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="qa_pins")
    body = models.TextField()

    class Meta:
        ordering = ["message__created_at", "id"]

    def __str__(self) -> str:
        return f"comment on message {self.message_id}"
