"""Training and certification (docs/training.md): courses and lessons, learning paths,
question banks and exams with their attempts, scenario drills built from anonymised tickets,
and certifications held by agents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import User
from afterdesk.qa.models import Rubric
from afterdesk.replies.models import Article

USER = settings.AUTH_USER_MODEL


class Course(models.Model):
    title = models.CharField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    published = models.BooleanField(default=True)
    articles = models.ManyToManyField(Article, blank=True, related_name="courses")
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    """A lesson's body is Markdown, rendered and sanitised on display (`markdown`); its
    images are `LessonImage`s (`![alt](image:3)`), served by the desk itself (the CSP allows
    images only from the desk)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title


class LessonImage(models.Model):
    """An image a lesson shows, kept in the database (small: at most 2 MB, checked by its
    bytes, not its name)."""

    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class LessonProgress(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="lessons_done")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "user"], name="uniq_lesson_progress")
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id}: {self.user_id}"


class Certification(models.Model):
    """A qualification an agent holds for `valid_days` (null: no expiry). With an allowance,
    it adds that amount to the agent's line of a payout statement whose bonus rule pays
    certification allowances (docs/bonuses.md)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    valid_days = models.PositiveIntegerField(null=True, blank=True)
    allowance_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    allowance_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class QuestionBank(models.Model):
    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    SHORT = "short", _("Short answer (graded by a reviewer)")


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    text = models.TextField()
    points = models.PositiveIntegerField(default=1)
    explanation = models.TextField(blank=True)
    # A question some attempt drew is never changed or deleted (the attempt would show and
    # grade something else): it is archived, and an edit makes a new version (`replaces`).
    archived_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="versions"
    )

    class Meta:
        ordering = ["bank", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=1)
    text = models.CharField(max_length=500)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Exam(models.Model):
    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="exams")
    question_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Questions drawn per attempt; empty: the whole bank"
    )
    pass_mark = models.PositiveIntegerField(default=80, help_text="Percent of the points")
    time_limit_minutes = models.PositiveIntegerField(default=30)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    shuffle = models.BooleanField(default=True)
    certification = models.ForeignKey(
        Certification, on_delete=models.SET_NULL, null=True, blank=True, related_name="exams"
    )
    published = models.BooleanField(default=True)
    # An exam with attempts is archived instead of deleted: hidden from learners, its
    # attempts and the certifications they earned kept.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_REVIEW = "pending_review", _("Waiting for a reviewer")
    GRADED = "graded", _("Graded")


class ExamAttempt(models.Model):
    """One try at an exam. `seed` fixes the questions drawn and their order (`question_ids`),
    so the attempt shows the same exam every time it is opened; `deadline` is the server's
    clock at the start plus the time limit."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="exam_attempts")
    number = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.PositiveIntegerField(default=0)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "user", "number"], name="uniq_attempt_number"),
            # One attempt in progress per agent and exam, even under two clicks at once.
            models.UniqueConstraint(
                fields=["exam", "user"],
                condition=Q(state="in_progress"),
                name="uniq_attempt_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} #{self.number} ({self.user})"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice_ids = models.JSONField(default=list)
    text = models.TextField(blank=True)
    answered_at = models.DateTimeField()
    correct = models.BooleanField(null=True, blank=True)
    points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="uniq_attempt_answer")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.question_id}"


class AwardSource(models.TextChoices):
    EXAM = "exam", _("Passed an exam")
    GRANTED = "granted", _("Granted by a supervisor")


class AgentCertification(models.Model):
    """A certification held: from `earned_at` until `expires_at` (null: no expiry), unless
    revoked. Earning it again adds a row (the history stays)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="certifications")
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="awards"
    )
    earned_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=AwardSource.choices)
    attempt = models.OneToOneField(
        ExamAttempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="award"
    )
    granted_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-earned_at", "-id"]
        indexes = [models.Index(fields=["user", "earned_at"], name="award_user_earned")]

    def __str__(self) -> str:
        return f"{self.certification} ({self.user})"


class CertificationReminder(models.Model):
    """A reminder sent that an award expires within `days_before` days: one per award and
    threshold, whatever runs the daily task makes (the unique constraint decides)."""

    award = models.ForeignKey(
        AgentCertification, on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "days_before"], name="uniq_certification_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.award_id}: {self.days_before} days"


class LearningPath(models.Model):
    """What a role must learn before going live: courses to finish, exams to pass and
    certifications to hold. A path applies to the agents of `position` (a `User.position`)
    and to the agents assigned to it by hand."""

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    position = models.CharField(max_length=64, blank=True, db_index=True)
    courses = models.ManyToManyField(Course, blank=True, related_name="paths")
    exams = models.ManyToManyField(Exam, blank=True, related_name="paths")
    certifications = models.ManyToManyField(Certification, blank=True, related_name="paths")
    members: models.ManyToManyField[User, models.Model] = models.ManyToManyField(
        USER, blank=True, related_name="learning_paths"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Drill(models.Model):
    """A practice case made from a real ticket, with the buyer's details masked when it is
    made (`masking`): the drill keeps only the masked text, never the original."""

    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    conversation = models.JSONField(default=list)  # [{"kind": "inbound"|"reply", "text": …}]
    source_ticket_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DrillResponse(models.Model):
    """A trainee's reply to a drill and its grade (0–100) with the reviewer's feedback: a
    plain score, or the score of a QA rubric's ratings (`rubric`, `ratings`: category id →
    value, null for N/A), computed as a QA review's is (docs/qa.md)."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="drill_responses")
    reply = models.TextField()
    submitted_at = models.DateTimeField()
    score = models.PositiveIntegerField(null=True, blank=True)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, null=True, blank=True, related_name="drill_responses"
    )
    ratings = models.JSONField(default=dict, blank=True)
    feedback = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.drill_id}: {self.user_id}"
