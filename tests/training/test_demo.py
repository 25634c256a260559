"""The demo's training: one course, one exam earning a certification with an allowance, the
new agents' path; loading twice changes nothing."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.training.demo import training_demo_load
from afterdesk.training.models import Certification, Course, Exam, LearningPath, Question

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once(admin_user: User) -> None:
    training_demo_load(admin=admin_user)
    training_demo_load(admin=admin_user)
    course = Course.objects.get()
    assert course.lessons.count() == 2
    exam = Exam.objects.get()
    certification = Certification.objects.get()
    assert exam.certification == certification
    assert (certification.allowance_amount, certification.allowance_currency) == (40, "EUR")
    assert Question.objects.count() == 4
    assert dict(LearningPath.objects.values_list("name", "position")) == {
        "New first-line agent": "new_agent",
        "Returns specialist": "returns_specialist",
        "Minor-language agent": "minor_language",
    }
