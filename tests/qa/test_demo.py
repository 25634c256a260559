"""The demo's QA content (afterdesk/qa/demo.py): a rubric, a weekly assignment and last
week's queue, loaded twice without change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from afterdesk.accounts.models import Role, Team, User
from afterdesk.qa.demo import qa_demo_load
from afterdesk.qa.models import Assignment, Rubric, SampleItem
from afterdesk.qa.sampling import last_complete_cycle
from tests.factories import UserFactory
from tests.qa.conftest import conversation

pytestmark = pytest.mark.django_db


def test_demo_rubric_assignment_and_queue(admin_user: User, agent: User, team: Team) -> None:
    UserFactory(username="priya.nair", role=Role.QA_REVIEWER)
    UserFactory(username="yuki.mori", role=Role.QA_REVIEWER)
    start = last_complete_cycle("weekly", timezone.now())
    at = timezone.make_aware(datetime.combine(start, datetime.min.time())) + timedelta(hours=10)
    for hour in range(3):
        conversation(agent, team, at=at + timedelta(hours=hour))
    assert qa_demo_load(admin=admin_user) == 2
    assert qa_demo_load(admin=admin_user) == 2
    assert Rubric.objects.get().categories.filter(critical=True).count() == 1
    assert Assignment.objects.get().reviewers.count() == 2
    assert SampleItem.objects.count() == 2
