"""The demo's quality reviews (docs/demo.md): one rubric whose categories the automatic checks
pre-fill, and a weekly sampling assignment for the two QA reviewers, sampled once for the last
complete week so their queues are not empty. Loading twice changes nothing."""

from __future__ import annotations

from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.qa import services
from afterdesk.qa.models import Assignment, Rubric
from afterdesk.qa.sampling import last_complete_cycle, sample_cycle

RUBRIC = "Email and chat basics"
ASSIGNMENT = "Weekly sample"
REVIEWERS = ("priya.nair", "yuki.mori")
CATEGORIES = [
    {"name": "Greeting and sign-off", "weight": 1, "scale": "binary", "check": "greeting"},
    {"name": "Correct answer", "weight": 3, "scale": "1-5", "critical": True, "allow_na": False},
    {"name": "Tone and empathy", "weight": 2, "scale": "1-5"},
    {"name": "Buyer's language", "weight": 1, "scale": "binary", "check": "language"},
    {"name": "No template leftovers", "weight": 1, "scale": "binary", "check": "template"},
    {"name": "Follow-up kept", "weight": 1, "scale": "1-3", "check": "follow_up"},
]


def qa_demo_load(*, admin: User) -> int:
    """The rubric, the assignment and last week's sample; returns the queue's size."""
    rubric = Rubric.objects.filter(name=RUBRIC).first() or services.rubric_save(
        by=admin, name=RUBRIC, categories=CATEGORIES
    )
    assignment = Assignment.objects.filter(name=ASSIGNMENT).first()
    if assignment is None:
        reviewers = list(User.objects.filter(username__in=REVIEWERS))
        if not reviewers:
            return 0
        assignment = services.assignment_save(
            by=admin,
            name=ASSIGNMENT,
            rubric=rubric,
            cycle="weekly",
            per_agent=2,
            reviewers=reviewers,
            filters={},
        )
    return len(sample_cycle(assignment, last_complete_cycle("weekly", timezone.now())))
